import { DirectoryCache } from '../../src/directory/directory-cache.js';

describe('DirectoryCache', () => {
  it('serves a value until the generation moves, and never stores one read across a change', async () => {
    let generation = 0;
    const cache = new DirectoryCache<string, number>(() => generation);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('a', load)).toBe(1);
    cache.clear();
    expect(await cache.get('a', load)).toBe(2);
    cache.clear();
    // A change lands while the value is being read: it is answered, not kept.
    expect(await cache.get('a', async () => { generation += 1; return 99; })).toBe(99);
    expect(await cache.get('a', load)).toBe(3);
  });

  it('keeps only what `cacheable` accepts, and at most maxEntries (the oldest goes first)', async () => {
    const cache = new DirectoryCache<string, number | null>(() => 0, 2);
    let loads = 0;
    const load = async () => ++loads;
    await cache.get('missing', async () => null, (value) => value !== null);
    expect(await cache.get('missing', async () => 7, (value) => value !== null)).toBe(7);
    await cache.get('a', load); // 1; evicts nothing
    await cache.get('b', load); // 2; evicts 'missing'
    await cache.get('c', load); // 3; evicts 'a'
    expect(await cache.get('b', load)).toBe(2);
    expect(await cache.get('a', load)).toBe(4);
    expect(await cache.get('missing', load)).toBe(5);
  });

  it('reads an entry again once it is older than the maximum age, whatever the notifications say', async () => {
    const cache = new DirectoryCache<string, number>(() => 0, 10, 30);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('a', load)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(await cache.get('a', load)).toBe(2);
  });

  it('shares one read among the requests that miss a key at once, but never across a change', async () => {
    let generation = 0;
    const cache = new DirectoryCache<string, number>(() => generation);
    let loads = 0;
    let release!: () => void;
    const slow = () => new Promise<number>((resolve) => { const n = ++loads; release = () => resolve(n); });
    const first = [cache.get('a', slow), cache.get('a', slow), cache.get('a', slow)];
    expect(loads).toBe(1);
    const firstRelease = release;
    generation += 1; // a change while the read is under way: a later request reads afresh
    const afterChange = cache.get('a', slow);
    expect(loads).toBe(2);
    firstRelease();
    expect(await Promise.all(first)).toEqual([1, 1, 1]);
    release();
    expect(await afterChange).toBe(2);
    // A failed read is shared too, and forgotten: the next request tries again.
    const failing = [cache.get('b', () => Promise.reject(new Error('down'))), cache.get('b', async () => 7)];
    await expect(failing[0]).rejects.toThrow('down');
    await expect(failing[1]).rejects.toThrow('down');
    expect(await cache.get('b', async () => 8)).toBe(8);
  });
});
