/**
 * One MCP server instance bound to one authenticated agent (per HTTP request in
 * stateless mode, per socket connection for the stdio bridge). Uses the SDK's low-level
 * Server so the tool list and argument parsing stay ours (zod, before anything runs).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { callTool, listTools, type DispatchDeps } from './dispatch';
import type { AuthenticatedAgent } from './registry';

export const SERVER_INFO = { name: 'latchkey', version: '0.1.0' } as const;

const INSTRUCTIONS =
  "Latchkey holds the person's API credentials. Call list_credentials to see which you may use, then http_request with the credential's name: " +
  'Latchkey adds the secret and returns the response with secrets redacted. A call may wait for the person to approve it.';

/**
 * One for every server instance: without it the SDK builds a new Ajv (with all its
 * formats) per instance, i.e. per HTTP request — about a quarter of a millisecond of
 * every call. The SDK uses it only to check elicitation answers, which we never ask for.
 */
const sharedValidator = new AjvJsonSchemaValidator();

export function createAgentMcpServer(deps: DispatchDeps, agent: AuthenticatedAgent): Server {
  const server = new Server(SERVER_INFO, { capabilities: { tools: {} }, instructions: INSTRUCTIONS, jsonSchemaValidator: sharedValidator });
  server.setRequestHandler(ListToolsRequestSchema, async (_req, extra) => ({ tools: await listTools(deps, agent, extra.signal) }));
  server.setRequestHandler(CallToolRequestSchema, (req, extra) => callTool(deps, agent, req.params.name, req.params.arguments, extra.signal));
  return server;
}
