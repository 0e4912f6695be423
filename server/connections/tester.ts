import pg from "pg";
import { pluginDefinition } from "../../contract/plugins";

export interface TestResult {
  ok: boolean;
  message: string;
  /** Whether the remote end was actually contacted. */
  contacted: boolean;
}

const TIMEOUT_MS = 5000;

/**
 * Checks a validated, decrypted config (SPEC §3.5). PostgreSQL is really connected to; other
 * types cannot be reached from here, so their shape is checked and the answer says so.
 * Messages never include a secret.
 */
export async function testConfig(plugin: string, config: Record<string, unknown>): Promise<TestResult> {
  if (plugin === "postgres") return testPostgres(config);
  const def = pluginDefinition(plugin);
  return {
    ok: true,
    contacted: false,
    message: `the ${def?.title ?? plugin} config is valid; the service does not contact ${plugin} endpoints, so the credentials themselves were not checked`,
  };
}

async function testPostgres(c: Record<string, unknown>): Promise<TestResult> {
  const host = String(c.host);
  const port = Number(c.port);
  const where = `${c.user}@${host}:${port}/${c.database}`;
  const sslmode = (c.sslmode as string | undefined) ?? "prefer";
  const ssl = sslmode === "require" ? { rejectUnauthorized: false } : sslmode.startsWith("verify") ? { rejectUnauthorized: true } : false;
  const client = new pg.Client({
    host,
    port,
    database: String(c.database),
    user: String(c.user),
    password: String(c.password),
    ssl,
    connectionTimeoutMillis: TIMEOUT_MS,
    query_timeout: TIMEOUT_MS,
    statement_timeout: TIMEOUT_MS,
    application_name: "switchyard-test",
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return { ok: true, contacted: true, message: `connected to ${where} (PostgreSQL ${rows[0]?.v ?? "?"})` };
  } catch (err) {
    return { ok: false, contacted: true, message: `could not connect to ${where}: ${describe(err, host, port)}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

function describe(err: unknown, host: string, port: number): string {
  const e = err as { code?: string; message?: string };
  switch (e.code) {
    case "ECONNREFUSED":
      return `connection refused: nothing listens on ${host}:${port}; check host and port`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `host "${host}" could not be resolved; check the host name`;
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `no route to ${host}:${port}; check the host and any firewall`;
    case "28P01":
      return "password authentication failed: check user and password";
    case "28000":
      // The server's own reason (e.g. role "x" is not permitted to log in; no pg_hba.conf entry
      // for …); PostgreSQL never puts a password in it.
      return `the server refused the login (${e.message ?? "invalid authorization"}): check user, sslmode and the server's pg_hba.conf`;
    case "3D000":
      return "the database does not exist: check the database name";
    default:
      if (/timeout/i.test(e.message ?? "")) return `no answer within ${TIMEOUT_MS / 1000} s; check host, port and firewall`;
      if (/ssl/i.test(e.message ?? "")) return "the TLS handshake failed: check sslmode";
      return `connection failed (${e.code ?? "error"}); check host, port, user and password`;
  }
}
