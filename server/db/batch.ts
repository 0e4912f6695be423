import DataLoader from "dataloader";
import { isDatabaseUnavailable } from "./db";

/** The most keys one batched read asks for. */
export const MAX_READ_BATCH = 32;

/**
 * When DataLoader sends a batch: at `setImmediate` (once the event loop has handled every socket
 * that was ready), or as soon as it is full — DataLoader starts the next batch then — so that the
 * database works on a full batch while the event loop goes on with the rest of the turn, instead
 * of every request of the turn waiting for the last one before anything is sent.
 *
 * With `maxInFlight`, a batch that is ready while that many of the same loader's batches are
 * still running waits for one of them to finish (`done`), and goes then, in the order it became
 * ready. A batch that waits is still open: what arrives meanwhile joins it, up to its maximum size.
 * It waits at most `maxWaitMs`, then goes anyway: batches that do not finish (a database that
 * accepted the statements and stopped answering) hold their requests until the database's own
 * deadline, and must not hold every later request behind them for one deadline after another.
 */
function sendWhenFullOrIdle(maxInFlight = Infinity, maxWaitMs = Infinity): { schedule: (send: () => void) => void; done: () => void } {
  type Ready = { send: () => void; timer?: NodeJS.Timeout };
  let open: (() => void) | undefined;
  const ready: Ready[] = [];
  let inFlight = 0;
  const go = (waiting: Ready) => {
    clearTimeout(waiting.timer);
    inFlight++;
    waiting.send();
  };
  const pump = () => {
    while (inFlight < maxInFlight && ready.length) go(ready.shift() as Ready);
  };
  return {
    schedule(send) {
      const full = open;
      let queued = false;
      const once = () => {
        if (queued) return;
        queued = true;
        if (open === once) open = undefined;
        const waiting: Ready = { send };
        ready.push(waiting);
        pump();
        if (ready.includes(waiting) && Number.isFinite(maxWaitMs)) {
          waiting.timer = setTimeout(() => {
            ready.splice(ready.indexOf(waiting), 1);
            go(waiting);
          }, maxWaitMs);
        }
      };
      open = once;
      full?.();
      setImmediate(once);
    },
    done() {
      inFlight--;
      pump();
    },
  };
}

/**
 * Point reads by key that arrive in the same turn of the event loop, sent to the database as one
 * statement (`WHERE id = ANY($1)`). Under load many requests are parsed in one turn; each would
 * otherwise cost a round trip of its own (a write to the database's socket, a wake-up of its
 * backend, an execution, a read), which is most of what such a read costs the server and the
 * database (docs/operations.md, "Throughput").
 *
 * Nothing is cached: every call is answered by a statement sent after the call was made, so a read
 * sees every write acknowledged before it (read-your-writes, across replicas too). A batch is sent
 * when full or once the event loop has handled every socket that was ready (sendWhenFullOrIdle),
 * so it adds no waiting beyond the turn already under way. Only for reads outside a transaction: a
 * transaction's reads belong to its own connection.
 */
export function batchedReads<V>(load: (keys: readonly string[]) => Promise<Map<string, V>>): (key: string) => Promise<V | undefined> {
  const { schedule } = sendWhenFullOrIdle();
  const loader = new DataLoader<string, V | undefined>(
    async (keys) => {
      const found = await load([...new Set(keys)]);
      return keys.map((k) => found.get(k));
    },
    { cache: false, maxBatchSize: MAX_READ_BATCH, batchScheduleFn: schedule },
  );
  return (key) => loader.load(key);
}

/** The most writes one batched statement carries (each request body is at most SWITCHYARD_BODY_LIMIT). */
export const MAX_WRITE_BATCH = 16;

/** The most write batches of one loader that run at once; more wait and grow (sendWhenFullOrIdle). */
export const MAX_WRITES_IN_FLIGHT = 2;

/** The longest a ready write batch waits for one of those to finish before it goes anyway, ms. */
export const MAX_WRITE_WAIT_MS = 1_000;

/**
 * Writes that arrive in the same turn of the event loop, sent as one statement with one commit
 * (`run` gets them all and answers each, in order). A write is acknowledged only once that commit
 * is done, so nothing acknowledged is lost; a batch that fails for any reason but an unavailable
 * database is sent again one write at a time, in order, so that one write's failure is its own
 * and never its neighbours'.
 */
export function batchedWrites<K, V>(
  run: (keys: readonly K[]) => Promise<readonly V[]>,
  opts: { maxInFlight?: number; maxWaitMs?: number } = {},
): (key: K) => Promise<V> {
  const alone = (key: K) => run([key]).then(([v]) => v, (err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  const { schedule, done } = sendWhenFullOrIdle(opts.maxInFlight ?? MAX_WRITES_IN_FLIGHT, opts.maxWaitMs ?? MAX_WRITE_WAIT_MS);
  const loader = new DataLoader<K, V>(
    async (keys) => {
      try {
        return await run(keys);
      } catch (err) {
        if (keys.length === 1 || isDatabaseUnavailable(err)) throw err;
        // One after another, in the order they came: the first of two creates of one name wins, as in the batch.
        const answers: (V | Error)[] = [];
        for (const key of keys) answers.push(await alone(key));
        return answers;
      } finally {
        done();
      }
    },
    { cache: false, maxBatchSize: MAX_WRITE_BATCH, batchScheduleFn: schedule },
  );
  return (key) => loader.load(key);
}
