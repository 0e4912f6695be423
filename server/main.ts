#!/usr/bin/env node
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildApp } from "./app";
import { createAuthService } from "./auth/service";
import { loadConfig } from "./config";
import { migrate } from "./db/migrate";
import { openDatabase } from "./db/open";
import { createScopeService } from "./scopes/service";
import { createSecretBox, loadOrCreateKeyFile, parseMasterKey } from "./secrets";

async function main() {
  const config = loadConfig();
  const { db, close } = await openDatabase(config);
  const where = config.databaseUrl ? "PostgreSQL (DATABASE_URL)" : `the embedded database in ${config.dataDir}`;
  const applied = await migrate(db);
  if (applied.length) console.log(`switchyard: applied migrations ${applied.join(", ")} to ${where}`);

  const key = config.secretKey ? parseMasterKey(config.secretKey) : loadOrCreateKeyFile(config.dataDir);
  if (!config.secretKey && config.databaseUrl) {
    console.warn(`switchyard: SWITCHYARD_SECRET_KEY is not set; using the key file in ${config.dataDir}. Every replica must use the same key.`);
  }
  const box = createSecretBox(key);

  const boot = await createAuthService(db, createScopeService(db)).bootstrap(config.bootstrapToken);
  if (boot.created && !config.bootstrapToken && boot.token) {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const file = join(config.dataDir, "bootstrap-token");
    writeFileSync(file, `${boot.token}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    console.log(
      [
        "",
        "  Switchyard created the platform administrator. Its token (shown this once, also saved with mode 0600 in",
        `  ${file}):`,
        "",
        `    ${boot.token}`,
        "",
        "  Use it as:  curl -H \"Authorization: Bearer $SWITCHYARD_TOKEN\" http://" + `${config.host}:${config.port}/v1/me`,
        "",
      ].join("\n"),
    );
  }

  const app = await buildApp({ db, box, rateLimit: config.rateLimit, bodyLimit: config.bodyLimit, authCacheTtlMs: config.authCacheTtlMs, logger: { level: config.logLevel } });
  await app.listen({ port: config.port, host: config.host });
  console.log(`switchyard: serving on http://${config.host}:${config.port} with ${where} (API docs at /docs)`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`switchyard: ${signal} received, finishing in-flight requests`);
    try {
      await app.close();
    } finally {
      await close();
    }
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err: Error) => {
  console.error(`switchyard: failed to start: ${err.message}`);
  process.exit(1);
});
