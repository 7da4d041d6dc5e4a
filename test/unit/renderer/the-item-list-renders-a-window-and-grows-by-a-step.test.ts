/**
 * Issue 15: the item list renders a first window of rows, not one DOM row per item of a
 * 100k vault; "Show more" grows it by a step and never past the list.
 */
import { describe, expect, it } from 'vitest';
import { LIST_STEP, shownRows } from '../../../src/renderer/items/list-window';

describe('item list window', () => {
  it('shows every item of a small vault and offers nothing more', () => {
    expect(shownRows(12, LIST_STEP)).toEqual({ count: 12, more: 0 });
    expect(shownRows(0, LIST_STEP)).toEqual({ count: 0, more: 0 });
  });

  it('shows one step of a 100k list and offers the next step, then the remainder', () => {
    expect(shownRows(100_000, LIST_STEP)).toEqual({ count: LIST_STEP, more: LIST_STEP });
    expect(shownRows(LIST_STEP + 7, LIST_STEP)).toEqual({ count: LIST_STEP, more: 7 });
    expect(shownRows(LIST_STEP + 7, 2 * LIST_STEP)).toEqual({ count: LIST_STEP + 7, more: 0 });
  });
});
