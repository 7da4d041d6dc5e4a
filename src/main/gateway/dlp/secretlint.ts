/**
 * Cloud keys, the well-known services' tokens and private keys, by the maintained rule
 * set: secretlint's recommended preset (@secretlint/secretlint-rule-preset-recommend)
 * run by @secretlint/core over the text as a virtual file. Node-only in practice (the
 * preset's rules are published as Node ES modules), so it lives in main's gateway, not
 * in src/core. Only each message's rule id, message id and range are used: a message's
 * text quotes the secret (masked, but still), and is never kept, logged or recorded.
 */
import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { DlpFinding } from './patterns';

// @secretlint/core's profiler is on by default: every lint adds a dozen global
// performance marks and a PerformanceObserver entry that are never cleared — on every
// result an agent gets, that is a leak in a long-running app and ≈ a third of this
// scan's time. We never read the profile.
secretLintProfiler.setEnabled(false);

const CONFIG = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] };
const PREFIX = '@secretlint/secretlint-rule-';

/** A rule id that fits the audit record's token (`secretlint:github:GITHUB_TOKEN`). */
function ruleId(ruleId: string, messageId: string): string {
  const name = ruleId.startsWith(PREFIX) ? ruleId.slice(PREFIX.length) : ruleId;
  return `secretlint:${name}:${messageId}`.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 96);
}

export async function findWithSecretlint(text: string): Promise<DlpFinding[]> {
  const result = await lintSource({
    source: { content: text, filePath: 'agent-result.txt', contentType: 'text' },
    options: { config: CONFIG, noPhysicFilePath: true, maskSecrets: true },
  });
  const out: DlpFinding[] = [];
  for (const m of result.messages) {
    if (m.type !== 'message') continue;
    out.push({ category: 'secrets', rule: ruleId(m.ruleId, m.messageId), start: m.range[0], end: m.range[1] });
  }
  return out;
}
