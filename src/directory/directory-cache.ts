/** How long an entry is served at most, whatever the notifications say (or fail to say). */
export const DIRECTORY_CACHE_MAX_AGE_MS = 5000;

/**
 * A bounded per-process cache that any directory change empties. Every
 * change bumps the generation; a value read from the database is stored only
 * if no change happened while it was being read, so a read racing a change
 * can never leave a stale entry behind. An entry older than the maximum age
 * is read again: a change whose notification never arrives (a silent
 * channel) is seen within that age.
 */
export class DirectoryCache<K, V> {
  private readonly entries = new Map<K, { readonly value: V; readonly readAt: number }>();
  /**
   * Reads under way, so that the requests missing one key at once (every
   * entry ages out under load) share one read. Joined only within the
   * generation it started in: a request after a change never gets a value
   * read before it. At most one per key, and only while it runs.
   */
  private readonly reading = new Map<K, { readonly generation: number; readonly value: Promise<V> }>();

  constructor(
    private readonly generation: () => number,
    private readonly maxEntries = 50_000,
    private readonly maxAgeMs = DIRECTORY_CACHE_MAX_AGE_MS,
  ) {}

  async get(key: K, load: () => Promise<V>, cacheable: (value: V) => boolean = () => true): Promise<V> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      if (Date.now() - hit.readAt < this.maxAgeMs) return hit.value;
      this.entries.delete(key);
    }
    const generation = this.generation();
    const under = this.reading.get(key);
    if (under !== undefined && under.generation === generation) return under.value;
    const value = this.read(key, generation, load, cacheable);
    this.reading.set(key, { generation, value });
    const done = () => {
      if (this.reading.get(key)?.value === value) this.reading.delete(key);
    };
    value.then(done, done);
    return value;
  }

  clear(): void {
    this.entries.clear();
    this.reading.clear();
  }

  private async read(key: K, generation: number, load: () => Promise<V>, cacheable: (value: V) => boolean): Promise<V> {
    const readAt = Date.now(); // the age counts from before the read: the value may be that old already
    const value = await load();
    if (cacheable(value) && this.generation() === generation) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { value, readAt });
    }
    return value;
  }
}
