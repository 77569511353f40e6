/**
 * At most `limit` events per key in each window of `windowMs`, in this
 * process, for at most `maxKeys` keys (the least recently seen go first).
 * For what must not grow without bound but is not worth a database round
 * trip, such as unauthenticated requests that each store a row: with N
 * replicas the bound is N times the limit, still a bound.
 */
export class RateWindow {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts one event; the seconds to wait when over the limit (0: allowed). */
  take(key: string, now = Date.now()): number {
    let window = this.windows.get(key);
    if (window === undefined || now - window.start >= this.windowMs) window = { start: now, count: 0 };
    this.windows.delete(key);
    this.windows.set(key, window);
    if (this.windows.size > this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
    if (window.count >= this.limit) return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
    window.count += 1;
    return 0;
  }
}
