import Table from "cli-table3";

/** The plan `POST /v1/integrations/{id}/sync` answers (SPEC §6.3). */
export interface SyncPlan {
  dryRun: boolean;
  summary: Record<"create" | "update" | "move" | "rename" | "delete" | "unchanged", number>;
  operations: { op: string; kind: "folder" | "connection"; cloudId: string; objectId?: string; before?: unknown; after?: unknown }[];
}

const ORDER = ["create", "update", "move", "rename", "delete", "unchanged"] as const;

/** One line: what the sync did (or would do), by kind of operation. */
export function summaryLine(plan: SyncPlan): string {
  const counts = ORDER.map((op) => `${plan.summary?.[op] ?? 0} ${op}`).join(", ");
  const changes = ORDER.filter((op) => op !== "unchanged").reduce((n, op) => n + (plan.summary?.[op] ?? 0), 0);
  if (changes === 0) return `Nothing to do: ${counts}.`;
  return plan.dryRun ? `Dry run, nothing changed. The sync would make: ${counts}.` : `Applied: ${counts}.`;
}

/** The plan as a table, one row per change (unchanged objects are only counted). */
export function planTable(plan: SyncPlan): string {
  const table = new Table({ head: ["op", "kind", "cloud id", "object id", "change"], style: { head: [], border: [] } });
  for (const o of plan.operations ?? []) {
    if (o.op === "unchanged") continue;
    table.push([o.op, o.kind, o.cloudId, o.objectId ?? "", change(o.before, o.after)]);
  }
  return table.length === 0 ? summaryLine(plan) : `${summaryLine(plan)}\n${table.toString()}`;
}

/** `title: a → b` for each field that differs, or the whole value for a create or a delete. */
function change(before: unknown, after: unknown): string {
  const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    return keys.map((k) => `${k}: ${show(before[k]) ?? "–"} → ${show(after[k]) ?? "–"}`).join("\n");
  }
  if (after !== undefined) return describe(after);
  if (before !== undefined) return describe(before);
  return "";
}

function describe(v: unknown): string {
  if (!isRecord(v)) return JSON.stringify(v);
  return Object.entries(v)
    .map(([k, x]) => `${k}: ${typeof x === "string" ? x : JSON.stringify(x)}`)
    .join("\n");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
