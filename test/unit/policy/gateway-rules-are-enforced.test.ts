/** Gateway on/off, agents, tools, destinations and the approval floor at their decision functions. */
import { describe, expect, it } from 'vitest';
import {
  approvalModeFloor,
  assertAgentAllowed,
  assertApprovalModeAllowed,
  assertDestinationAllowed,
  assertGatewayEnabled,
  assertToolAllowed,
  effectiveApprovalMode,
  personalPolicy,
} from '../../../src/core/policy';
import { DEFAULT_PERSONAL_SETTINGS } from '../../../src/shared/policy';
import { caught, managed, forbidden } from './helpers';

describe('gateway.enabled', () => {
  it('false turns the gateway off whatever the person chose', () => {
    forbidden(() => assertGatewayEnabled(managed({ gateway: { enabled: false } })), 'gateway.enabled');
  });
  it('true keeps it on even if the person turned it off; absent leaves it to the person', () => {
    const off = { ...DEFAULT_PERSONAL_SETTINGS, gatewayEnabled: false };
    expect(() => assertGatewayEnabled(managed({ gateway: { enabled: true } }, off))).not.toThrow();
    expect(caught(() => assertGatewayEnabled(managed({}, off))).code).toBe('forbidden');
    expect(() => assertGatewayEnabled(personalPolicy())).not.toThrow();
  });
});

describe('gateway.allowedAgents', () => {
  const p = managed({ gateway: { allowedAgents: ['Claude Code', 'VS Code*'] } });
  it('allows listed agents (case-insensitive, prefix with *)', () => {
    expect(() => assertAgentAllowed(p, 'claude code')).not.toThrow();
    expect(() => assertAgentAllowed(p, 'VS Code Insiders')).not.toThrow();
  });
  it('refuses any other agent, including near misses', () => {
    forbidden(() => assertAgentAllowed(p, 'Cursor'), 'gateway.allowedAgents');
    forbidden(() => assertAgentAllowed(p, 'Claude Code 2'), 'gateway.allowedAgents');
  });
  it('an empty list admits no agent', () => {
    forbidden(() => assertAgentAllowed(managed({ gateway: { allowedAgents: [] } }), 'Claude Code'), 'gateway.allowedAgents');
  });
});

describe('gateway.allowedTools', () => {
  const on = { ...DEFAULT_PERSONAL_SETTINGS, runCommandEnabled: true };
  const p = managed({ gateway: { allowedTools: ['http_request', 'downstream:github'] } }, on);
  it('allows listed tools and always allows listing credential names', () => {
    expect(() => assertToolAllowed(p, 'http_request')).not.toThrow();
    expect(() => assertToolAllowed(p, 'downstream:github')).not.toThrow();
    expect(() => assertToolAllowed(p, 'list_credentials')).not.toThrow();
  });
  it('refuses run_command and unlisted downstream servers even if the person enabled them', () => {
    forbidden(() => assertToolAllowed(p, 'run_command'), 'gateway.allowedTools');
    forbidden(() => assertToolAllowed(p, 'downstream:slack'), 'gateway.allowedTools');
  });
  it('downstream:* admits every downstream server', () => {
    expect(() => assertToolAllowed(managed({ gateway: { allowedTools: ['downstream:*'] } }), 'downstream:slack')).not.toThrow();
  });
  it('run_command stays off until the person turns it on, even when policy allows it', () => {
    const allowed = managed({ gateway: { allowedTools: ['run_command'] } });
    expect(caught(() => assertToolAllowed(allowed, 'run_command')).code).toBe('forbidden');
    expect(() => assertToolAllowed(managed({ gateway: { allowedTools: ['run_command'] } }, on), 'run_command')).not.toThrow();
  });
});

describe('gateway.destinations: deny wins, allow restricts (on top of item rules)', () => {
  const p = managed({ gateway: { destinations: { allow: ['https://api.github.com', '*.example.com'], deny: ['evil.example.com', '169.254.169.254'] } } });
  it('allows a destination on the allow-list', () => {
    expect(() => assertDestinationAllowed(p, 'https://api.github.com/repos')).not.toThrow();
    expect(() => assertDestinationAllowed(p, 'https://a.b.example.com:8443/x')).not.toThrow();
  });
  it('a deny-listed destination is refused even though the allow-list (and the item) would allow it', () => {
    const err = forbidden(() => assertDestinationAllowed(p, 'https://evil.example.com/steal'), 'gateway.destinations.deny');
    expect(err.message).toContain('evil.example.com');
  });
  it('refuses what is not on the allow-list: other hosts, other schemes, the bare domain of a wildcard', () => {
    forbidden(() => assertDestinationAllowed(p, 'https://api.gitlab.com/'), 'gateway.destinations.allow');
    forbidden(() => assertDestinationAllowed(p, 'http://api.github.com/'), 'gateway.destinations.allow');
    forbidden(() => assertDestinationAllowed(p, 'https://example.com/'), 'gateway.destinations.allow');
    forbidden(() => assertDestinationAllowed(p, 'https://api.github.com.evil.io/'), 'gateway.destinations.allow');
  });
  it('cannot be bypassed by spelling: case, trailing dot, userinfo, numeric IPs', () => {
    forbidden(() => assertDestinationAllowed(p, 'https://EVIL.Example.COM./'), 'gateway.destinations.deny');
    forbidden(() => assertDestinationAllowed(p, 'https://api.github.com@evil.example.com/'), 'gateway.destinations.deny');
    forbidden(() => assertDestinationAllowed(p, 'http://2852039166/latest/meta-data'), 'gateway.destinations.deny');
    forbidden(() => assertDestinationAllowed(p, 'http://0xa9.0xfe.0xa9.0xfe/'), 'gateway.destinations.deny');
  });
  it('ports: a pattern with a port matches only that port; default ports are implied', () => {
    const q = managed({ gateway: { destinations: { allow: ['https://api.github.com:443', 'internal.test:8443'] } } });
    expect(() => assertDestinationAllowed(q, 'https://api.github.com/')).not.toThrow();
    forbidden(() => assertDestinationAllowed(q, 'https://api.github.com:444/'), 'gateway.destinations.allow');
    expect(() => assertDestinationAllowed(q, 'http://internal.test:8443/')).not.toThrow();
    forbidden(() => assertDestinationAllowed(q, 'https://internal.test/'), 'gateway.destinations.allow');
  });
  it('an empty allow-list allows nothing; a deny-list alone restricts only its entries', () => {
    forbidden(() => assertDestinationAllowed(managed({ gateway: { destinations: { allow: [] } } }), 'https://api.github.com/'), 'gateway.destinations.allow');
    const d = managed({ gateway: { destinations: { deny: ['[::1]'] } } });
    forbidden(() => assertDestinationAllowed(d, 'http://[::1]:8080/'), 'gateway.destinations.deny');
    expect(() => assertDestinationAllowed(d, 'https://anything.test/')).not.toThrow();
  });
  it('a URL that is not absolute http(s) is refused as invalid input', () => {
    expect(caught(() => assertDestinationAllowed(p, 'file:///etc/passwd')).code).toBe('invalid_input');
    expect(caught(() => assertDestinationAllowed(personalPolicy(), 'not a url')).code).toBe('invalid_input');
  });
});

describe('gateway.approvalModeFloor', () => {
  const p = managed({ gateway: { approvalModeFloor: 'every_time' } });
  it('forces asking every time, whatever the grant says', () => {
    expect(approvalModeFloor(p)).toBe('every_time');
    expect(effectiveApprovalMode(p, 'always')).toBe('every_time');
    expect(effectiveApprovalMode(p, 'session')).toBe('every_time');
  });
  it('refuses creating a looser grant', () => {
    const err = forbidden(() => assertApprovalModeAllowed(p, 'always'), 'gateway.approvalModeFloor');
    expect(err.message).toMatch(/every_time/);
  });
  it('a "session" floor keeps stricter choices and lowers "always"', () => {
    const s = managed({ gateway: { approvalModeFloor: 'session' } });
    expect(effectiveApprovalMode(s, 'every_time')).toBe('every_time');
    expect(effectiveApprovalMode(s, 'always')).toBe('session');
    expect(() => assertApprovalModeAllowed(s, 'every_time')).not.toThrow();
  });
  it('unmanaged: the grant decides', () => {
    expect(effectiveApprovalMode(personalPolicy(), 'always')).toBe('always');
  });
});
