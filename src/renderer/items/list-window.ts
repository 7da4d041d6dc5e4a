/**
 * How many rows of the item list the page renders. The engine answers a list with
 * every overview (100k at the sizes issue 15 targets); one DOM row each would be
 * ~600k nodes built on every unlock — seconds of the page's thread, and enough memory
 * to crash a headless page. The list shows a first window and grows by a step on
 * request; search narrows it instead.
 */
export const LIST_STEP = 500;

export function shownRows(total: number, shown: number): { count: number; more: number } {
  const count = Math.min(total, Math.max(shown, 0));
  return { count, more: Math.min(LIST_STEP, total - count) };
}
