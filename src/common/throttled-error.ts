/** Too many failed attempts on some key: wait `retryAfterSeconds`. Each protocol answers it as a 429 in its own shape. */
export class ThrottledError extends Error {
  override name = 'ThrottledError';
  constructor(readonly retryAfterSeconds: number) {
    super('throttled');
  }
}
