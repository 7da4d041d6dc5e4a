/**
 * Which of the recommended preset's rules can report anything on a text: each rule's
 * every pattern needs one of a few literals (its token prefixes), so a rule whose
 * literals are all absent is not run. Most results hold none, and each rule is a full
 * regex pass over the text (≈ 5 ms per MiB for the preset). Skipping a rule that cannot
 * match changes no finding; the unit test proves it on every rule's upstream test
 * inputs plus benign text, against an upstream lint of the whole preset.
 *
 * The literals were read from the preset's source, version PRESET_VERSION, as the scan
 * runs it (secretlint.ts: a `.txt` path, so no package.json/.npmrc/.json/.p12 branches;
 * no options, so the AWS ID rules are off). Another installed version turns the
 * prefilter off (every rule runs) until the table is checked again.
 */
import { createRequire } from 'node:module';
import { LiteralFilter } from './literal-filter';

export const PRESET_VERSION = '13.0.7';

const R = '@secretlint/secretlint-rule-';

/** Rule id → literals one of which each of its reports contains. A rule not listed always runs. */
export const RULE_LITERALS: Readonly<Record<string, readonly string[]>> = {
  // AWS secret access key: (?:SECRET|secret|Secret) is required (enableIDScanRule off).
  [`${R}aws`]: ['SECRET', 'secret', 'Secret'],
  // gcp: only .json and .p12 sources; the scan's is `.txt` (cheap: not listed, runs).
  [`${R}privatekey`]: ['-----BEGIN'],
  // npm: the x-oauth and _authToken checks are for package.json/.npmrc paths only.
  [`${R}npm`]: ['npm_'],
  [`${R}basicauth`]: ['://'],
  // Tokens xoxb- … xoxr-, xapp-; the incoming-webhook URL is case-insensitive: its `://`.
  [`${R}slack`]: ['xoxb-', 'xoxp-', 'xapp-', 'xoxa-', 'xoxo-', 'xoxr-', '://'],
  [`${R}sendgrid`]: ['SG.'],
  [`${R}shopify`]: ['shppa_', 'shpca_', 'shpat_', 'shpss_'],
  [`${R}stripe`]: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'],
  [`${R}github`]: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
  [`${R}gitlab`]: ['glpat-'],
  [`${R}grafana`]: ['glc_', 'glsa_'],
  // Both of its patterns begin with `sk-`.
  [`${R}openai`]: ['sk-'],
  [`${R}anthropic`]: ['sk-ant-api0'],
  [`${R}groq`]: ['gsk_'],
  [`${R}huggingface`]: ['hf_'],
  [`${R}linear`]: ['lin_api_'],
  [`${R}notion`]: ['ntn_'],
  [`${R}1password`]: ['ops_ey'],
  // mongodb(+srv)://, (jdbc:)mysql(x)://, postgres(ql)://, all case-insensitive: their `://`.
  [`${R}database-connection-string`]: ['://'],
  [`${R}hashicorp-vault`]: ['hvs.', 'hvb.', 'hvr.'],
  [`${R}vercel`]: ['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'],
  [`${R}databricks`]: ['dapi'],
  [`${R}docker`]: ['dckr_pat_'],
  [`${R}figma`]: ['figd_'],
  [`${R}cloudflare`]: ['cfk_', 'cfut_', 'cfat_'],
  [`${R}tailscale`]: ['tskey-'],
};

/**
 * The preset's comment filter ignores findings after a `secretlint-disable…` directive in
 * the text. Here the text is what a destination or a tool sent back, so a directive in it
 * would let that sender switch DLP off: the scan never runs this rule (secretlint.ts).
 */
export const COMMENT_FILTER_RULE = `${R}filter-comments`;

const literals = [...new Set(Object.values(RULE_LITERALS).flat())];
const filter = new LiteralFilter(literals);

/**
 * The installed preset's version, read at run time where the preset itself is loaded from
 * (main's build keeps dependencies external; an ES-module JSON import would need an import
 * attribute there). Unreadable: undefined, and the prefilter is off.
 */
function installedPresetVersion(): string | undefined {
  try {
    const pkg: unknown = createRequire(import.meta.url)('@secretlint/secretlint-rule-preset-recommend/package.json');
    return typeof pkg === 'object' && pkg !== null && typeof (pkg as { version?: unknown }).version === 'string' ? (pkg as { version: string }).version : undefined;
  } catch {
    return undefined;
  }
}

export const INSTALLED_PRESET_VERSION = installedPresetVersion();
const enabled = INSTALLED_PRESET_VERSION === PRESET_VERSION;

/**
 * The rule ids that may report on `text` (and every rule not in the table), or null:
 * the prefilter is off (another preset version), run every rule.
 */
export function rulesThatMayReport(text: string): ((ruleId: string) => boolean) | null {
  if (!enabled) return null;
  const may = filter.mayOccur(text);
  const present = new Set(literals.filter((_, i) => may[i]));
  return (ruleId) => {
    const needs = RULE_LITERALS[ruleId];
    return needs === undefined || needs.some((l) => present.has(l));
  };
}
