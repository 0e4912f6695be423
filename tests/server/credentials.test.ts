import { expect } from "chai";
import { describeEachDb, scopePath } from "../helpers/app";
import { attach, auditOf, connection, folder, grant } from "../helpers/sharing";

const PASSWORD = "s3cret-credential-value";
const pgConfig = { host: "db.internal", port: 5432, database: "app", user: "reader", password: PASSWORD };

describeEachDb("credentials of a workspace's schemas (SPEC §3.5)", (ctx) => {
  let h: Awaited<ReturnType<typeof ctx.t.hierarchy>>;
  let direct: { id: string };
  let indirect: { id: string };
  let shared: { id: string };
  before(async () => {
    h = await ctx.t.hierarchy();
    direct = await ctx.t.expect(201, "POST", `/v1/${scopePath(h.ws)}/connections`, { body: { plugin: "postgres", handle: "warehouse", config: pgConfig } });
    await attach(ctx.t, h.ws.id, direct.id);
    shared = await folder(ctx.t, h.tenant);
    await grant(ctx.t, shared.id, h.org.id);
    await attach(ctx.t, h.ws.id, shared.id);
    indirect = await connection(ctx.t, h.tenant, "lake", shared.id, { bucket: "b", token: { value: "tok-123", secret: true } });
  });

  it("editors read the decrypted config of a direct or indirect schema's connection", async () => {
    const editor = await ctx.t.user({ path: scopePath(h.ws), role: "editor" });
    const res = await ctx.t.get(`/v1/workspaces/${h.ws.id}/connections/warehouse/credentials`, { token: editor.token });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ connectionId: direct.id, handle: "warehouse", plugin: "postgres", config: pgConfig });
    expect(res.headers["cache-control"]).to.equal("no-store");
    const viaFolder = await ctx.t.get(`/v1/workspaces/${h.ws.id}/connections/lake/credentials`, { token: editor.token });
    expect(viaFolder.status).to.equal(200);
    expect(viaFolder.body).to.deep.equal({ connectionId: indirect.id, handle: "lake", plugin: "custom", config: { bucket: "b", token: "tok-123" } });
  });

  it("viewers get 403, and callers without a role in the workspace 404", async () => {
    const viewer = await ctx.t.user({ path: scopePath(h.ws), role: "viewer" });
    const neighbour = await ctx.t.user({ path: scopePath(h.ws2), role: "owner" });
    const denied = await ctx.t.get(`/v1/workspaces/${h.ws.id}/connections/warehouse/credentials`, { token: viewer.token });
    expect(denied.status).to.equal(403);
    expect(denied.raw).to.not.contain(PASSWORD);
    expect((await ctx.t.get(`/v1/workspaces/${h.ws.id}/connections/warehouse/credentials`, { token: neighbour.token })).status).to.equal(404);
  });

  it("only schemas of the workspace can be read: not a conflict, not an unattached connection (404)", async () => {
    const { tenant, org, ws } = await ctx.t.hierarchy();
    const f = await folder(ctx.t, tenant);
    await grant(ctx.t, f.id, org.id);
    await attach(ctx.t, ws.id, f.id);
    const holder = await connection(ctx.t, tenant, "contested", f.id);
    const loser = await connection(ctx.t, ws, "contested");
    const orgFolder = await folder(ctx.t, ws);
    await attach(ctx.t, ws.id, orgFolder.id);
    await ctx.t.expect(200, "PATCH", `/v1/connections/${loser.id}`, { body: { folderId: orgFolder.id } });
    const listed = (await ctx.t.expect(200, "GET", `/v1/workspaces/${ws.id}/schemas`)).items;
    expect(listed.find((s: { connectionId: string }) => s.connectionId === loser.id).state).to.equal("conflict");
    const read = await ctx.t.expect(200, "GET", `/v1/workspaces/${ws.id}/connections/contested/credentials`);
    expect(read.connectionId).to.equal(holder.id);
    await connection(ctx.t, ws, "unattached");
    expect((await ctx.t.get(`/v1/workspaces/${ws.id}/connections/unattached/credentials`)).status).to.equal(404);
    expect((await ctx.t.get(`/v1/workspaces/${ws.id}/connections/Not-A-Handle/credentials`)).status).to.equal(400);
  });

  it("every read is audited, and the audit record never holds the values", async () => {
    const editor = await ctx.t.user({ path: scopePath(h.org), role: "editor" });
    const before = (await auditOf(ctx.t, h.ws, "connection.credentials.read")).length;
    await ctx.t.expect(200, "GET", `/v1/workspaces/${h.ws.id}/connections/warehouse/credentials`, { token: editor.token });
    const records = await auditOf(ctx.t, h.ws, "connection.credentials.read");
    expect(records.length).to.equal(before + 1);
    expect(records[0]).to.include({ targetId: direct.id, actorId: editor.user.id });
    expect(records[0].after).to.include({ workspaceId: h.ws.id, schema: "warehouse" });
    const raw = JSON.stringify(await ctx.t.expect(200, "GET", `/v1/${scopePath(h.tenant)}/audit?limit=500`));
    expect(raw).to.not.contain(PASSWORD);
    expect(raw).to.not.contain("tok-123");
    expect(ctx.t.logLines.join("")).to.not.contain(PASSWORD);
  });
});
