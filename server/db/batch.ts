import DataLoader from "dataloader";
import { isDatabaseUnavailable } from "./db";

/** The most keys one batched read asks for. */
export const MAX_READ_BATCH = 32;

/**
 * When DataLoader sends a batch: at `setImmediate` (once the event loop has handled every socket
 * that was ready), or as soon as it is full — DataLoader starts the next batch then — so that the
 * database works on a full batch while the event loop goes on with the rest of the turn, instead
 * of every request of the turn waiting for the last one before anything is sent.
 */
function sendWhenFullOrIdle(): (send: () => void) => void {
  let open: (() => void) | undefined;
  return (send) => {
    const full = open;
    let sent = false;
    const once = () => {
      if (sent) return;
      sent = true;
      if (open === once) open = undefined;
      send();
    };
    open = once;
    full?.();
    setImmediate(once);
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
  const loader = new DataLoader<string, V | undefined>(
    async (keys) => {
      const found = await load([...new Set(keys)]);
      return keys.map((k) => found.get(k));
    },
    { cache: false, maxBatchSize: MAX_READ_BATCH, batchScheduleFn: sendWhenFullOrIdle() },
  );
  return (key) => loader.load(key);
}

/** The most writes one batched statement carries (each request body is at most SWITCHYARD_BODY_LIMIT). */
export const MAX_WRITE_BATCH = 16;

/**
 * Writes that arrive in the same turn of the event loop, sent as one statement with one commit
 * (`run` gets them all and answers each, in order). A write is acknowledged only once that commit
 * is done, so nothing acknowledged is lost; a batch that fails for any reason but an unavailable
 * database is sent again one write at a time, in order, so that one write's failure is its own
 * and never its neighbours'.
 */
export function batchedWrites<K, V>(run: (keys: readonly K[]) => Promise<readonly V[]>): (key: K) => Promise<V> {
  const alone = (key: K) => run([key]).then(([v]) => v, (err: unknown) => (err instanceof Error ? err : new Error(String(err))));
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
      }
    },
    { cache: false, maxBatchSize: MAX_WRITE_BATCH, batchScheduleFn: sendWhenFullOrIdle() },
  );
  return (key) => loader.load(key);
}
