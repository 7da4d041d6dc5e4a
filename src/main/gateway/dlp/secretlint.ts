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
import type { SecretLintCoreConfig, SecretLintRuleContext, SecretLintRuleCreator, SecretLintRuleReportHandler, SecretLintSourceCode } from '@secretlint/types';
import type { DlpFinding } from './patterns';
import { COMMENT_FILTER_RULE, rulesThatMayReport } from './secretlint-prefilter';

// @secretlint/core's profiler is on by default: every lint adds a dozen global
// performance marks and a PerformanceObserver entry that are never cleared — on every
// result an agent gets, that is a leak in a long-running app and ≈ a third of this
// scan's time. We never read the profile.
secretLintProfiler.setEnabled(false);

const PREFIX = '@secretlint/secretlint-rule-';

/**
 * `lintSource` builds and registers every preset rule (a context, a rule object, a
 * listener and a promise each, and each rule's own `create`) on every lint, and that was
 * the largest single cost of a gateway call. So the preset's rules are created once and
 * `lintSource` is given a single rule that runs them: it still makes the source object,
 * and this file applies the same post-processing `lintSource` applies to a preset's
 * messages (duplicates, order by range), so the findings are the same — except that no
 * rule may ignore a range: see `ignore` below.
 * The rules' reports reach the lint in progress through `active`, and lints run one at a
 * time (`oneAtATime`): a rule may await, and two lints must never see each other's
 * reports. Not AsyncLocalStorage: on Node 20 its first `run` turns on async hooks for
 * the whole process, which doubles the cost of every promise in main (the gateway, the
 * MCP SDK, the HTTP server) from then on. Serialising costs no throughput: a lint is
 * regex work on this one thread.
 *
 * Once the rules are built, `lintSource` itself is skipped too (its line index of the
 * whole text is read only by the comment filter, which never runs here), and a rule that cannot report on the
 * text (secretlint-prefilter.ts) is not run: most results hold none of the preset's
 * token prefixes, and each rule is a regex pass over the whole text.
 */
interface Reported {
  readonly ruleId: string;
  readonly messageId: string;
  readonly message: string;
  readonly range: readonly [number, number];
}
interface Lint {
  readonly reported: Reported[];
  /** The prefilter's answer for this text (secretlint-prefilter.ts); null: run every rule. */
  readonly mayReport: ((ruleId: string) => boolean) | null;
}
let active: Lint | undefined;
let queue: Promise<unknown> = Promise.resolve();

function oneAtATime(lint: Lint, work: () => Promise<unknown>): Promise<void> {
  const run = queue.then(async () => {
    active = lint;
    try {
      await work();
    } finally {
      active = undefined;
    }
  });
  queue = run.catch(() => undefined);
  return run;
}

interface Built {
  readonly rule: SecretLintRuleCreator<unknown>;
  readonly handler: SecretLintRuleReportHandler;
}
let built: readonly Built[] | undefined;

function build(first: SecretLintRuleContext): readonly Built[] {
  // Never the comment filter: a directive in a result must not silence DLP (secretlint-prefilter.ts).
  return recommended.rules
    .filter((rule) => rule.meta.id !== COMMENT_FILTER_RULE)
    .map((rule) => {
      const context: SecretLintRuleContext = {
        sharedOptions: first.sharedOptions,
        // A translator is a pure function of the rule's messages and the (fixed) locale.
        createTranslator: (messages) => first.createTranslator(messages),
        report: (d) => {
          active?.reported.push({
            ruleId: rule.meta.id,
            messageId: d.message.messageId,
            message: d.message.message,
            range: d.range,
          });
        },
        // Nothing in the scanned text may silence a finding: it is what a destination,
        // command or downstream server sent. Upstream only the comment filter ignores
        // (on directives in the text), and it is not built; a rule of another preset
        // version that asks to ignore is not obeyed either.
        ignore: () => undefined,
      };
      // The preset registers its rules without options: `{}` is what lintSource passes.
      return { rule, handler: rule.create(context, {}) };
    });
}

function supports(rule: SecretLintRuleCreator<unknown>, contentType: string): boolean {
  const types: readonly string[] = rule.meta.supportedContentTypes;
  return contentType === 'unknown' || types.includes('all') || types.includes(contentType);
}

/** The rules that may report on `source` run on it (concurrently, as @secretlint/core runs them). */
async function runRules(rules: readonly Built[], source: SecretLintSourceCode, lint: Lint): Promise<void> {
  const runs: Promise<void>[] = [];
  for (const { rule, handler } of rules) {
    if (handler.file && supports(rule, source.contentType) && (lint.mayReport?.(rule.meta.id) ?? true)) runs.push(Promise.resolve(handler.file(source)));
  }
  await Promise.all(runs);
}

const ALL: SecretLintRuleCreator = {
  messages: {},
  meta: { id: 'latchkey-secretlint-recommended', type: 'scanner', recommended: true, supportedContentTypes: ['all'] },
  create(context) {
    const rules = (built ??= build(context));
    return {
      async file(source) {
        const lint = active;
        if (lint) await runRules(rules, source, lint);
      },
    };
  },
};

const FILE_PATH = 'agent-result.txt';

/**
 * The source object `lintSource` would make (@secretlint/core's SecretLintSourceCodeImpl:
 * a leading BOM dropped from the content, no physical path, no extension), without the
 * line index it builds over the whole text on every lint (≈ 1 ms per MiB): only the
 * comment filter reads positions, and a text on which it may report takes the
 * `lintSource` path instead.
 */
function plainSource(text: string): SecretLintSourceCode {
  const hasBOM = text.charCodeAt(0) === 0xfeff;
  const noPositions = (): never => {
    throw new Error('secretlint: positions are read only by the comment filter, which runs through lintSource');
  };
  return {
    hasBOM,
    content: hasBOM ? text.slice(1) : text,
    filePath: FILE_PATH,
    physicalFilePath: undefined,
    contentType: 'text',
    ext: '',
    getFilePath: () => FILE_PATH,
    getPhysicalFilePath: () => undefined,
    locationToRange: noPositions,
    rangeToLocation: noPositions,
    positionToIndex: noPositions,
    indexToPosition: noPositions,
  };
}

const CONFIG: SecretLintCoreConfig = { rules: [{ id: ALL.meta.id, rule: ALL }] };

/** @secretlint/core's cleanupMessages without ignored ranges, for the fields we read (no rule allows a message id here). */
function cleanup({ reported: kept }: Lint): Reported[] {
  // Every message has the default severity ("error"), so equal range and text is a duplicate;
  // like core's filter, the last of equal messages is the one kept.
  const unique = kept.filter((m, i) => !kept.slice(i + 1).some((r) => r.range[0] === m.range[0] && r.range[1] === m.range[1] && r.message === m.message));
  return unique.sort((a, b) => a.range[0] - b.range[0] || a.range[1] - b.range[1]);
}

/** A rule id that fits the audit record's token (`secretlint:github:GITHUB_TOKEN`). */
function ruleId(ruleId: string, messageId: string): string {
  const name = ruleId.startsWith(PREFIX) ? ruleId.slice(PREFIX.length) : ruleId;
  return `secretlint:${name}:${messageId}`.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 96);
}

export async function findWithSecretlint(text: string): Promise<DlpFinding[]> {
  // No literal a rule needs is affected by the BOM lintSource drops (none holds U+FEFF).
  const mayReport = rulesThatMayReport(text);
  const lint: Lint = { reported: [], mayReport };
  // The messages' texts stay in this call: they are compared for duplicates and dropped.
  // The rules, once built, run on a plain source unless the prefilter is off (a rule of
  // another preset version might read line positions, which only lintSource's source has).
  const rules = built;
  if (rules !== undefined && mayReport !== null) {
    await oneAtATime(lint, () => runRules(rules, plainSource(text), lint));
  } else {
    await oneAtATime(lint, () =>
      lintSource({
        source: { content: text, filePath: FILE_PATH, contentType: 'text' },
        options: { config: CONFIG, noPhysicFilePath: true, maskSecrets: true },
      }),
    );
  }
  // Ranges are in the content without a leading BOM: shift them back onto `text`.
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const out: DlpFinding[] = [];
  for (const m of cleanup(lint)) {
    out.push({ category: 'secrets', rule: ruleId(m.ruleId, m.messageId), start: m.range[0] + bom, end: m.range[1] + bom });
  }
  return out;
}
