import { afterEach, describe, expect, it, vi } from 'vitest';
import { newId, newSortableId } from '../src/ids.js';

describe('newId', () => {
  it('draws distinct url-safe ids of the asked size across refills of its random pool', () => {
    const ids = new Set<string>();
    // 12-byte ids: about 340 per 4 KiB pool, so this crosses many refills; odd sizes misalign them.
    for (let i = 0; i < 5000; i++) {
      const bytes = [12, 9, 16, 5000][i % 4]!;
      const id = newId('x', bytes);
      expect(id).toMatch(/^x_[A-Za-z0-9_-]+$/);
      expect(Buffer.from(id.slice(2), 'base64url')).toHaveLength(bytes);
      ids.add(id);
    }
    expect(ids.size).toBe(5000);
  });
});

describe('newSortableId', () => {
  afterEach(() => vi.useRealTimers());

  it('sorts ids of later milliseconds after earlier ones, and never repeats within one', () => {
    vi.useFakeTimers();
    const made: string[] = [];
    // From 1970 to a date whose base-36 time has more digits than today's, a millisecond apart too.
    for (const at of [0, 1, 35, 36, 1_700_000_000_000, 1_700_000_000_001, 2_000_000_000_000, 1e14]) {
      vi.setSystemTime(at);
      const within = Array.from({ length: 50 }, () => newSortableId('o'));
      expect(new Set(within).size).toBe(50);
      for (const id of within) expect(id).toMatch(/^o_[0-9a-z]{9,}[A-Za-z0-9_-]{12}$/);
      made.push(within[0]!);
    }
    expect([...made].sort()).toEqual(made);
  });
});
