import { expect } from "chai";
import { describeEachDb, scopePath } from "../helpers/app";
import { attach, connection, folder, grant } from "../helpers/sharing";

describeEachDb("sharing views: available connections and a connection's workspaces (SPEC §4, §5)", (ctx) => {
  let h: Awaited<ReturnType<typeof ctx.t.hierarchy>>;
  beforeEach(async () => {
    h = await ctx.t.hierarchy();
  });

  it("a workspace lists its available connections with why: own, or which grant through which folder", async () => {
    const own = await connection(ctx.t, h.ws, "dup");
    const top = await folder(ctx.t, h.tenant);
    const sub = await folder(ctx.t, h.tenant, { parentId: top.id });
    const fromTenant = await connection(ctx.t, h.tenant, "dup", sub.id);
    const fromOrg = await connection(ctx.t, h.org, "org_conn");
    await connection(ctx.t, h.org, "not_granted");
    const gFolder = await grant(ctx.t, top.id, h.tenant.id);
    const gDirect = await grant(ctx.t, fromTenant.id, h.ws.id);
    const gOrg = await grant(ctx.t, fromOrg.id, h.org.id);
    const res = await ctx.t.expect(200, "GET", `/v1/${scopePath(h.ws)}/connections`);
    const why = Object.fromEntries(res.items.map((c: { id: string; availableVia: unknown }) => [c.id, c.availableVia]));
    expect(Object.keys(why)).to.have.members([own.id, fromTenant.id, fromOrg.id]);
    expect(why[own.id]).to.deep.equal([{ via: "own" }]);
    expect(why[fromTenant.id]).to.have.deep.members([
      { via: "grant", grantId: gFolder.id, granteeId: h.tenant.id, folderId: top.id },
      { via: "grant", grantId: gDirect.id, granteeId: h.ws.id, folderId: null },
    ]);
    expect(why[fromOrg.id]).to.deep.equal([{ via: "grant", grantId: gOrg.id, granteeId: h.org.id, folderId: null }]);
    // the rest of each item is the usual connection, secrets redacted
    expect(res.items.find((c: { id: string }) => c.id === fromOrg.id)).to.include({ handle: "org_conn", scopeId: h.org.id, plugin: "custom" });
  });

  it("the available list is paginated with a cursor, also across equal handles of different scopes", async () => {
    await connection(ctx.t, h.ws, "same");
    const t = await connection(ctx.t, h.tenant, "same");
    const o = await connection(ctx.t, h.org, "same");
    await grant(ctx.t, t.id, h.tenant.id);
    await grant(ctx.t, o.id, h.ws.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await ctx.t.expect(200, "GET", `/v1/${scopePath(h.ws)}/connections?limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).to.have.length(3);
    expect(new Set(seen).size).to.equal(3);
  });

  it("tenants and organizations still list the connections they own", async () => {
    const c = await connection(ctx.t, h.org, "owned_here");
    await connection(ctx.t, h.tenant, "above");
    const res = await ctx.t.expect(200, "GET", `/v1/${scopePath(h.org)}/connections`);
    expect(res.items.map((i: { id: string }) => i.id)).to.deep.equal([c.id]);
    expect(res.items[0]).to.not.have.property("availableVia");
  });

  it("a connection lists the workspaces whose schemas include it, and how: direct, indirect through a folder, or conflict", async () => {
    const f = await folder(ctx.t, h.tenant);
    const c = await connection(ctx.t, h.tenant, "used", f.id);
    await grant(ctx.t, f.id, h.tenant.id);
    const other = await ctx.t.workspace(h.org.id);
    const holder = await connection(ctx.t, other, "used");
    await attach(ctx.t, other.id, holder.id);
    const direct = await attach(ctx.t, h.ws.id, c.id);
    const viaFolder = await attach(ctx.t, h.ws2.id, f.id);
    expect((await ctx.t.post(`/v1/workspaces/${other.id}/attachments`, { objectId: f.id })).status).to.equal(409); // "used" collides
    const later = await folder(ctx.t, h.tenant);
    await grant(ctx.t, later.id, h.tenant.id);
    await attach(ctx.t, other.id, later.id);
    await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { folderId: later.id } });
    // c moved out of f: ws2 no longer has it; other now has it, in conflict with its own "used"
    const res = await ctx.t.expect(200, "GET", `/v1/connections/${c.id}/workspaces`);
    const byWs = Object.fromEntries(res.items.map((u: { workspaceId: string }) => [u.workspaceId, u]));
    expect(Object.keys(byWs)).to.have.members([h.ws.id, other.id]);
    expect(byWs[h.ws.id]).to.deep.equal({ workspaceId: h.ws.id, state: "direct", attachmentId: direct.id, folderId: null, conflictsWith: null });
    expect(byWs[other.id]).to.include({ state: "conflict", folderId: later.id, conflictsWith: holder.id });
    // and back into f: ws2 sees it again, indirect through f
    await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { folderId: f.id } });
    const again = await ctx.t.expect(200, "GET", `/v1/connections/${c.id}/workspaces`);
    expect(again.items.find((u: { workspaceId: string }) => u.workspaceId === h.ws2.id)).to.deep.equal({ workspaceId: h.ws2.id, state: "indirect", attachmentId: viaFolder.id, folderId: f.id, conflictsWith: null });
  });

  it("a connection's workspaces need a role where the connection lives (404 otherwise)", async () => {
    const c = await connection(ctx.t, h.org, "private");
    const wsOwner = await ctx.t.user({ path: scopePath(h.ws), role: "owner" });
    const orgViewer = await ctx.t.user({ path: scopePath(h.org), role: "viewer" });
    expect((await ctx.t.get(`/v1/connections/${c.id}/workspaces`, { token: wsOwner.token })).status).to.equal(404);
    expect((await ctx.t.get(`/v1/connections/${c.id}/workspaces`, { token: orgViewer.token })).status).to.equal(200);
  });
});
