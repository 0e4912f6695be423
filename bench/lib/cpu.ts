import { readFileSync } from "node:fs";

/**
 * Where the machine's CPU went during a run (Linux /proc; elsewhere nothing is reported): the
 * server process, this process (the load generator), PostgreSQL (the backends serving the bench's
 * database and the shared WAL writer, checkpointer and background writer; other databases'
 * backends count as "other"), and the rest of the machine. In percent of one core, so a 2-core
 * machine has 200 %.
 */
export interface CpuShare {
  server: number;
  client: number;
  postgres: number;
  other: number;
  idle: number;
}

const TICK = 100; // USER_HZ: clock ticks per second on Linux

function procTicks(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return 0;
  }
}

/** PostgreSQL's processes that work for the bench (pids from pg_stat_activity, when local). */
export type PostgresPids = () => Promise<number[]>;

/** CPU ticks by pid: the set changes as the pool opens and closes connections. */
async function postgresTicks(pids?: PostgresPids): Promise<Map<number, number>> {
  const ticks = new Map<number, number>();
  if (!pids) return ticks;
  for (const pid of await pids()) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres") ticks.set(pid, procTicks(pid));
    } catch {
      /* gone, or not on this machine */
    }
  }
  return ticks;
}

/** Ticks spent between two snapshots by the processes alive at the end (a new one: all its ticks). */
function ticksBetween(a: Map<number, number>, b: Map<number, number>): number {
  let sum = 0;
  for (const [pid, t] of b) sum += Math.max(0, t - (a.get(pid) ?? 0));
  return sum;
}

function machineTicks(): { busy: number; idle: number } {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0].split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + (cpu[4] || 0);
  return { busy: cpu.slice(0, 8).reduce((a, b) => a + b, 0) - idle, idle };
}

interface Snapshot {
  at: number;
  server: number;
  client: number;
  postgres: Map<number, number>;
  machine: { busy: number; idle: number };
}

const available = (() => {
  try {
    readFileSync("/proc/stat");
    return true;
  } catch {
    return false;
  }
})();

async function snapshot(serverPid: number, pgPids?: PostgresPids): Promise<Snapshot | undefined> {
  if (!available) return undefined;
  const postgres = await postgresTicks(pgPids);
  return { at: performance.now(), server: procTicks(serverPid), client: procTicks(process.pid), postgres, machine: machineTicks() };
}

/** Starts accounting; the returned function ends it and answers the shares (undefined off Linux). */
export async function cpuMeter(serverPid: number, pgPids?: PostgresPids): Promise<() => Promise<CpuShare | undefined>> {
  const a = await snapshot(serverPid, pgPids);
  return async () => {
    const b = await snapshot(serverPid, pgPids);
    if (!a || !b) return undefined;
    const secs = (b.at - a.at) / 1000;
    const pct = (ticks: number) => (100 * ticks) / TICK / secs;
    const server = pct(b.server - a.server);
    const client = pct(b.client - a.client);
    const postgres = pct(ticksBetween(a.postgres, b.postgres));
    const busy = pct(b.machine.busy - a.machine.busy);
    return { server, client, postgres, other: Math.max(0, busy - server - client - postgres), idle: pct(b.machine.idle - a.machine.idle) };
  };
}
