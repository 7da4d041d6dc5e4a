/**
 * Method and path destination rules (docs/policy.md "Destination rules"): the plain
 * origin form keeps meaning any method and path; the method list is exact; `*` stays
 * within a segment and `**` crosses them; dot segments, encoded dots and encoded
 * slashes cannot walk a request out of an allowed path.
 */
import { describe, expect, it } from 'vitest';
import { assertDestinationAllowed, itemAllows } from '../../../src/core/policy';
import { destinationRuleSchema } from '../../../src/shared/policy';
import { originSchema } from '../../../src/shared/items';
import { forbidden, managed } from './helpers';

const ITEM = ['GET,POST https://api.github.com/repos/acme/*', 'GET https://api.github.com/orgs/acme/**', 'https://uploads.github.com'];

describe('an item rule with methods and a path', () => {
  it('allows the listed methods on matching paths', () => {
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acme/widgets', 'GET')).toBe(true);
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acme/widgets', 'POST')).toBe(true);
    expect(itemAllows(ITEM, 'https://api.github.com:443/repos/acme/widgets?page=2', 'GET')).toBe(true);
  });
  it('refuses other methods, including HEAD for a GET rule and lower-case names', () => {
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acme/widgets', 'DELETE')).toBe(false);
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acme/widgets', 'HEAD')).toBe(false);
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acme/widgets', 'get')).toBe(false);
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acme/widgets', '')).toBe(false);
  });
  it('* stays within one segment; ** crosses segments; the trailing slash counts', () => {
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acme/widgets/pulls', 'GET')).toBe(false);
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acme', 'GET')).toBe(false);
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acme/', 'GET')).toBe(true);
    expect(itemAllows(ITEM, 'https://api.github.com/orgs/acme/teams/a/members', 'GET')).toBe(true);
    expect(itemAllows(ITEM, 'https://api.github.com/orgs/acme', 'GET')).toBe(false);
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acmeevil/x', 'GET')).toBe(false);
  });
  it('dot segments, raw or encoded, are resolved before matching', () => {
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acme/../evil/x', 'GET')).toBe(false);
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acme/%2e%2e/evil', 'GET')).toBe(false);
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acme/.%2E/evil', 'GET')).toBe(false);
    expect(itemAllows(ITEM, 'https://api.github.com/orgs/acme/../../repos/evil/x', 'GET')).toBe(false);
    expect(itemAllows(ITEM, 'https://api.github.com/orgs/acme/x/..', 'GET')).toBe(true);
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acme\\..\\..\\evil', 'GET')).toBe(false);
  });
  it('an encoded slash or backslash never matches a path rule', () => {
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acme/..%2F..%2Fevil', 'GET')).toBe(false);
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acme/a%2fb', 'GET')).toBe(false);
    expect(itemAllows(ITEM, 'https://api.github.com/repos/acme/a%5Cb', 'GET')).toBe(false);
  });
  it('escaped unreserved characters are the characters themselves', () => {
    expect(itemAllows(ITEM, 'https://api.github.com/%72epos/acme/w%69dgets', 'GET')).toBe(true);
    expect(itemAllows(ITEM, 'https://api.github.com/%72epos/evil/x', 'GET')).toBe(false);
  });
  it('the plain origin form means any method and any path, on that origin only', () => {
    expect(itemAllows(ITEM, 'https://uploads.github.com/a/../../b', 'DELETE')).toBe(true);
    expect(itemAllows(ITEM, 'https://uploads.github.com:8443/', 'GET')).toBe(false);
    expect(itemAllows(ITEM, 'http://uploads.github.com/', 'GET')).toBe(false);
    expect(itemAllows(ITEM, 'https://api.github.com.evil.io/repos/acme/x', 'GET')).toBe(false);
    expect(itemAllows(ITEM, 'https://api.github.com@evil.io/repos/acme/x', 'GET')).toBe(false);
  });
});

describe('policy allow and deny lists with methods and paths', () => {
  const p = managed({
    gateway: { destinations: { allow: ['GET *.github.com/repos/**', 'api.example.com'], deny: ['DELETE *.github.com', 'api.github.com/repos/acme/secret/**'] } },
  });
  it('allow rules restrict method and path; plain entries still mean anything', () => {
    expect(() => assertDestinationAllowed(p, 'https://api.github.com/repos/acme/x', 'GET')).not.toThrow();
    expect(() => assertDestinationAllowed(p, 'https://api.example.com/any/path', 'PATCH')).not.toThrow();
    forbidden(() => assertDestinationAllowed(p, 'https://api.github.com/repos/acme/x', 'POST'), 'gateway.destinations.allow');
    forbidden(() => assertDestinationAllowed(p, 'https://api.github.com/user', 'GET'), 'gateway.destinations.allow');
    forbidden(() => assertDestinationAllowed(p, 'https://api.github.com/repos/../user', 'GET'), 'gateway.destinations.allow');
  });
  it('deny rules win, and an ambiguous path counts as denied', () => {
    forbidden(() => assertDestinationAllowed(p, 'https://api.github.com/repos/acme/x', 'DELETE'), 'gateway.destinations.deny');
    forbidden(() => assertDestinationAllowed(p, 'https://api.github.com/repos/acme/secret/k', 'GET'), 'gateway.destinations.deny');
    forbidden(() => assertDestinationAllowed(p, 'https://api.github.com/repos/acme/%73ecret/k', 'GET'), 'gateway.destinations.deny');
    forbidden(() => assertDestinationAllowed(p, 'https://api.github.com/repos/acme%2Fsecret/k', 'GET'), 'gateway.destinations.deny');
  });
  it('without a known method, a rule that names methods allows nothing and denies everything', () => {
    forbidden(() => assertDestinationAllowed(p, 'https://api.github.com/repos/acme/x'), 'gateway.destinations.deny');
  });
});

describe('the grammar', () => {
  it('accepts the documented forms', () => {
    for (const r of ['api.github.com', 'https://*.github.com:443', 'GET,POST https://api.github.com/repos/acme/*', 'PUT 10.0.0.1:8443/a/**/b']) {
      expect(destinationRuleSchema.safeParse(r).success, r).toBe(true);
    }
    expect(originSchema.safeParse('GET,POST https://api.github.com/repos/acme/*').success).toBe(true);
    expect(originSchema.safeParse('https://api.github.com').success).toBe(true);
  });
  it('refuses lower-case methods, queries, dot segments and encoded slashes in a rule', () => {
    for (const r of [
      'get https://api.github.com/x',
      'https://api.github.com/x?y=1',
      'https://api.github.com/a/../b',
      'https://api.github.com/a/%2e%2E/b',
      'https://api.github.com/a%2Fb',
      'GET  https://a.b',
      'GET,https://a.b',
    ]) {
      expect(destinationRuleSchema.safeParse(r).success, r).toBe(false);
      expect(originSchema.safeParse(r).success, r).toBe(false);
    }
  });
});
