import type { Measured } from "./load";

/** A plain-text table: right-aligned numbers, left-aligned text. */
export function table(header: string[], rows: string[][], rightAlign: (col: number) => boolean = (c) => c > 1): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, c) => (rightAlign(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "-");
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "-");
/** CPU time per request in µs, from a share in percent of one core and a rate. */
const perRequest = (pct: number, rps: number) => (rps > 0 ? Math.round((pct / 100) * (1e6 / rps)).toString() : "-");
const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(3)}×` : "-");

/**
 * One row per database and scenario: median req/s (min–max of the runs), median p50/p99, ratios to
 * the baseline scenario of the same server, the target and whether it is met, failed requests, and
 * where the CPU went (percent of one core: server, load generator, PostgreSQL, everything else)
 * and the CPU time one request cost the server and PostgreSQL (steadier than req/s on a busy machine).
 */
export function resultTable(byDb: { db: string; results: Measured[] }[]): string {
  const header = ["db", "request", "req/s", "(min–max)", "p50 ms", "p99 ms", "req/s ÷ base", "p99 ÷ base", "target", "met", "non-2xx", "CPU % srv/cli/pg/other", "CPU µs/req srv+pg"];
  const rows: string[][] = [];
  for (const { db, results } of byDb) {
    const base = results.find((r) => r.scenario.baseline);
    for (const r of results) {
      const rpsAll = r.samples.map((s) => s.rps);
      const t = r.scenario.target;
      const met = t ? (r.median.rps >= t.rps && r.median.p99 <= t.p99 ? "yes" : r.median.rps >= t.rps ? "no (p99)" : r.median.p99 <= t.p99 ? "no (req/s)" : "no") : "";
      const bad = r.samples.reduce((a, s) => a + s.bad, 0);
      rows.push([
        db,
        r.scenario.name,
        int(r.median.rps),
        `${int(Math.min(...rpsAll))}–${int(Math.max(...rpsAll))}`,
        ms(r.median.p50),
        ms(r.median.p99),
        base ? ratio(r.median.rps / base.median.rps) : "-",
        base ? ratio(r.median.p99 / base.median.p99) : "-",
        t ? `≥ ${int(t.rps)}/s, p99 ≤ ${t.p99} ms` : r.scenario.baseline ? "(baseline)" : "",
        met,
        String(bad),
        r.median.cpu ? [r.median.cpu.server, r.median.cpu.client, r.median.cpu.postgres, r.median.cpu.other].map((x) => x.toFixed(0)).join("/") : "-",
        r.median.cpu ? `${perRequest(r.median.cpu.server, r.median.rps)}+${perRequest(r.median.cpu.postgres, r.median.rps)}` : "-",
      ]);
    }
  }
  return table(header, rows, (c) => (c >= 2 && c <= 7) || c >= 10);
}
