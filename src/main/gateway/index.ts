/** The agent gateway (MCP). See docs/gateway.md. */
export { createGateway, type Gateway, type GatewayDeps, type GatewayOptions, type GatewayListener } from './gateway';
export type { AuditSink, CredentialSource, GatewayStore, Notifier, PolicySource } from './ports';
export { createFileGatewayStore, createMemoryGatewayStore } from './store';
export { loadOrCreateTokenKey } from './tokens';
export { DEFAULT_GATEWAY_PORT, MCP_PATH } from './http-server';
export { defaultSocketPath } from './bridge-protocol';
export { createEngineAuditSink, createEngineCredentialSource } from './engine-adapter';
export { downstreamServerSchema, type DownstreamServerConfig } from './downstream/config';
export { serveGatewayUi } from './serve-ui';
