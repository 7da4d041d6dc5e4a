/**
 * The exact definitions of docs/gateway.md §14–§15 that the promise tests only sample:
 * path shapes (ids become `*`, API versions stay), usual-hour windows that wrap past
 * midnight, and the floor merge that is stricter than either side for every member.
 */
import { describe, expect, it } from 'vitest';
import { inWindow, pathShape } from '../../../src/main/gateway/anomalies';
import { stricter } from '../../../src/main/gateway/budgets';

describe('path shapes', () => {
  it('segments holding a digit become *, except an API version', () => {
    expect(pathShape('/v1/builds/123')).toBe('/v1/builds/*');
    expect(pathShape('/V2/users/alice/repos')).toBe('/V2/users/alice/repos');
    expect(pathShape('/api/v10/x/2026-01-05/a1b2')).toBe('/api/v10/x/*/*');
    expect(pathShape('/v1234/x')).toBe('/*/x');
    expect(pathShape('/')).toBe('/');
    expect(pathShape('/repos/acme/')).toBe('/repos/acme/');
  });
});

describe('usual hours', () => {
  it('from inclusive, to exclusive; from > to wraps past midnight; to 24 is midnight', () => {
    const day = { from: 9, to: 17 };
    expect([8, 9, 16, 17].map((h) => inWindow(day, h))).toEqual([false, true, true, false]);
    const night = { from: 22, to: 6 };
    expect([21, 22, 23, 0, 5, 6, 12].map((h) => inWindow(night, h))).toEqual([false, true, true, true, true, false, false]);
    const evening = { from: 18, to: 24 };
    expect([17, 18, 23, 0].map((h) => inWindow(evening, h))).toEqual([false, true, true, false]);
  });
});

describe('budget floors', () => {
  it('each figure is the smaller, methods the intersection, and an absent side sets nothing', () => {
    expect(stricter({ usesPerHour: 10, methods: ['GET', 'POST'] }, { usesPerHour: 3, bytesPerDay: 5, methods: ['GET', 'DELETE'] })).toEqual({
      usesPerHour: 3,
      bytesPerDay: 5,
      methods: ['GET'],
    });
    expect(stricter({ usesPerDay: 1 }, { usesPerDay: 7 })).toEqual({ usesPerDay: 1 });
    expect(stricter({}, { methods: [] })).toEqual({ methods: [] });
    expect(stricter({ methods: ['GET'] }, {})).toEqual({ methods: ['GET'] });
    expect(stricter({}, {})).toEqual({});
  });
});
