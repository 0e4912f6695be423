// Copies what tsc does not: the SQL migrations, next to the compiled migration runner.
const { cpSync } = require("node:fs");
const { join } = require("node:path");
const root = join(__dirname, "..");
cpSync(join(root, "server/db/migrations"), join(root, "dist/server/db/migrations"), { recursive: true });
