import autocannon from "autocannon";
import { cpuMeter, type CpuShare, type PostgresPids } from "./cpu";
import type { BenchDb } from "./server";

/** Bench settings from the environment. */
export interface BenchSettings {
  /** Seconds per measured run (BENCH_DURATION, default 10). */
  duration: number;
  /** Minimum seconds of warm-up of each run, on the connections then measured (BENCH_WARMUP, default 2). */
  warmup: number;
  /** Concurrent HTTP connections (BENCH_CONNECTIONS, default 50). */
  connections: number;
  /** Runs per scenario; medians are reported (BENCH_REPEATS, default 3). */
  repeats: number;
  /** Databases to run on (BENCH_DBS, default "pglite,postgres"). */
  dbs: BenchDb[];
  /** Whether BENCH_DBS was given explicitly (then an unreachable PostgreSQL is an error). */
  dbsExplicit: boolean;
  /** When set, the server runs with --cpu-prof and writes its profiles here (BENCH_CPU_PROF). */
  cpuProfDir?: string;
  /** Only scenarios whose name matches (BENCH_ONLY, a case-insensitive regular expression). */
  only?: RegExp;
}

/** A number from the environment, checked (≥ `min`), or `dflt` when unset. */
export function num(name: string, dflt: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min) throw new Error(`${name} must be a number ≥ ${min}, not "${raw}"`);
  return v;
}

export function loadSettings(): BenchSettings {
  const dbsRaw = process.env.BENCH_DBS;
  const dbs = (dbsRaw || "pglite,postgres")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const d of dbs) if (d !== "pglite" && d !== "postgres") throw new Error(`BENCH_DBS: unknown database "${d}" (pglite, postgres)`);
  return {
    duration: num("BENCH_DURATION", 10, 1),
    warmup: num("BENCH_WARMUP", 2, 0),
    connections: Math.round(num("BENCH_CONNECTIONS", 50, 1)),
    repeats: Math.round(num("BENCH_REPEATS", 3, 1)),
    dbs: dbs as BenchDb[],
    dbsExplicit: Boolean(dbsRaw),
    cpuProfDir: process.env.BENCH_CPU_PROF || undefined,
    only: process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, "i") : undefined,
  };
}

/** One kind of request to measure. `requests` may build each request anew (unique bodies). */
export interface Scenario {
  name: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: autocannon.RequestSpec[];
  /** Concurrent connections, each sending its next request when its answer arrives (default: the run's BENCH_CONNECTIONS). */
  connections?: number;
  /** What the scenario should reach, printed beside the figures. */
  target?: { rps: number; p99: number };
  /** The scenario the others are compared with (one per table). */
  baseline?: boolean;
}

export interface Sample {
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  ok: number;
  bad: number;
  statuses: Record<string, number>;
  cpu?: CpuShare;
}

export interface Measured {
  scenario: Scenario;
  samples: Sample[];
  median: { rps: number; p50: number; p90: number; p99: number; cpu?: CpuShare };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface Target {
  url: string;
  pid: number;
  postgresPids?: PostgresPids;
}

/** The longest a run waits for every connection to be served (see runOnce). */
const MAX_RAMP_SECONDS = 60;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one scenario: opens `connections` connections, warms up, then measures a window of
 * `seconds` on the same connections and stops.
 *
 * The warm-up lasts at least `warmup` seconds and until every connection has had two answers. A
 * Node server whose event loop is saturated accepts about one new connection per loop iteration
 * (with PGlite, whose queries run in the event loop, one iteration serves one request of every
 * open connection: ~50 × the CPU cost of a request), so fresh connections are let in one by one
 * and their first requests wait seconds. That ramp is a property of opening 50 connections at
 * once, not of the steady state the targets are about; its length is reported (`rampSeconds`).
 *
 * Throughput counts the 2xx answers completed in the window; latencies are those of the 2xx
 * answers completed in the window, from autocannon's per-response timings (sub-millisecond;
 * its own histogram rounds to whole milliseconds).
 */
export async function runOnce(target: Target, s: Scenario, seconds: number, connections: number, warmup: number): Promise<Sample & { rampSeconds: number }> {
  const opts: autocannon.Options = { url: `${target.url}${s.path ?? "/"}`, connections, duration: warmup + MAX_RAMP_SECONDS + seconds + 5, timeout: 30 };
  // autocannon takes an explicit `undefined` as a value, so set only what the scenario gives.
  if (s.method) opts.method = s.method;
  if (s.headers) opts.headers = s.headers;
  if (s.body !== undefined) opts.body = s.body;
  if (s.requests) opts.requests = s.requests;

  let phase: "warmup" | "measure" | "done" = "warmup";
  const answered = new Map<unknown, number>();
  let lat = new Float64Array(1 << 16);
  let ok = 0;
  const statuses: Record<string, number> = {};
  const instance = autocannon(opts);
  const t0 = performance.now();
  instance.on("response", (client, status, _bytes, ms) => {
    if (phase === "warmup") {
      answered.set(client, (answered.get(client) ?? 0) + 1);
      return;
    }
    if (phase !== "measure") return;
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status < 200 || status >= 300) return;
    if (ok === lat.length) {
      const bigger = new Float64Array(lat.length * 2);
      bigger.set(lat);
      lat = bigger;
    }
    lat[ok++] = ms;
  });
  const result = instance.then((r) => r);

  const warm = () => answered.size >= connections && Math.min(...answered.values()) >= 2;
  while (performance.now() - t0 < warmup * 1000 || (!warm() && performance.now() - t0 < (warmup + MAX_RAMP_SECONDS) * 1000)) await sleep(20);
  const rampSeconds = (performance.now() - t0) / 1000;
  const cpuDone = await cpuMeter(target.pid, target.postgresPids);
  const w0 = performance.now();
  phase = "measure";
  await sleep(seconds * 1000);
  phase = "done";
  const window = (performance.now() - w0) / 1000;
  const cpu = await cpuDone();
  instance.stop();
  const r = await result;

  const sorted = lat.subarray(0, ok).sort();
  if (r.errors) statuses.errors = r.errors;
  if (r.timeouts) statuses.timeouts = r.timeouts;
  const bad = Object.entries(statuses).reduce((a, [code, count]) => a + (code === "errors" || code === "timeouts" || Number(code) < 200 || Number(code) >= 300 ? count : 0), 0);
  return { rps: ok / window, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), ok, bad, statuses, cpu, rampSeconds: warm() ? rampSeconds : NaN };
}

/**
 * Runs the scenarios in rounds (each round runs every scenario once, in order, each run warming
 * itself up) so that drift of a noisy machine touches all of them alike; reports per-metric medians.
 */
export async function measure(target: Target, all: Scenario[], settings: BenchSettings, log: (line: string) => void): Promise<Measured[]> {
  const scenarios = settings.only ? all.filter((s) => settings.only?.test(s.name)) : all;
  const samples = scenarios.map(() => [] as Sample[]);
  for (let round = 1; round <= settings.repeats; round++) {
    for (const [i, s] of scenarios.entries()) {
      const x = await runOnce(target, s, settings.duration, s.connections ?? settings.connections, settings.warmup);
      samples[i].push(x);
      const c = x.cpu ? `, CPU % server ${x.cpu.server.toFixed(0)} client ${x.cpu.client.toFixed(0)} postgres ${x.cpu.postgres.toFixed(0)} other ${x.cpu.other.toFixed(0)}` : "";
      const ramp = Number.isNaN(x.rampSeconds) ? `not every connection served within ${MAX_RAMP_SECONDS} s` : `warm-up ${x.rampSeconds.toFixed(1)} s`;
      log(`  run ${round}/${settings.repeats} ${s.name} (${ramp}): ${x.rps.toFixed(0)} req/s, p50 ${x.p50.toFixed(2)} ms, p99 ${x.p99.toFixed(2)} ms${c}${x.bad ? `, ${x.bad} failed ${JSON.stringify(x.statuses)}` : ""}`);
    }
  }
  return scenarios.map((scenario, i) => {
    const xs = samples[i];
    const cpus = xs.map((x) => x.cpu).filter((c): c is CpuShare => c !== undefined);
    const cpu = cpus.length
      ? { server: median(cpus.map((c) => c.server)), client: median(cpus.map((c) => c.client)), postgres: median(cpus.map((c) => c.postgres)), other: median(cpus.map((c) => c.other)), idle: median(cpus.map((c) => c.idle)) }
      : undefined;
    return { scenario, samples: xs, median: { rps: median(xs.map((x) => x.rps)), p50: median(xs.map((x) => x.p50)), p90: median(xs.map((x) => x.p90)), p99: median(xs.map((x) => x.p99)), cpu } };
  });
}
