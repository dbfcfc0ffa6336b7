import { describe, expect, it } from 'vitest';
import { departments } from '../src/pages/home.js';

describe('home departments', () => {
  it('groups category paths under their top level, biggest first', () => {
    const d = departments([
      { value: 'Electronics > Monitor', count: 5 },
      { value: 'Home > Lamp', count: 9 },
      { value: 'Electronics > Mouse', count: 7 },
    ]);
    expect(d.map((x) => [x.name, x.count])).toEqual([
      ['Electronics', 12],
      ['Home', 9],
    ]);
    expect(d[0]!.categories.map((c) => c.label)).toEqual(['Monitor', 'Mouse']);
  });

  it('lists flat categories together, named as they are, with the catch-all last', () => {
    const d = departments([
      { value: 'Other', count: 4121 },
      { value: 'Notebooks', count: 900 },
      { value: 'Cables', count: 1200 },
    ]);
    expect(d).toHaveLength(1);
    expect(d[0]!.name).toBe('Popular categories');
    expect(d[0]!.categories.map((c) => `${c.label} ${c.count}`)).toEqual([
      'Cables 1200',
      'Notebooks 900',
      'Other 4121',
    ]);
  });

  it('reads a flat category that tops some paths as that department’s whole', () => {
    const d = departments([
      { value: 'Garden > Hose', count: 2 },
      { value: 'Garden', count: 3 },
      { value: 'Toys', count: 4 },
    ]);
    expect(d.map((x) => [x.name, x.count])).toEqual([
      ['Garden', 5],
      ['More categories', 4],
    ]);
    expect(d[0]!.categories.map((c) => c.label)).toEqual(['All', 'Hose']);
  });
});
