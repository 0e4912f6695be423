import { expect } from "chai";
import { describeEachDb, scopePath } from "../../helpers/app";

describeEachDb("connections CRUD at every scope (SPEC §3.1)", (ctx) => {
  let h: Awaited<ReturnType<typeof ctx.t.hierarchy>>;
  before(async () => {
    h = await ctx.t.hierarchy();
  });

  it("a create's audit record shows exactly the answer, timestamps included, secrets redacted (written by the same statement)", async () => {
    const h = await ctx.t.hierarchy();
    const created = await ctx.t.expect(201, "POST", `/v1/${scopePath(h.org)}/connections`, {
      body: { plugin: "postgres", handle: ctx.t.unique("audited"), config: { host: "h", port: 5432, database: "d", user: "u", password: "audited-secret", sslmode: "require" } },
    });
    const { rows } = await ctx.t.db.query<{ after: unknown; before: unknown; scope_path: string[] }>("SELECT after, before, scope_path FROM audit_log WHERE action = 'connection.create' AND target_id = $1", [created.id]);
    expect(rows).to.have.length(1);
    expect(rows[0].after).to.deep.equal(created);
    expect(rows[0].before).to.equal(null);
    expect(rows[0].scope_path).to.deep.equal([h.tenant.id, h.org.id]);
    expect(JSON.stringify(rows[0])).to.not.contain("audited-secret");
  });

  it("the audit record shows exactly the answer also on the transactional creates: a derived handle, a folder, an Idempotency-Key", async () => {
    const h = await ctx.t.hierarchy();
    const folder = await ctx.t.expect(201, "POST", `/v1/${scopePath(h.org)}/folders`, { body: { title: "Audited" } });
    const config = { host: "h", port: 5432, database: "d", user: "u", password: "tx-audited-secret", sslmode: "require" };
    const creates = [
      { body: { plugin: "postgres", title: "Derived handle", config } },
      { body: { plugin: "postgres", handle: ctx.t.unique("in_folder"), folderId: folder.id, config } },
      { body: { plugin: "postgres", handle: ctx.t.unique("idem"), config }, headers: { "idempotency-key": ctx.t.unique("key") } },
    ];
    for (const create of creates) {
      const created = await ctx.t.expect(201, "POST", `/v1/${scopePath(h.org)}/connections`, create);
      const { rows } = await ctx.t.db.query<{ after: unknown }>("SELECT after FROM audit_log WHERE action = 'connection.create' AND target_id = $1", [created.id]);
      expect(rows, JSON.stringify(create.body)).to.have.length(1);
      expect(rows[0].after, JSON.stringify(create.body)).to.deep.equal(created);
      expect(JSON.stringify(rows[0])).to.not.contain("tx-audited-secret");
    }
  });

  it("a create with a handle taken in the scope answers 409 naming the connection that has it, and writes nothing", async () => {
    const h = await ctx.t.hierarchy();
    const handle = ctx.t.unique("taken");
    const first = await ctx.t.expect(201, "POST", `/v1/${scopePath(h.tenant)}/connections`, { body: { plugin: "custom", handle, config: { url: "https://x" } } });
    const again = await ctx.t.post(`/v1/${scopePath(h.tenant)}/connections`, { plugin: "custom", handle, config: { url: "https://y" } });
    expect(again.status).to.equal(409);
    expect(again.body.error.details).to.deep.equal({ field: "handle", connectionId: first.id });
    const { rows } = await ctx.t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'connection.create' AND after->>'handle' = $1", [handle]);
    expect(rows[0].n).to.equal(1);
  });

  for (const level of ["tenant", "org", "ws"] as const) {
    it(`create, read, list, update and delete a connection owned by ${level === "ws" ? "a workspace" : level === "org" ? "an organization" : "a tenant"}`, async () => {
      const scope = h[level];
      const base = `/v1/${scopePath(scope)}/connections`;
      const created = await ctx.t.call("POST", base, { body: { plugin: "custom", title: "Sales API", description: "d", config: { url: "https://x" } } });
      expect(created.status).to.equal(201);
      expect(created.headers.etag).to.equal('"1"');
      const me = await ctx.t.expect(200, "GET", "/v1/me");
      expect(created.body).to.include({ handle: "sales_api", title: "Sales API", description: "d", plugin: "custom", scopeId: scope.id, folderId: null, managedBy: null, version: 1, createdBy: me.userId, updatedBy: me.userId });
      expect(created.body.id).to.match(/^conn_[0-9a-z]{20}$/);

      const read = await ctx.t.get(`/v1/connections/${created.body.id}`);
      expect(read.status).to.equal(200);
      expect(read.headers.etag).to.equal('"1"');
      expect(read.body).to.deep.equal(created.body);

      const list = await ctx.t.expect(200, "GET", base);
      expect(list.items.map((c: { id: string }) => c.id)).to.deep.equal([created.body.id]);

      const patched = await ctx.t.call("PATCH", `/v1/connections/${created.body.id}`, { body: { title: "Sales", description: "", handle: "sales", config: { url: "https://y" } } });
      expect(patched.status).to.equal(200);
      expect(patched.headers.etag).to.equal('"2"');
      expect(patched.body).to.include({ title: "Sales", description: "", handle: "sales", version: 2 });
      expect(patched.body.config).to.deep.equal({ url: "https://y" });

      const deleted = await ctx.t.expect(200, "DELETE", `/v1/connections/${created.body.id}?confirm=sales`);
      expect(deleted).to.include({ deleted: true, dryRun: false });
      expect((await ctx.t.get(`/v1/connections/${created.body.id}`)).status).to.equal(404);
      expect((await ctx.t.expect(200, "GET", base)).items).to.deep.equal([]);
    });
  }

  it("a scope lists only the connections it owns, by handle, with a cursor and a plugin filter", async () => {
    const org = await ctx.t.org(h.tenant.id);
    const ws = await ctx.t.workspace(org.id);
    const handles = ["delta", "alpha", "echo", "charlie", "bravo"];
    for (const handle of handles) await ctx.t.expect(201, "POST", `/v1/${scopePath(org)}/connections`, { body: { plugin: "custom", handle, config: {} } });
    await ctx.t.expect(201, "POST", `/v1/${scopePath(org)}/connections`, { body: { plugin: "s3", handle: "foxtrot", config: { bucket: "b-1", region: "eu-west-1" } } });
    await ctx.t.expect(201, "POST", `/v1/${scopePath(ws)}/connections`, { body: { plugin: "custom", handle: "inner", config: {} } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { handle: string }[]; nextCursor: string | null } = await ctx.t.expect(200, "GET", `/v1/${scopePath(org)}/connections?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.items.length).to.be.at.most(2);
      seen.push(...page.items.map((c) => c.handle));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).to.deep.equal(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]);
    const s3 = await ctx.t.expect(200, "GET", `/v1/${scopePath(org)}/connections?plugin=s3`);
    expect(s3.items.map((c: { handle: string }) => c.handle)).to.deep.equal(["foxtrot"]);
  });

  it("PATCH changes only what it names; an empty PATCH is a 400", async () => {
    const c = await ctx.t.expect(201, "POST", `/v1/${scopePath(h.org)}/connections`, { body: { plugin: "custom", title: "Keep", description: "kept", config: { a: "1" } } });
    const p = await ctx.t.expect(200, "PATCH", `/v1/connections/${c.id}`, { body: { title: "Changed" } });
    expect(p).to.include({ title: "Changed", description: "kept", handle: c.handle });
    expect(p.config).to.deep.equal({ a: "1" });
    const empty = await ctx.t.patch(`/v1/connections/${c.id}`, {});
    expect(empty.status).to.equal(400);
  });

  it("an unknown connection id answers 404; a malformed one a 400 naming params.id", async () => {
    const missing = await ctx.t.get("/v1/connections/conn_aaaaaaaaaaaaaaaaaaaa");
    expect(missing.status).to.equal(404);
    expect(missing.body.error.code).to.equal("not_found");
    for (const id of ["nope", "fld_aaaaaaaaaaaaaaaaaaaa", "conn_AAAAAAAAAAAAAAAAAAAA"]) {
      const bad = await ctx.t.get(`/v1/connections/${id}`);
      expect(bad.status, id).to.equal(400);
      expect(bad.body.error.details[0].field).to.equal("params.id");
    }
  });
});
