import { readdirSync, readFileSync } from "node:fs";

/**
 * Peak memory and CPU time of a process and everything it starts, by role, from Linux /proc
 * (sampled; elsewhere nothing is reported). A Pulumi CLI run starts: the engine (`pulumi`), the
 * language host, the program (`node … @pulumi/pulumi/cmd/run`), and the dynamic-provider host
 * (`node … @pulumi/pulumi/cmd/dynamic-provider`). Peak memory is the kernel's high-water mark of
 * each process's resident set (VmHWM), so a sample need not catch the peak, only the process.
 * CPU time is utime + stime at the last sample of each process (the last interval is lost).
 */
export type Role = "engine" | "program" | "host" | "other";
export const ROLES: Role[] = ["engine", "program", "host", "other"];

export interface RoleFigures {
  /** The largest peak RSS of one process of this role, in MiB. */
  peakMiB: number;
  /** CPU seconds of all processes of this role. */
  cpuS: number;
}

const TICK = 100; // USER_HZ

function stat(pid: string): { ppid: number; ticks: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

/** The kernel's high-water mark of a process's resident set, in KiB (0 when unknown). */
export function hwmKiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function roleOf(pid: number): Role | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    if (argv.some((a) => /@pulumi[\\/]pulumi[\\/]cmd[\\/]dynamic-provider/.test(a))) return "host";
    if (argv.some((a) => /@pulumi[\\/]pulumi[\\/]cmd[\\/]run/.test(a))) return "program";
    if (/(^|\/)pulumi$/.test(argv[0])) return "engine";
    return argv[0] ? "other" : undefined;
  } catch {
    return undefined;
  }
}

export function procTicks(pid: number): number {
  return stat(String(pid))?.ticks ?? 0;
}

/** Watches the tree under `rootPid` until stop(). */
export function watchTree(rootPid: number, everyMs = 200) {
  const seen = new Map<number, { role: Role; hwm: number; ticks: number }>();
  const sample = () => {
    let pids: string[];
    try {
      pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
    } catch {
      return;
    }
    const parent = new Map<number, number>();
    const ticks = new Map<number, number>();
    for (const p of pids) {
      const s = stat(p);
      if (s) {
        parent.set(Number(p), s.ppid);
        ticks.set(Number(p), s.ticks);
      }
    }
    const inTree = (pid: number) => {
      for (let p = pid, hops = 0; p > 1 && hops < 32; p = parent.get(p) ?? 0, hops++) if (p === rootPid) return true;
      return false;
    };
    for (const [pid] of parent) {
      if (!inTree(pid)) continue;
      let entry = seen.get(pid);
      if (!entry) {
        const role = roleOf(pid);
        if (!role) continue;
        seen.set(pid, (entry = { role, hwm: 0, ticks: 0 }));
      } else if (entry.role === "other") {
        // A shell that exec'd node: look again.
        entry.role = roleOf(pid) ?? entry.role;
      }
      entry.hwm = Math.max(entry.hwm, hwmKiB(pid));
      entry.ticks = Math.max(entry.ticks, ticks.get(pid) ?? 0);
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop(): Record<Role, RoleFigures> {
      clearInterval(timer);
      const out = Object.fromEntries(ROLES.map((r) => [r, { peakMiB: 0, cpuS: 0 }])) as Record<Role, RoleFigures>;
      for (const e of seen.values()) {
        out[e.role].peakMiB = Math.max(out[e.role].peakMiB, e.hwm / 1024);
        out[e.role].cpuS += e.ticks / TICK;
      }
      return out;
    },
  };
}

export function loadAverage(): number {
  try {
    return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  } catch {
    return NaN;
  }
}
