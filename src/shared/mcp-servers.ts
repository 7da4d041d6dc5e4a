/**
 * Connected MCP servers as the vault stores them (docs/vault-format.md §6 "settings",
 * `mcpServers`): inside the encrypted settings record, so they sync with the vault and
 * are never readable outside it. A server names the credentials it gets by ITEM ID only:
 * the config never holds a secret, and editing the item (a rotated token) changes what
 * the server gets without touching the config.
 */
import { z } from 'zod';
import { itemIdSchema } from './items';

/** The audit record's `server` member and the `<server>__<tool>` namespace both need this shape. */
export const mcpServerNameSchema = z.string().regex(/^[A-Za-z0-9-]{1,32}$/, '1 to 32 letters, digits or dashes');

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name (letters, digits, _; not starting with a digit)');
const headerName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP header name');

export const mcpServerTransportSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('stdio'),
    command: z.string().min(1).max(1024),
    args: z.array(z.string().max(8192)).max(256),
  }),
  z.strictObject({
    type: z.literal('http'),
    /** The server's streamable HTTP endpoint. */
    url: z
      .string()
      .max(2048)
      .regex(/^https?:\/\/[^/?#\s]+/, 'an http:// or https:// URL'),
  }),
]);

/**
 * One credential for the server: stdio puts the item's secret in environment variable
 * `env`; HTTP sends it in header `header` (the value as is), or, without `header`, by the
 * item's own injection rule. Either way only to a URL the item's destination rules allow.
 */
export const mcpServerCredentialSchema = z.strictObject({
  itemId: itemIdSchema,
  env: envName.optional(),
  header: headerName.optional(),
});

export const mcpServerConfigSchema = z
  .strictObject({
    name: mcpServerNameSchema,
    transport: mcpServerTransportSchema,
    credentials: z.array(mcpServerCredentialSchema).max(16),
  })
  .superRefine((s, ctx) => {
    s.credentials.forEach((c, i) => {
      if (s.transport.type === 'stdio' && (c.env === undefined || c.header !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['credentials', i, 'env'], message: 'a command-line server gets each credential in an environment variable: name one' });
      }
      if (s.transport.type === 'http' && c.env !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['credentials', i, 'env'], message: 'an HTTP server gets credentials in headers, not environment variables' });
      }
    });
    const envs = s.credentials.map((c) => c.env ?? c.header?.toLowerCase()).filter((x) => x !== undefined);
    if (new Set(envs).size !== envs.length) ctx.addIssue({ code: 'custom', path: ['credentials'], message: 'two credentials go into the same variable or header' });
  });
export type McpServerConfig = z.infer<typeof mcpServerConfigSchema>;

export const MCP_SERVERS_FORMAT = 1;
export const MAX_MCP_SERVERS = 32;

/** The settings member: versioned on its own, so a later shape can be told apart. */
export const mcpServersSettingSchema = z
  .strictObject({
    v: z.literal(MCP_SERVERS_FORMAT),
    servers: z.array(mcpServerConfigSchema).max(MAX_MCP_SERVERS),
  })
  .refine((m) => new Set(m.servers.map((s) => s.name.toLowerCase())).size === m.servers.length, {
    error: 'two connected MCP servers have the same name',
    path: ['servers'],
  });
