import { resolve } from "node:path";
import { z } from "zod";
import { parseMasterKey } from "./secrets";

function isMasterKey(text: string): boolean {
  try {
    parseMasterKey(text);
    return true;
  } catch {
    return false;
  }
}

/** Every setting of the service, validated once at start-up (SPEC §7.1). */
const envSchema = z.object({
  SWITCHYARD_PORT: z.coerce.number().int().min(0).max(65_535).default(8686),
  SWITCHYARD_HOST: z.string().min(1).default("127.0.0.1"),
  SWITCHYARD_DATA_DIR: z.string().min(1).default(".switchyard"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  SWITCHYARD_SECRET_KEY: z
    .string()
    .refine((v) => v === "" || isMasterKey(v), "must be 32 bytes, as base64 or 64 hex characters (generate one with: openssl rand -base64 32)")
    .optional()
    .transform((v) => v || undefined),
  // A token is sent as `Authorization: Bearer <token>`: no spaces, and within the length tokens are checked for.
  SWITCHYARD_BOOTSTRAP_TOKEN: z
    .string()
    .regex(/^(\S{16,512})?$/, "must be 16 to 512 characters without spaces")
    .optional()
    .transform((v) => v || undefined),
  SWITCHYARD_RATE_LIMIT: z.coerce.number().int().min(1).default(6000),
  SWITCHYARD_BODY_LIMIT: z.coerce.number().int().min(1024).default(1_048_576),
  SWITCHYARD_DB_POOL: z.coerce.number().int().min(1).max(200).default(10),
  SWITCHYARD_DB_CONNECT_TIMEOUT: z.coerce.number().int().min(100).max(600_000).default(5_000),
  SWITCHYARD_DB_STATEMENT_TIMEOUT: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  SWITCHYARD_MAINTENANCE_INTERVAL: z.coerce.number().int().min(1_000).max(86_400_000).default(300_000),
  SWITCHYARD_MAINTENANCE_WRITES: z.coerce.number().int().min(1).max(10_000_000).default(5_000),
  SWITCHYARD_AUTH_CACHE_TTL: z.coerce.number().int().min(0).max(60_000).default(5_000),
  SWITCHYARD_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  secretKey?: string;
  bootstrapToken?: string;
  /** Requests per minute per token. */
  rateLimit: number;
  bodyLimit: number;
  dbPoolSize: number;
  /** PostgreSQL: how long to wait for a connection, in ms. */
  dbConnectTimeoutMs: number;
  /** PostgreSQL: the longest a statement may run, in ms. */
  dbStatementTimeoutMs: number;
  /** PGlite: VACUUM ANALYZE at least this often (ms) while there were writes… */
  maintenanceIntervalMs: number;
  /** …or after this many written rows, whichever comes first. */
  maintenanceWrites: number;
  /** Longest an authenticated token is kept in memory, ms (0: looked up on every request); see server/auth/cache.ts. */
  authCacheTtlMs: number;
  logLevel: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    port: e.SWITCHYARD_PORT,
    host: e.SWITCHYARD_HOST,
    dataDir: resolve(e.SWITCHYARD_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    secretKey: e.SWITCHYARD_SECRET_KEY,
    bootstrapToken: e.SWITCHYARD_BOOTSTRAP_TOKEN,
    rateLimit: e.SWITCHYARD_RATE_LIMIT,
    bodyLimit: e.SWITCHYARD_BODY_LIMIT,
    dbPoolSize: e.SWITCHYARD_DB_POOL,
    dbConnectTimeoutMs: e.SWITCHYARD_DB_CONNECT_TIMEOUT,
    dbStatementTimeoutMs: e.SWITCHYARD_DB_STATEMENT_TIMEOUT,
    maintenanceIntervalMs: e.SWITCHYARD_MAINTENANCE_INTERVAL,
    maintenanceWrites: e.SWITCHYARD_MAINTENANCE_WRITES,
    authCacheTtlMs: e.SWITCHYARD_AUTH_CACHE_TTL,
    logLevel: e.SWITCHYARD_LOG_LEVEL,
  };
}
