/**
 * The fast path for one JSON line of an export that is an audit record: what every
 * verification of a file does per line. Strict parsing (strict-json.ts) is JSON.parse
 * then a per-character scan for repeated member names, and the schema check is zod;
 * here the parsed value goes through the compiled schema (fast-schema.ts), and repeated
 * names are ruled out by counting: a text holding exactly as many member names as the
 * accepted value has members repeats none. The accepted value nests only as deep as
 * the record schema (no arrays), far below MAX_JSON_DEPTH.
 *
 * undefined is "not sure", never a refusal: the caller then runs the strict parser and
 * the schema, which decide and name the reason, so the verdict on any line is the same
 * as without this path.
 */
import { memberNameCount } from '../../shared/encoding/strict-json';
import { fastAuditRecord, type AuditRecord } from './record';

export function fastRecordLine(text: string): AuditRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const count = { members: 0 };
  const record = fastAuditRecord(value, count);
  return record !== undefined && memberNameCount(text) === count.members ? record : undefined;
}
