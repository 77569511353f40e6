import { Batcher } from '../../src/common/batcher.js';
import { ConcurrencyLimit, QueueFullError } from '../../src/common/concurrency-limit.js';

/** A promise and the means to settle it from outside. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => ((resolve = ok), (reject = fail)));
  return { promise, resolve, reject };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Batcher', () => {
  it('sends a lone item alone, gathers what arrives meanwhile into the next batch, and answers each in order', async () => {
    const batches: number[][] = [];
    const gates: ReturnType<typeof deferred<void>>[] = [];
    const batcher = new Batcher<number, string>(async (items) => {
      batches.push(items);
      const gate = deferred<void>();
      gates.push(gate);
      await gate.promise;
      return items.map((item) => `answer ${item}`);
    }, { maxBatch: 3, maxInFlight: 1 });

    const answers = [batcher.add(1)];
    await tick();
    expect(batches).toEqual([[1]]);
    answers.push(...[2, 3, 4, 5, 6].map((item) => batcher.add(item)));
    gates[0].resolve();
    await tick();
    expect(batches).toEqual([[1], [2, 3, 4]]); // maxBatch
    gates[1].resolve();
    await tick();
    gates[2].resolve();
    expect(await Promise.all(answers)).toEqual(['answer 1', 'answer 2', 'answer 3', 'answer 4', 'answer 5', 'answer 6']);
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it('sends the items of one turn of the event loop together, even with a slot free', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(async (items) => {
      batches.push(items);
      return items;
    }, { maxBatch: 10, maxInFlight: 2 });
    expect(await Promise.all([1, 2, 3].map((item) => batcher.add(item)))).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('refuses at once with QueueFullError while maxWaiting items wait, and takes more once a batch has left', async () => {
    const gate = deferred<void>();
    const batcher = new Batcher<number, number>(async (items) => {
      await gate.promise;
      return items;
    }, { maxBatch: 10, maxInFlight: 1, maxWaiting: 2 });
    const first = batcher.add(1); // goes at once, alone
    await tick();
    const waiting = [batcher.add(2), batcher.add(3)];
    await expect(batcher.add(4)).rejects.toBeInstanceOf(QueueFullError);
    gate.resolve();
    expect(await Promise.all([first, ...waiting])).toEqual([1, 2, 3]);
    expect(await batcher.add(5)).toBe(5);
  });

  it('runs up to maxInFlight batches at once', async () => {
    let running = 0;
    let most = 0;
    const batcher = new Batcher<number, number>(async (items) => {
      most = Math.max(most, ++running);
      await tick();
      running -= 1;
      return items;
    }, { maxBatch: 2, maxInFlight: 2 });
    expect(await Promise.all(Array.from({ length: 20 }, (_, index) => batcher.add(index)))).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(most).toBe(2);
  });

  it('fails every item of a failed batch, and goes on with the next', async () => {
    let calls = 0;
    const gate = deferred<void>();
    const batcher = new Batcher<number, number>(async (items) => {
      calls += 1;
      if (calls === 1) {
        await gate.promise;
        return items;
      }
      if (calls === 2) throw new Error('database gone');
      return items.map((item) => item * 10);
    }, { maxBatch: 10, maxInFlight: 1 });
    const first = batcher.add(1);
    await tick();
    const failed = [batcher.add(2), batcher.add(3)];
    gate.resolve();
    expect(await first).toBe(1);
    for (const item of failed) await expect(item).rejects.toThrow('database gone');
    expect(await batcher.add(4)).toBe(40);
  });

  it('fails the waiting items too when failsWaiting accepts the error', async () => {
    const gate = deferred<void>();
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(async (items) => {
      batches.push(items);
      await gate.promise;
      throw new Error(items.includes(1) ? 'unreachable' : 'bad query');
    }, { maxBatch: 10, maxInFlight: 1, failsWaiting: (error) => (error as Error).message === 'unreachable' });
    const outcomes = [batcher.add(1).catch((error: Error) => error.message)];
    await tick();
    outcomes.push(...[2, 3].map((item) => batcher.add(item).catch((error: Error) => error.message)));
    gate.resolve();
    expect(await Promise.all(outcomes)).toEqual(['unreachable', 'unreachable', 'unreachable']);
    expect(batches).toEqual([[1]]); // 2 and 3 never went
  });
});

describe('ConcurrencyLimit', () => {
  it('runs at most `limit` tasks at once, first come first served, and passes results and errors through', async () => {
    const limit = new ConcurrencyLimit(2);
    const gates = Array.from({ length: 5 }, () => deferred<string>());
    const started: number[] = [];
    const results = gates.map((gate, index) => limit.run(() => (started.push(index), gate.promise)));
    const firstError = results[0].catch((error: Error) => error.message);
    await tick();
    expect(started).toEqual([0, 1]);
    gates[1].resolve('b');
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0].reject(new Error('a failed'));
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    gates[2].resolve('c');
    gates[3].resolve('d');
    await tick();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    gates[4].resolve('e');
    expect(await firstError).toBe('a failed');
    expect(await Promise.all(results.slice(1))).toEqual(['b', 'c', 'd', 'e']);
  });

  it('refuses at once with QueueFullError while maxQueued tasks wait, and queues again once one has started', async () => {
    const limit = new ConcurrencyLimit(1, 2);
    const gates = Array.from({ length: 3 }, () => deferred<string>());
    const started: number[] = [];
    const admitted = gates.map((gate, index) => limit.run(() => (started.push(index), gate.promise)));
    const refused = limit.run(async () => started.push(99));
    await expect(refused).rejects.toBeInstanceOf(QueueFullError);
    gates[0].resolve('a');
    await tick();
    expect(started).toEqual([0, 1]); // one waiting task started: there is room for one more
    const late = deferred<string>();
    admitted.push(limit.run(() => (started.push(3), late.promise)));
    await expect(limit.run(async () => started.push(99))).rejects.toBeInstanceOf(QueueFullError);
    gates[1].resolve('b');
    gates[2].resolve('c');
    late.resolve('d');
    expect(await Promise.all(admitted)).toEqual(['a', 'b', 'c', 'd']);
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('refuses a limit below one, and a queue bound that is no whole number', () => {
    expect(() => new ConcurrencyLimit(0)).toThrow(RangeError);
    expect(() => new ConcurrencyLimit(1, -1)).toThrow(RangeError);
    expect(() => new ConcurrencyLimit(1, 1.5)).toThrow(RangeError);
  });
});
