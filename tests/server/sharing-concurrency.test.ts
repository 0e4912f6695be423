import { expect } from "chai";
import { describeEachDb } from "../helpers/app";
import { attach, connection, folder, grant, schemaStates } from "../helpers/sharing";

const ROUNDS = 10;

/** The sharing rules hold when changes race (SPEC §7.2: every rule holds under concurrent requests). */
describeEachDb("sharing under concurrent requests", (ctx) => {
  it("two racing attaches of same-named connections: one wins, the other is refused (no two schemas of one name)", async () => {
    const h = await ctx.t.hierarchy();
    for (let round = 0; round < ROUNDS; round++) {
      const name = `race_${round}`;
      const a = await connection(ctx.t, h.ws, name);
      const b = await connection(ctx.t, h.org, name);
      await grant(ctx.t, b.id, h.ws.id);
      const results = await Promise.all([a, b].map((c) => ctx.t.post(`/v1/workspaces/${h.ws.id}/attachments`, { objectId: c.id })));
      expect(results.map((r) => r.status).sort()).to.deep.equal([201, 409]);
    }
    const names = await schemaStates(ctx.t, h.ws.id);
    expect(names).to.have.length(ROUNDS);
    expect(names.every((n) => n.endsWith(":direct"))).to.equal(true);
  });

  it("a revoke racing an attach that depends on it: never an attachment without its grant", async () => {
    const h = await ctx.t.hierarchy();
    for (let round = 0; round < ROUNDS; round++) {
      const f = await folder(ctx.t, h.tenant);
      const g = await grant(ctx.t, f.id, h.org.id);
      const [attached, revoked] = await Promise.all([ctx.t.post(`/v1/workspaces/${h.ws.id}/attachments`, { objectId: f.id }), ctx.t.del(`/v1/grants/${g.id}`)]);
      // either the attach came first (and the revoke is refused), or the revoke did (and the attach is refused)
      expect(`${attached.status}/${revoked.status}`).to.be.oneOf(["201/409", "409/200"]);
    }
    const stranded = await ctx.t.db.query(
      `SELECT a.id FROM attachments a JOIN folders f ON f.id = a.folder_id
        WHERE a.workspace_id = $1 AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.folder_id = f.id)`,
      [h.ws.id],
    );
    expect(stranded.rows).to.deep.equal([]);
  });

  it("connections created concurrently in an attached folder all become schemas: one of each name holds it, the other is in conflict", async () => {
    const h = await ctx.t.hierarchy();
    const f = await folder(ctx.t, h.tenant);
    await grant(ctx.t, f.id, h.tenant.id);
    const g = await folder(ctx.t, h.org);
    await grant(ctx.t, g.id, h.org.id);
    await attach(ctx.t, h.ws.id, f.id);
    await attach(ctx.t, h.ws.id, g.id);
    const created = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => ctx.t.post(`/v1/tenants/${h.tenant.id}/connections`, { plugin: "custom", config: {}, handle: `c${i}`, folderId: f.id })),
      ...Array.from({ length: 6 }, (_, i) => ctx.t.post(`/v1/orgs/${h.org.id}/connections`, { plugin: "custom", config: {}, handle: `c${i}`, folderId: g.id })),
    ]);
    expect(created.map((r) => r.status)).to.deep.equal(Array(12).fill(201));
    const states = await schemaStates(ctx.t, h.ws.id);
    for (let i = 0; i < 6; i++) expect(states.filter((s) => s.startsWith(`c${i}:`)).sort()).to.deep.equal([`c${i}:conflict`, `c${i}:indirect`]);
  });
});
