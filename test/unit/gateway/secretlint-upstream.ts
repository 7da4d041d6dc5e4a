/**
 * The findings an upstream `lintSource` run of secretlint's recommended preset gives on a
 * text, in the DLP scan's finding shape: what the scan (src/main/gateway/dlp/secretlint.ts)
 * is proved against. By default without the preset's comment filter, which the scan never
 * runs (a `secretlint-disable` directive in a result must not switch DLP off).
 */
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { DlpFinding } from '../../../src/main/gateway/dlp/patterns';
import { COMMENT_FILTER_RULE } from '../../../src/main/gateway/dlp/secretlint-prefilter';

const PREFIX = '@secretlint/secretlint-rule-';

export async function upstreamSecretlint(text: string, { withCommentFilter = false } = {}): Promise<DlpFinding[]> {
  const rules = recommended.rules.filter((r) => withCommentFilter || r.meta.id !== COMMENT_FILTER_RULE).map((rule) => ({ id: rule.meta.id, rule }));
  const result = await lintSource({
    source: { content: text, filePath: 'agent-result.txt', contentType: 'text' },
    options: { config: { rules }, noPhysicFilePath: true, maskSecrets: true },
  });
  return result.messages
    .filter((m) => m.type === 'message')
    .map((m) => ({
      category: 'secrets' as const,
      rule: `secretlint:${m.ruleId.startsWith(PREFIX) ? m.ruleId.slice(PREFIX.length) : m.ruleId}:${m.messageId}`.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 96),
      start: m.range[0],
      end: m.range[1],
    }));
}
