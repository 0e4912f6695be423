import { expect } from "chai";
import { describeEachDb } from "../helpers/app";
import { attach, connection, folder, grant, schemas, schemaStates } from "../helpers/sharing";

/** A workspace's schemas are exact right after any change anywhere (SPEC §5). */
describeEachDb("a workspace's schemas (SPEC §5)", (ctx) => {
  let h: Awaited<ReturnType<typeof ctx.t.hierarchy>>;
  let shared: { id: string };
  beforeEach(async () => {
    h = await ctx.t.hierarchy();
    shared = await folder(ctx.t, h.tenant, { title: "Shared" });
    await grant(ctx.t, shared.id, h.tenant.id);
    await attach(ctx.t, h.ws.id, shared.id);
  });

  it("a connection created in an attached folder appears at once as indirect, naming the folder", async () => {
    const sub = await folder(ctx.t, h.tenant, { parentId: shared.id });
    const c = await connection(ctx.t, h.tenant, "created", sub.id);
    const [created] = await schemas(ctx.t, h.ws.id);
    expect(created).to.include({ name: "created", state: "indirect", connectionId: c.id, folderId: shared.id, conflictsWith: null });
    expect((await ctx.t.expect(200, "GET", `/v1/attachments/${created.attachmentId}`)).objectId).to.equal(shared.id);
    expect(await schemaStates(ctx.t, h.ws2.id)).to.deep.equal([]);
  });

  it("a connection moved into an attached folder appears, and disappears when moved out", async () => {
    const c = await connection(ctx.t, h.tenant, "mover");
    await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { folderId: shared.id } });
    expect(await schemaStates(ctx.t, h.ws.id)).to.deep.equal(["mover:indirect"]);
    await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { folderId: null } });
    expect(await schemaStates(ctx.t, h.ws.id)).to.deep.equal([]);
  });

  it("renaming a connection renames its schema; a rename onto another schema's name is refused (409)", async () => {
    const c = await connection(ctx.t, h.tenant, "old_name", shared.id);
    await connection(ctx.t, h.ws, "taken");
    await attach(ctx.t, h.ws.id, (await connection(ctx.t, h.ws, "other")).id);
    await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { handle: "new_name" } });
    expect(await schemaStates(ctx.t, h.ws.id)).to.deep.equal(["new_name:indirect", "other:direct"]);
    const clash = await ctx.t.patch(`/v1/connections/${c.id}`, { handle: "other" });
    expect(clash.status).to.equal(409);
    expect(clash.body.error.details.workspaceId).to.equal(h.ws.id);
    // a name used by a connection that is not a schema here is fine
    await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { handle: "taken" } });
  });

  it("a deleted connection disappears from every workspace", async () => {
    const c = await connection(ctx.t, h.tenant, "doomed", shared.id);
    await attach(ctx.t, h.ws2.id, c.id);
    await ctx.t.expect(200, "DELETE", `/v1/connections/${c.id}?confirm=doomed`);
    expect(await schemaStates(ctx.t, h.ws.id)).to.deep.equal([]);
    expect(await schemaStates(ctx.t, h.ws2.id)).to.deep.equal([]);
  });

  it("a folder moved under an attached folder brings its connections, and takes them when moved out", async () => {
    const loose = await folder(ctx.t, h.tenant);
    await connection(ctx.t, h.tenant, "carried", loose.id);
    await ctx.t.expect(200, "PATCH", `/v1/folders/${loose.id}`, { body: { parentId: shared.id } });
    const [carried] = await schemas(ctx.t, h.ws.id);
    expect(carried).to.include({ name: "carried", state: "indirect", folderId: shared.id });
    await ctx.t.expect(200, "PATCH", `/v1/folders/${loose.id}`, { body: { parentId: null } });
    expect(await schemaStates(ctx.t, h.ws.id)).to.deep.equal([]);
  });

  it("a collision created later by folder growth leaves the existing schema in place and lists the newcomer as conflict", async () => {
    const mine = await connection(ctx.t, h.ws, "report");
    await attach(ctx.t, h.ws.id, mine.id);
    const newcomer = await connection(ctx.t, h.tenant, "report", shared.id);
    const view = (await schemas(ctx.t, h.ws.id)).map(({ attachmentId: _a, ...s }) => s);
    expect(view).to.deep.equal([
      { name: "report", state: "direct", connectionId: mine.id, folderId: null, conflictsWith: null },
      { name: "report", state: "conflict", connectionId: newcomer.id, folderId: shared.id, conflictsWith: mine.id },
    ]);
    // when the holder goes, the newcomer takes the name
    await ctx.t.expect(204, "DELETE", `/v1/workspaces/${h.ws.id}/schemas/report`);
    expect(await schemaStates(ctx.t, h.ws.id)).to.deep.equal(["report:indirect"]);
  });

  it("the member that joined first keeps the name, also when it moves within what the workspace sees", async () => {
    const a = await folder(ctx.t, h.tenant, { parentId: shared.id });
    const b = await folder(ctx.t, h.tenant, { parentId: shared.id });
    const first = await connection(ctx.t, h.tenant, "metrics", a.id);
    const orgFolder = await folder(ctx.t, h.org);
    await grant(ctx.t, orgFolder.id, h.ws.id);
    await attach(ctx.t, h.ws.id, orgFolder.id);
    const second = await connection(ctx.t, h.org, "metrics", orgFolder.id);
    const holder = async () => (await schemas(ctx.t, h.ws.id)).find((s) => s.state !== "conflict")?.connectionId;
    expect(await holder()).to.equal(first.id);
    // moving the holder, or a folder above it, within the attached folder is not leaving
    await ctx.t.expect(200, "PATCH", `/v1/connections/${first.id}`, { body: { folderId: b.id } });
    expect(await holder()).to.equal(first.id);
    await ctx.t.expect(200, "PATCH", `/v1/folders/${b.id}`, { body: { parentId: a.id } });
    expect(await holder()).to.equal(first.id);
    // nor is losing one of two routes to it
    const direct = await attach(ctx.t, h.ws.id, first.id);
    await ctx.t.expect(204, "DELETE", `/v1/attachments/${direct.id}`);
    expect(await holder()).to.equal(first.id);
    // leaving and coming back is: the other one holds the name meanwhile, and keeps it
    await ctx.t.expect(200, "PATCH", `/v1/connections/${first.id}`, { body: { folderId: null } });
    expect(await holder()).to.equal(second.id);
    await ctx.t.expect(200, "PATCH", `/v1/connections/${first.id}`, { body: { folderId: a.id } });
    expect(await holder()).to.equal(second.id);
    expect(await schemaStates(ctx.t, h.ws.id)).to.deep.equal(["metrics:indirect", "metrics:conflict"]);
  });

  it("include=available adds the available connections that are not schemas", async () => {
    const granted = await connection(ctx.t, h.org, "granted_only");
    await grant(ctx.t, granted.id, h.org.id);
    const own = await connection(ctx.t, h.ws, "own_only");
    await connection(ctx.t, h.tenant, "inside", shared.id);
    await connection(ctx.t, h.tenant, "not_available");
    expect(await schemaStates(ctx.t, h.ws.id, "&include=available")).to.deep.equal(["granted_only:available", "inside:indirect", "own_only:available"]);
    expect((await schemas(ctx.t, h.ws.id, "&include=available")).find((s) => s.connectionId === own.id)?.state).to.equal("available");
  });

  it("adding and revoking a grant changes what is available at once", async () => {
    const c = await connection(ctx.t, h.org, "toggled");
    expect(await schemaStates(ctx.t, h.ws2.id, "&include=available")).to.not.include("toggled:available");
    const g = await grant(ctx.t, c.id, h.ws2.id);
    expect(await schemaStates(ctx.t, h.ws2.id, "&include=available")).to.include("toggled:available");
    await ctx.t.expect(200, "DELETE", `/v1/grants/${g.id}`);
    expect(await schemaStates(ctx.t, h.ws2.id, "&include=available")).to.not.include("toggled:available");
  });

  it("detaching by schema name works only where it was attached: a folder's schema is refused, naming the folder", async () => {
    const c = await connection(ctx.t, h.tenant, "through_folder", shared.id);
    const res = await ctx.t.del(`/v1/workspaces/${h.ws.id}/schemas/through_folder`);
    expect(res.status).to.equal(409);
    expect(res.body.error.details.folderId).to.equal(shared.id);
    expect(res.body.error.message).to.contain(shared.id);
    expect((await ctx.t.del(`/v1/workspaces/${h.ws.id}/schemas/no_such_schema`)).status).to.equal(404);
    expect((await ctx.t.del(`/v1/workspaces/${h.ws.id}/schemas/Bad-Name`)).status).to.equal(400);
    await attach(ctx.t, h.ws.id, c.id);
    await ctx.t.expect(204, "DELETE", `/v1/workspaces/${h.ws.id}/schemas/through_folder`);
    expect(await schemaStates(ctx.t, h.ws.id)).to.deep.equal(["through_folder:indirect"]);
  });

  it("the schema list is paginated with a cursor, also within a contested name and with available ones", async () => {
    for (const name of ["p1", "p2", "p3"]) await connection(ctx.t, h.tenant, name, shared.id);
    const orgFolder = await folder(ctx.t, h.org);
    await grant(ctx.t, orgFolder.id, h.org.id);
    await attach(ctx.t, h.ws.id, orgFolder.id);
    await connection(ctx.t, h.org, "p2", orgFolder.id); // a conflict under p2
    await connection(ctx.t, h.ws, "p2"); // available, not attached
    for (const query of ["", "&include=available"]) {
      const all = (await schemas(ctx.t, h.ws.id, query)).map((s) => `${s.name}:${s.state}:${s.connectionId}`);
      expect(all.length).to.equal(query ? 5 : 4);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: { name: string; state: string; connectionId: string }[]; nextCursor: string | null } = await ctx.t.expect(
          200,
          "GET",
          `/v1/workspaces/${h.ws.id}/schemas?limit=1${query}${cursor ? `&cursor=${cursor}` : ""}`,
        );
        expect(page.items.length).to.be.at.most(1);
        seen.push(...page.items.map((s) => `${s.name}:${s.state}:${s.connectionId}`));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).to.deep.equal(all);
    }
  });

  it("viewers of the workspace read its schemas; outsiders get 404", async () => {
    const viewer = await ctx.t.user({ path: `workspaces/${h.ws.id}`, role: "viewer" });
    const outsider = await ctx.t.user({ path: `workspaces/${h.ws2.id}`, role: "owner" });
    expect((await ctx.t.get(`/v1/workspaces/${h.ws.id}/schemas`, { token: viewer.token })).status).to.equal(200);
    expect((await ctx.t.get(`/v1/workspaces/${h.ws.id}/schemas`, { token: outsider.token })).status).to.equal(404);
  });
});
