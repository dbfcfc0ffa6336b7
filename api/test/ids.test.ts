import { describe, expect, it } from 'vitest';
import { newId } from '../src/ids.js';

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
