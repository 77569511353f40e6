import { RateWindow } from '../../src/common/rate-window.js';

describe('RateWindow', () => {
  it('allows the limit per window and key, then says how long to wait', () => {
    const window = new RateWindow(3, 60_000);
    expect([0, 1, 2, 3].map(() => window.take('a', 1_000))).toEqual([0, 0, 0, 60]);
    expect(window.take('b', 1_000)).toBe(0);
    expect(window.take('a', 31_000)).toBe(30);
    expect(window.take('a', 61_000)).toBe(0);
  });

  it('keeps at most maxKeys keys, forgetting the least recently seen', () => {
    const window = new RateWindow(1, 60_000, 2);
    window.take('a', 0);
    window.take('b', 0);
    window.take('a', 0); // refused, and now the most recent
    window.take('c', 0); // pushes out b
    expect(window.take('a', 0)).toBeGreaterThan(0);
    expect(window.take('b', 0)).toBe(0);
  });
});
