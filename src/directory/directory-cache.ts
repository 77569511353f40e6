/**
 * A bounded per-process cache that any directory change empties. Every
 * change bumps the generation; a value read from the database is stored only
 * if no change happened while it was being read, so a read racing a change
 * can never leave a stale entry behind.
 */
export class DirectoryCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(
    private readonly generation: () => number,
    private readonly maxEntries = 50_000,
  ) {}

  async get(key: K, load: () => Promise<V>, cacheable: (value: V) => boolean = () => true): Promise<V> {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const generation = this.generation();
    const value = await load();
    if (cacheable(value) && this.generation() === generation) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, value);
    }
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
