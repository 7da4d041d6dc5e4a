/**
 * Argument schemas of the gateway's own tools. Every call's arguments are parsed with
 * these BEFORE anything else runs (no policy lookup, no vault access on bad input).
 * The JSON Schemas agents see are generated from the same objects.
 */
import { z } from 'zod';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Header names and values exactly as Node's http accepts them (validateHeaderName /
 * validateHeaderValue: an RFC 9110 token; tab, visible ASCII, space and Latin-1
 * 0x80–0xFF). Checked here, before approval and before the secret is fetched: a value
 * Node refuses would otherwise fail inside the send, after the person said yes.
 * A test compares these with Node's own functions over every code point.
 */
export const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
export const HEADER_VALUE_PATTERN = /^[\t\x20-\x7e\x80-\xff]*$/;
const headerName = z.string().min(1).max(128).regex(HEADER_NAME_PATTERN, "an HTTP header name (letters, digits and !#$%&'*+.^_`|~- only)");
const headerValue = z
  .string()
  .max(8192)
  .regex(HEADER_VALUE_PATTERN, 'header values may hold only Latin-1 text (no line breaks, no control characters, nothing beyond U+00FF); percent-encode or base64 anything else');

export const listCredentialsArgs = z.strictObject({});

export const httpRequestArgs = z.strictObject({
  credential: z.string().min(1).max(256).describe('Name of the credential, as returned by list_credentials.'),
  method: z.enum(HTTP_METHODS).default('GET'),
  url: z.string().min(1).max(8192).describe("Absolute http(s) URL at one of the credential's allowed origins."),
  headers: z.record(headerName, headerValue).optional().describe('Extra request headers (not the credential: Latchkey adds it).'),
  body: z
    .string()
    .max(1024 * 1024)
    .optional(),
  bodyEncoding: z.enum(['utf8', 'base64']).default('utf8'),
});
export type HttpRequestArgs = z.infer<typeof httpRequestArgs>;

export const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name');

export const runCommandArgs = z.strictObject({
  command: z.string().min(1).max(1024).describe('Executable to run (no shell): a name on PATH or an absolute path.'),
  args: z.array(z.string().max(8192)).max(256).default([]),
  credentials: z
    .array(z.strictObject({ credential: z.string().min(1).max(256), env: envVarName }))
    .min(1)
    .max(16)
    .describe("Each named credential's secret is put in the environment variable `env`."),
  cwd: z.string().max(4096).optional(),
  timeoutMs: z.number().int().min(100).max(600_000).optional(),
  realEnv: z
    .boolean()
    .optional()
    .describe("Put the real values in the environment instead of placeholders (env mode; refused unless the organisation's policy allows it). Output is still scrubbed."),
});
export type RunCommandArgs = z.infer<typeof runCommandArgs>;

/** JSON Schema (draft 2020-12) of a tool's arguments, as MCP tools/list reports it. */
export function toolInputJsonSchema(schema: z.ZodType): { type: 'object'; [k: string]: unknown } {
  const js = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return { ...js, type: 'object' };
}
