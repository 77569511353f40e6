import { QueueFullError } from './concurrency-limit.js';

/**
 * Gathers single requests into batches. Up to `maxInFlight` batches run at
 * once; whatever arrives meanwhile waits and goes together in the next one.
 * A batch leaves at the end of the event loop's turn (setImmediate), so the
 * requests of one turn (everything read from the sockets at once) go
 * together even when a slot is free: bigger batches, fewer wake-ups of
 * Postgres. At low load each request still goes at once, alone; under load
 * one round trip serves many, so the cost per request falls as the load rises.
 */
export class Batcher<T, R> {
  private readonly waiting: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  /**
   * `run` answers each item of a batch, in order. When a batch fails with an
   * error `failsWaiting` accepts (say, the database is unreachable), the items
   * still waiting fail with it at once rather than each waiting its turn to fail.
   */
  constructor(
    private readonly run: (items: T[]) => Promise<R[]>,
    private readonly options: { maxBatch: number; maxInFlight: number; maxWaiting?: number; failsWaiting?: (error: unknown) => boolean },
  ) {}

  /** Rejects at once with QueueFullError when `maxWaiting` items wait already: a flood costs no memory. */
  add(item: T): Promise<R> {
    if (this.waiting.length >= (this.options.maxWaiting ?? Infinity)) return Promise.reject(new QueueFullError());
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.next();
      });
    });
  }

  private next(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      Promise.resolve()
        .then(() => this.run(batch.map((entry) => entry.item)))
        .then(
          (results) => batch.forEach((entry, index) => entry.resolve(results[index])),
          (error: unknown) => {
            const failed = this.options.failsWaiting?.(error) ? [...batch, ...this.waiting.splice(0)] : batch;
            failed.forEach((entry) => entry.reject(error));
          },
        )
        .finally(() => {
          this.inFlight -= 1;
          this.next();
        });
    }
  }
}
