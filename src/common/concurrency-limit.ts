/** `ConcurrencyLimit.run` refused the task because its queue was full: the caller should answer "busy", not fail. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';

  constructor() {
    super('the queue is full');
  }
}

/**
 * Runs at most `limit` tasks at once; the others wait their turn, first come
 * first served. At most `maxQueued` wait: beyond that `run` rejects at once
 * with QueueFullError, so a flood costs neither memory nor unbounded latency.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly queued: (() => void)[] = [];

  constructor(readonly limit: number, readonly maxQueued = Infinity) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    if (maxQueued !== Infinity && (!Number.isInteger(maxQueued) || maxQueued < 0)) throw new RangeError('maxQueued must be a whole number');
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running += 1;
    else if (this.queued.length >= this.maxQueued) throw new QueueFullError();
    else await new Promise<void>((resolve) => this.queued.push(resolve)); // a finishing task hands its place on
    try {
      return await work();
    } finally {
      const next = this.queued.shift();
      if (next === undefined) this.running -= 1;
      else next();
    }
  }
}
