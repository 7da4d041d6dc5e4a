/**
 * The DLP scan runs on every result an agent gets, in a long-running app: it must not
 * grow anything per call. @secretlint/core's profiler, on by default, leaves global
 * performance marks (and observer entries) behind on every lint; the gateway turns it off.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { DLP_DEFAULTS, applyDlp } from '../../../src/main/gateway/dlp';

const GITHUB = `ghp_${'Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2'.slice(0, 36)}`;

describe('DLP scans', () => {
  it('add no performance marks, however many results are scanned', async () => {
    const marks = (): number => performance.getEntriesByType('mark').filter((m) => m.name.startsWith('@core>')).length;
    const before = marks();
    for (let i = 0; i < 20; i++) {
      const r = await applyDlp([`token ${GITHUB} in result ${i}`], DLP_DEFAULTS);
      // Still scanning: the finding is there every time.
      expect(r.texts[0]).not.toContain(GITHUB);
    }
    expect(marks()).toBe(before);
  });
});
