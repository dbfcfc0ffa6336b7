import { describe, expect, it } from 'vitest';
import { GAP, pageNumbers } from '../src/pager.js';

const show = (page: number, pages: number) =>
  pageNumbers(page, pages)
    .map((n) => (n === GAP ? '…' : String(n)))
    .join(' ');

describe('pageNumbers', () => {
  it('shows every page when there are few', () => {
    expect(show(1, 1)).toBe('1');
    expect(show(2, 3)).toBe('1 2 3');
    expect(show(4, 7)).toBe('1 2 3 4 5 6 7');
  });

  it('shows the first, the last and the pages either side of the current one', () => {
    expect(show(10, 50)).toBe('1 … 9 10 11 … 50');
    expect(show(25, 50)).toBe('1 … 24 25 26 … 50');
  });

  it('keeps the same number of slots near either end', () => {
    expect(show(1, 50)).toBe('1 2 3 4 5 … 50');
    expect(show(3, 50)).toBe('1 2 3 4 5 … 50');
    expect(show(4, 50)).toBe('1 2 3 4 5 … 50');
    expect(show(5, 50)).toBe('1 … 4 5 6 … 50');
    expect(show(46, 50)).toBe('1 … 45 46 47 … 50');
    expect(show(47, 50)).toBe('1 … 46 47 48 49 50');
    expect(show(48, 50)).toBe('1 … 46 47 48 49 50');
    expect(show(50, 50)).toBe('1 … 46 47 48 49 50');
    for (let page = 1; page <= 50; page++) expect(pageNumbers(page, 50)).toHaveLength(7);
  });

  it('never hides a single page behind a gap, and always shows the current page', () => {
    for (const pages of [8, 9, 10, 11, 30])
      for (let page = 1; page <= pages; page++) {
        const numbers = pageNumbers(page, pages);
        expect(numbers).toContain(page);
        numbers.forEach((n, i) => {
          if (n !== GAP) return;
          const before = numbers[i - 1] as number;
          const after = numbers[i + 1] as number;
          expect(after - before, `${page} of ${pages}`).toBeGreaterThanOrEqual(3);
        });
      }
  });

  it('clamps a page out of range to the nearest one', () => {
    expect(show(0, 50)).toBe(show(1, 50));
    expect(show(90, 50)).toBe(show(50, 50));
    expect(show(3, 0)).toBe('1');
  });
});
