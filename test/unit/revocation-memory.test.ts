import { RevocationMemory } from '../../src/tokens/revocation-memory.js';

describe('RevocationMemory', () => {
  const NOW = 1_000_000;

  it('holds a jti until its time, under its subject or the subject-less rows', () => {
    const memory = new RevocationMemory(10, () => {});
    memory.remember('client:a', 'j1', NOW + 100, NOW);
    memory.remember('', 'j2', NOW + 100, NOW);
    memory.remember('client:a', 'expired', NOW - 1, NOW);
    expect([memory.holds('client:a', 'j1', NOW), memory.holds('client:b', 'j1', NOW), memory.holds('client:b', 'j2', NOW)]).toEqual([true, false, true]);
    expect(memory.holds('client:a', 'j1', NOW + 100)).toBe(false);
    expect(memory.held).toBe(2);
  });

  it("cuts a subject off at a second, widens a cut-off, and hands back the subject's jtis to check", () => {
    const memory = new RevocationMemory(10, () => {});
    memory.remember('entity:7', 'j1', NOW + 100, NOW);
    expect(memory.cutOff('entity:7', { cutoff: 500, until: NOW + 100 }, NOW)).toEqual(['j1']);
    expect([memory.isCutOff('entity:7', 500, NOW), memory.isCutOff('entity:7', 501, NOW)]).toEqual([true, false]);
    memory.cutOff('entity:7', { cutoff: 400, until: NOW + 50 }, NOW); // never narrower
    expect(memory.isCutOff('entity:7', 500, NOW + 60)).toBe(true);
    memory.forget('entity:7', ['j1']);
    expect(memory.holds('entity:7', 'j1', NOW)).toBe(false);
    expect(memory.held).toBe(1);
  });

  it('overflows at its maximum: the oldest entry goes, and it says so once', () => {
    let overflows = 0;
    const memory = new RevocationMemory(2, () => (overflows += 1));
    memory.remember('s', 'a', NOW + 100, NOW);
    memory.remember('s', 'b', NOW + 100, NOW);
    memory.remember('s', 'c', NOW + 100, NOW);
    memory.remember('s', 'd', NOW + 100, NOW);
    expect({ held: memory.held, overflow: memory.overflow, evictions: memory.evictions, overflows }).toEqual({ held: 2, overflow: true, evictions: 2, overflows: 1 });
    expect([memory.holds('s', 'a', NOW), memory.holds('s', 'd', NOW)]).toEqual([false, true]);
    memory.purgeExpired(NOW + 100);
    expect(memory.held).toBe(0);
  });
});
