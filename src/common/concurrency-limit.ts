/** Runs at most `limit` tasks at once; the others wait their turn, first come first served. */
export class ConcurrencyLimit {
  private running = 0;
  private readonly queued: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running += 1;
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
