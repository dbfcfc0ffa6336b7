/** A gap in a run of page numbers ("1 … 4 5 6 … 50"). */
export const GAP = null;

/**
 * The page numbers a pager shows: the first, the last, and `around` pages either side of the
 * current one, with a gap where pages are left out. A gap stands for two pages or more: where it
 * would hide only one, that page is shown instead, so the row is as long either way and every
 * page it leaves out is at least two steps away.
 */
export function pageNumbers(page: number, pages: number, around = 1): (number | typeof GAP)[] {
  const last = Math.max(1, pages);
  const current = Math.min(Math.max(1, page), last);
  // As many slots whichever page is current: first, gap, 2·around + 1, gap, last.
  const slots = 2 * around + 5;
  if (last <= slots) return Array.from({ length: last }, (_, i) => i + 1);
  // Near either end the window slides inward rather than leave a gap of one page.
  let from = current - around;
  let to = current + around;
  if (from <= 3) [from, to] = [2, 2 * around + 3];
  else if (to >= last - 2) [from, to] = [last - 2 * around - 2, last - 1];
  const out: (number | typeof GAP)[] = [1];
  if (from > 2) out.push(GAP);
  for (let n = from; n <= to; n++) out.push(n);
  if (to < last - 1) out.push(GAP);
  out.push(last);
  return out;
}
