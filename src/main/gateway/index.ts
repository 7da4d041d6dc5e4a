/** The agent gateway (MCP). See docs/gateway.md. */
export { createGateway, type Gateway, type GatewayOptions } from './gateway';
export type { AuditSink, CredentialSource, GatewayStore, Notifier } from './ports';
export { createFileGatewayStore, createMemoryGatewayStore } from './store';
export { loadOrCreateTokenKey } from './tokens';
export { createEngineAuditSink, createEngineCredentialSource } from './engine-adapter';
export { serveGatewayUi } from './serve-ui';
