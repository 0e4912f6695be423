import { Argument, Command, CommanderError } from "commander";
import { readFile } from "node:fs/promises";
import type { Cloud, HierarchySnapshot } from "../contract/hierarchy";
import { idKindOf } from "../contract/ids";
import { SwitchyardApiError, SwitchyardClient, type ClientOptions } from "../provider/client";
import { resolveSettings } from "../provider/settings";
import { aws, azure, gcp, snapshotFromJson } from "../sdk/clouds";
import { planTable, type SyncPlan } from "./plan";

/** What the command line talks to: injected by tests, the process's own otherwise. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Retries of the Switchyard client (tests make them fast). */
  client?: ClientOptions;
}

/** Exit codes: 0 applied or nothing to do, 1 any error, 2 the plan was refused by the mass-delete guard. */
export const EXIT = { ok: 0, error: 1, refused: 2 } as const;

interface SyncOptions {
  integration: string;
  fromFile?: string;
  root?: string;
  parent?: string;
  includeClosed?: boolean;
  dryRun?: boolean;
  allowMassDelete?: boolean;
  json?: boolean;
  url?: string;
  token?: string;
}

/** Runs `switchyard …` with `argv` (without the node and script paths) and answers the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command("switchyard")
    .description("Switchyard's command line: mirror a cloud's hierarchy into an integration.")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run switchyard sync --help for the options)");
  program
    .command("sync")
    .description("Read a cloud's hierarchy (or a file), push it to an integration and print the plan it carried out.")
    .addArgument(new Argument("<cloud>", "the cloud to read").choices(["aws", "azure", "gcp"]))
    .requiredOption("--integration <id>", "the integration to sync (int_…)")
    .option("--from-file <path>", "read a snapshot or a CLI export (docs/mirroring.md) instead of the cloud")
    .option("--root <group>", "azure: the management group to read below (the tenant root group's id is the tenant id)")
    .option("--parent <name>", "gcp: the organization or folder to read below (organizations/123… or folders/456…)")
    .option("--include-closed", "keep closed accounts / deleted projects as leaves")
    .option("--dry-run", "answer the plan without changing anything")
    .option("--allow-mass-delete", "allow a sync that deletes more than the integration's maxDeleteFraction")
    .option("--json", "print the plan as JSON")
    .option("--url <url>", "Switchyard's URL (default: $SWITCHYARD_URL)")
    .option("--token <token>", "an API token (default: $SWITCHYARD_TOKEN)")
    .addHelpText(
      "after",
      `
Examples:
  $ switchyard sync aws --integration int_… --dry-run
  $ switchyard sync azure --root <tenant id> --integration int_…
  $ switchyard sync gcp --parent organizations/123456789012 --integration int_… --json
  $ switchyard sync aws --from-file export.json --integration int_…

Exit codes: 0 applied or nothing to do, 2 refused by the mass-delete guard, 1 any other error.`,
    )
    .action(async (cloud: Cloud, opts: SyncOptions) => {
      code = await sync(cloud, opts, io);
    });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.error;
    throw err;
  }
  return code;
}

async function sync(cloud: Cloud, opts: SyncOptions, io: Io): Promise<number> {
  try {
    if (idKindOf(opts.integration) !== "integration") throw new Error(`--integration must be an integration id (int_…), got "${opts.integration}"`);
    const settings = settingsFrom(opts, io.env);
    const snapshot = opts.fromFile ? await fromFile(cloud, opts.fromFile) : await readCloud(cloud, opts);
    const client = new SwitchyardClient(settings, io.client);
    const query: Record<string, string> = {};
    if (opts.dryRun) query.dryRun = "true";
    if (opts.allowMassDelete) query.allowMassDelete = "true";
    // A sync is safe to retry: the same snapshot twice changes nothing the second time.
    const { body: plan } = await client.request<SyncPlan>("POST", `/v1/integrations/${encodeURIComponent(opts.integration)}/sync`, { body: snapshot, query });
    io.stdout(opts.json ? `${JSON.stringify(plan, null, 2)}\n` : `${planTable(plan)}\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof SwitchyardApiError && err.status === 409) {
      const text = `Refused: ${err.message}\nReview what would go with --dry-run; if the deletions are intended, run again with --allow-mass-delete.`;
      report(io, opts, err, text);
      return EXIT.refused;
    }
    report(io, opts, err, `Error: ${(err as Error).message}`);
    return EXIT.error;
  }
}

function report(io: Io, opts: SyncOptions, err: unknown, text: string) {
  io.stderr(`${text}\n`);
  if (opts.json) {
    const e = err as Partial<SwitchyardApiError>;
    io.stdout(`${JSON.stringify({ error: { status: e.status, code: e.code ?? "error", message: (err as Error).message, details: e.details } }, null, 2)}\n`);
  }
}

function settingsFrom(opts: SyncOptions, env: NodeJS.ProcessEnv) {
  const url = opts.url ?? env.SWITCHYARD_URL;
  const token = opts.token ?? env.SWITCHYARD_TOKEN;
  if (!url) throw new Error("Switchyard's URL is not set: pass --url http://… or set SWITCHYARD_URL");
  if (!token) throw new Error("Switchyard's token is not set: pass --token or set SWITCHYARD_TOKEN");
  return resolveSettings({ SWITCHYARD_URL: url, SWITCHYARD_TOKEN: token });
}

async function fromFile(cloud: Cloud, path: string): Promise<HierarchySnapshot> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not JSON (${(err as Error).message}); give a snapshot or a CLI export as described in docs/mirroring.md`);
  }
  try {
    return snapshotFromJson(cloud, json);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

async function readCloud(cloud: Cloud, opts: SyncOptions): Promise<HierarchySnapshot> {
  if (cloud === "aws") return aws.readOrganization({ includeClosed: opts.includeClosed });
  if (cloud === "azure") {
    if (!opts.root) throw new Error("azure needs --root <management group id> (the tenant root group's id is the tenant id), or --from-file");
    return azure.readManagementGroups({ rootGroupId: opts.root });
  }
  if (!opts.parent) throw new Error("gcp needs --parent organizations/<number> or folders/<number>, or --from-file");
  return gcp.readFolders({ parent: opts.parent, includeClosed: opts.includeClosed });
}
