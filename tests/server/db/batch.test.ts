import { expect } from "chai";
import { batchedReads, batchedWrites, MAX_READ_BATCH, MAX_WRITE_BATCH, MAX_WRITES_IN_FLIGHT } from "../../../server/db/batch";
import { DatabaseUnavailableError } from "../../../server/db/db";

const nextTurn = () => new Promise((r) => setImmediate(r));

describe("batching of reads and writes per turn of the event loop (server/db/batch.ts)", () => {
  it("sends a full batch at once, while the turn goes on, and the rest when the turn ends", async () => {
    const sent: { keys: readonly string[]; turnEnded: boolean }[] = [];
    let turnEnded = false;
    const read = batchedReads(async (keys) => {
      sent.push({ keys, turnEnded });
      return new Map(keys.map((k) => [k, `row ${k}`]));
    });
    const n = 2 * MAX_READ_BATCH + 6;
    setImmediate(() => (turnEnded = true)); // runs before any setImmediate the reads ask for
    const answers = Array.from({ length: n }, (_, i) => read(`k${i}`));
    expect(await Promise.all(answers)).to.deep.equal(Array.from({ length: n }, (_, i) => `row k${i}`));
    expect(sent.map((b) => b.keys.length)).to.deep.equal([MAX_READ_BATCH, MAX_READ_BATCH, 6]);
    // The two full batches went before the turn was over; the last one when it was.
    expect(sent.map((b) => b.turnEnded)).to.deep.equal([false, false, true]);
  });

  it("asks once for a key read twice in a batch, answers both, and answers undefined for a key not found", async () => {
    const sent: (readonly string[])[] = [];
    const read = batchedReads(async (keys) => {
      sent.push(keys);
      return new Map([["a", 1]]);
    });
    expect(await Promise.all([read("a"), read("a"), read("missing")])).to.deep.equal([1, 1, undefined]);
    expect(sent).to.deep.equal([["a", "missing"]]);
    // Nothing is cached: the next turn asks again.
    await nextTurn();
    expect(await read("a")).to.equal(1);
    expect(sent).to.have.length(2);
  });

  it("a failing batch of writes goes again one write at a time, in order: the failure stays with the write that caused it", async () => {
    const runs: (readonly number[])[] = [];
    const write = batchedWrites(async (keys: readonly number[]) => {
      runs.push(keys);
      if (keys.includes(13)) throw new Error("13 is refused");
      return keys.map((k) => k * 2);
    });
    const results = await Promise.allSettled([1, 13, 3].map((k) => write(k)));
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).to.deep.equal([2, "13 is refused", 6]);
    expect(runs).to.deep.equal([[1, 13, 3], [1], [13], [3]]);
  });

  it("an unavailable database fails every write of the batch, without sending them again", async () => {
    let runs = 0;
    const write = batchedWrites(async (_keys: readonly number[]) => {
      runs++;
      throw new DatabaseUnavailableError("cannot connect to PostgreSQL");
    });
    const results = await Promise.allSettled([1, 2, 3].map((k) => write(k)));
    expect(results.every((r) => r.status === "rejected" && r.reason instanceof DatabaseUnavailableError)).to.equal(true);
    expect(runs).to.equal(1);
  });

  it("writes go in batches of at most MAX_WRITE_BATCH", async () => {
    const sizes: number[] = [];
    const write = batchedWrites(async (keys: readonly number[]) => {
      sizes.push(keys.length);
      return keys;
    });
    await Promise.all(Array.from({ length: MAX_WRITE_BATCH + 1 }, (_, i) => write(i)));
    expect(sizes).to.deep.equal([MAX_WRITE_BATCH, 1]);
  });

  it("runs at most MAX_WRITES_IN_FLIGHT write batches at once; a batch that waits takes what arrives meanwhile and goes, in order, when one finishes", async () => {
    const started: (readonly string[])[] = [];
    const finish: (() => void)[] = [];
    let running = 0;
    let most = 0;
    const write = batchedWrites(async (keys: readonly string[]) => {
      started.push(keys);
      most = Math.max(most, ++running);
      await new Promise<void>((r) => finish.push(r));
      running--;
      return keys.map((k) => k.toUpperCase());
    });
    const answers: Promise<string>[] = [];
    for (let turn = 0; turn < MAX_WRITES_IN_FLIGHT; turn++) {
      answers.push(write(`first${turn}`));
      await nextTurn();
    }
    expect(started).to.have.length(MAX_WRITES_IN_FLIGHT);
    // Every slot is taken: writes of the next turns wait, together.
    answers.push(write("a"));
    await nextTurn();
    answers.push(write("b"), write("c"));
    await nextTurn();
    expect(started).to.have.length(MAX_WRITES_IN_FLIGHT);
    finish.shift()?.();
    await nextTurn();
    expect(started[MAX_WRITES_IN_FLIGHT]).to.deep.equal(["a", "b", "c"]);
    while (finish.length) {
      finish.shift()?.();
      await nextTurn();
    }
    expect(await Promise.all(answers)).to.deep.equal([...Array.from({ length: MAX_WRITES_IN_FLIGHT }, (_, t) => `FIRST${t}`), "A", "B", "C"]);
    expect(most).to.equal(MAX_WRITES_IN_FLIGHT);
  });

  it("a batch waits for a slot at most maxWaitMs, then goes: batches that never finish do not hold every later write", async () => {
    const started: (readonly string[])[] = [];
    const finish: (() => void)[] = [];
    const write = batchedWrites(
      async (keys: readonly string[]) => {
        started.push(keys);
        await new Promise<void>((r) => finish.push(r));
        return keys;
      },
      { maxInFlight: 1, maxWaitMs: 50 },
    );
    const stuck = write("stuck");
    await nextTurn();
    const waiting = write("waiting");
    await new Promise((r) => setTimeout(r, 20));
    expect(started).to.deep.equal([["stuck"]]);
    await new Promise((r) => setTimeout(r, 60));
    expect(started).to.deep.equal([["stuck"], ["waiting"]]);
    finish.forEach((f) => f());
    expect(await Promise.all([stuck, waiting])).to.deep.equal(["stuck", "waiting"]);
  });
});
