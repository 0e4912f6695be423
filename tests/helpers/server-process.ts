import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { freePort } from "./private-postgres";

/** The real server (`server/main.ts`, run through tsx) as a child process, as an operator starts it. */
export const ROOT = join(__dirname, "..", "..");

export interface ServerProcess {
  proc: ChildProcess;
  port: number;
  url: string;
  out(): string;
  err(): string;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

/** Starts the server with the given environment (unset settings are cleared, not inherited). */
export async function spawnServer(env: Record<string, string>, port?: number): Promise<ServerProcess> {
  port ??= await freePort();
  const proc = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: "", SWITCHYARD_BOOTSTRAP_TOKEN: "", SWITCHYARD_SECRET_KEY: "", SWITCHYARD_LOG_LEVEL: "warn", SWITCHYARD_PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(proc);
  let out = "";
  let err = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => (running.delete(proc), resolve(code))));
  return { proc, port, url: `http://127.0.0.1:${port}`, out: () => out, err: () => err, exited };
}

/** Waits until the server says it serves, or fails with what it printed. */
export async function serving(s: ServerProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!s.out().includes("serving on")) {
    if (s.proc.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${s.out()}\n${s.err()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** SIGKILL, and wait until the process is gone. */
export async function kill9(s: ServerProcess): Promise<void> {
  if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill("SIGKILL");
  await s.exited;
}

/** SIGTERM (a clean stop), then SIGKILL after `graceMs`. */
export async function stopServer(s: ServerProcess, graceMs = 15_000): Promise<number | null> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return s.proc.exitCode;
  s.proc.kill("SIGTERM");
  const timer = setTimeout(() => s.proc.kill("SIGKILL"), graceMs);
  const code = await s.exited;
  clearTimeout(timer);
  return code;
}
