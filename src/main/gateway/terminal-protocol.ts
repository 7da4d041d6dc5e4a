/**
 * The terminal endpoint: how `latchkey run` / `latchkey inject` reach the running app
 * (docs/references.md "From the command line"). It shares the stdio bridge's local
 * socket (bridge-protocol.ts: user-only, mode 0600 in a 0700 directory) and is told
 * apart by its hello. Both sides parse every line with these schemas.
 *
 * Wire format, version 1 — UTF-8, one JSON value per line ("\n"), each at most
 * TERMINAL_MAX_LINE_BYTES:
 *   cli -> app: {"latchkey":"cli","version":1}
 *   app -> cli: {"ok":true}  |  {"ok":false,"error":{"code":…,"message":…}} then close
 *   then requests, answered in order, one response per request:
 *   cli -> app: {"id":n,"op":"resolve","reference":"latchkey://…","purpose":"inject:<file>"|"run:<argv0>"}
 *               {"id":n,"op":"run.start","command":"<argv0>","env":[{"name":"GH","reference":"latchkey://…"}]}
 *               {"id":n,"op":"run.end"}  {"id":n,"op":"ca"}  {"id":n,"op":"policy"}
 *   app -> cli: {"id":n,"ok":true,"result":…}  |  {"id":n|null,"ok":false,"error":{…}}
 * A line that is not JSON or not a request gets an error with id null and the
 * connection stays open; a line over the limit gets one and the connection closes.
 */
import { z } from 'zod';
import { serializedErrorSchema } from '../../shared/errors';
import { effectivePolicySchema } from '../../shared/policy';

export const TERMINAL_PROTOCOL_VERSION = 1;
export const TERMINAL_MAX_LINE_BYTES = 64 * 1024;
/** A run's variables; far more than any command needs. */
export const TERMINAL_MAX_ENV = 64;

export const terminalHelloSchema = z.strictObject({ latchkey: z.literal('cli'), version: z.literal(TERMINAL_PROTOCOL_VERSION) });

const referenceText = z.string().min(1).max(2048);
/** A command's or file's base name: what the prompt and the signed record name. */
const BARE = '[^/\\\\\\u0000-\\u001f\\u007f]';
const baseName = z
  .string()
  .min(1)
  .max(255)
  .regex(new RegExp(`^${BARE}+$`), 'a bare name, without a folder');
export const purposeSchema = z.string().regex(new RegExp(`^(?:run|inject):${BARE}{1,255}$`), 'run:<command> or inject:<file name>');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name');
const id = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const terminalRequestSchema = z.discriminatedUnion('op', [
  z.strictObject({ id, op: z.literal('resolve'), reference: referenceText, purpose: purposeSchema }),
  z.strictObject({
    id,
    op: z.literal('run.start'),
    command: baseName,
    env: z
      .array(z.strictObject({ name: envName, reference: referenceText }))
      .min(1)
      .max(TERMINAL_MAX_ENV),
  }),
  z.strictObject({ id, op: z.literal('run.end') }),
  z.strictObject({ id, op: z.literal('ca') }),
  z.strictObject({ id, op: z.literal('policy') }),
]);
export type TerminalRequest = z.infer<typeof terminalRequestSchema>;

export const resolvedSchema = z.strictObject({
  itemId: z.string().max(64),
  name: z.string().max(1024),
  value: z.string().max(TERMINAL_MAX_LINE_BYTES),
  rules: z.array(z.string().max(2048)).max(256),
});
/** Proxy mode: the run's proxy lives in main; the CLI gets only what the child's environment needs. */
export const runStartedSchema = z.strictObject({
  env: z.record(envName, z.string().max(4096)),
  unset: z.array(envName).max(64),
});
export const caSchema = z.strictObject({ certPem: z.string().max(16 * 1024) });

export const RESULT_SCHEMAS = {
  resolve: resolvedSchema,
  'run.start': runStartedSchema,
  'run.end': z.strictObject({ ok: z.literal(true) }),
  ca: caSchema,
  policy: effectivePolicySchema,
} as const;

export const terminalResponseSchema = z.union([
  z.strictObject({ id, ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ id: id.nullable(), ok: z.literal(false), error: serializedErrorSchema }),
]);
