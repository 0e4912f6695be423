import Table from "cli-table3";
import type { Measured } from "./load";

/**
 * Tables and plots of bench results: cli-table3 for the terminal, markdown-table for the report,
 * vega-lite (compiled to a vega spec, rendered headless by vega's View to SVG) for the plots.
 * The last two are ESM-only, hence loaded with import().
 */

/** A terminal table: numbers right-aligned (the columns `rightAlign` picks), text left-aligned. */
export function table(header: string[], rows: string[][], rightAlign: (col: number) => boolean = (c) => c > 1): string {
  const t = new Table({
    head: header,
    colAligns: header.map((_, c) => (rightAlign(c) ? "right" : "left")),
    style: { head: [], border: [], compact: true },
  });
  t.push(...rows);
  return t.toString();
}

const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "-");
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "-");
/** CPU time per request in µs, from a share in percent of one core and a rate. */
const perRequest = (pct: number, rps: number) => (rps > 0 ? Math.round((pct / 100) * (1e6 / rps)).toString() : "-");
const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(3)}×` : "-");

export type ByDb = { db: string; results: Measured[] }[];

const HEADER = ["db", "request", "req/s", "(min–max)", "p50 ms", "p90 ms", "p99 ms", "req/s ÷ base", "p99 ÷ base", "target", "met", "non-2xx", "CPU % srv/cli/pg/other", "CPU µs/req srv+pg"];
const NUMERIC = (c: number) => (c >= 2 && c <= 8) || c >= 11;

/**
 * One row per database and scenario: median req/s (min–max of the runs), median p50/p90/p99,
 * ratios to the baseline scenario of the same server, the target and whether it is met, failed
 * requests, and where the CPU went (percent of one core: server, load generator, PostgreSQL,
 * everything else) and the CPU time one request cost the server and PostgreSQL (steadier than
 * req/s on a busy machine).
 */
function resultRows(byDb: ByDb): string[][] {
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
        ms(r.median.p90),
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
  return rows;
}

export function resultTable(byDb: ByDb): string {
  return table(HEADER, resultRows(byDb), NUMERIC);
}

export async function resultMarkdown(byDb: ByDb): Promise<string> {
  const { markdownTable } = await import("markdown-table");
  return markdownTable([HEADER, ...resultRows(byDb)], { align: HEADER.map((_, c) => (NUMERIC(c) ? "r" : "l")) });
}

/** Renders a vega-lite spec to SVG, headless (no browser, no canvas). */
async function svg(spec: object): Promise<string> {
  const vl = await import("vega-lite");
  const vega = await import("vega");
  const compiled = vl.compile(spec as Parameters<typeof vl.compile>[0]).spec;
  return new vega.View(vega.parse(compiled), { renderer: "none" }).toSVG();
}

/**
 * Two plots: median throughput of each request beside its server's /healthz baseline (log scale),
 * and the latency percentiles p50/p90/p99 of each request, one panel per database.
 */
export async function resultPlots(byDb: ByDb, title: string): Promise<{ throughput: string; latency: string }> {
  const points = byDb.flatMap(({ db, results }) => results.map((r) => ({ db, request: r.scenario.name, baseline: Boolean(r.scenario.baseline), ...r.median })));
  const order = [...new Set(points.map((p) => p.request))];
  const throughput = await svg({
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `${title}: median req/s (log scale)`,
    data: { values: points.map((p) => ({ db: p.db, request: p.request, kind: p.baseline ? "baseline (/healthz)" : "API request", rps: Math.round(p.rps) })) },
    facet: { column: { field: "db", type: "nominal", title: null } },
    spec: {
      width: 220,
      height: 220,
      layer: [
        { mark: "bar", encoding: { x: { field: "request", type: "nominal", sort: order, title: null, axis: { labelAngle: -30 } }, y: { field: "rps", type: "quantitative", scale: { type: "log" }, title: "req/s" }, color: { field: "kind", type: "nominal", title: null } } },
        { mark: { type: "text", dy: -6 }, encoding: { x: { field: "request", type: "nominal", sort: order }, y: { field: "rps", type: "quantitative", scale: { type: "log" } }, text: { field: "rps", type: "quantitative", format: ",d" } } },
      ],
    },
  });
  const latency = await svg({
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `${title}: latency percentiles, ms (log scale)`,
    data: { values: points.flatMap((p) => (["p50", "p90", "p99"] as const).map((q) => ({ db: p.db, request: p.request, percentile: q, ms: Number(p[q].toFixed(2)) }))) },
    facet: { column: { field: "db", type: "nominal", title: null } },
    spec: {
      width: 220,
      height: 220,
      mark: "bar",
      encoding: {
        x: { field: "request", type: "nominal", sort: order, title: null, axis: { labelAngle: -30 } },
        xOffset: { field: "percentile", type: "nominal" },
        y: { field: "ms", type: "quantitative", scale: { type: "log" }, title: "ms" },
        color: { field: "percentile", type: "nominal", title: "percentile" },
        tooltip: [{ field: "ms" }],
      },
    },
  });
  return { throughput, latency };
}
