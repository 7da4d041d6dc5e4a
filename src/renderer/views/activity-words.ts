/**
 * Plain words for the signed audit log's vocabulary (src/shared/contracts/audit-event.ts),
 * as the Activity page shows them. A word this build does not know (a newer writer's,
 * or a format v1 record's free token) is shown with its underscores as spaces rather
 * than hidden: the record says it, so the page says it.
 */
import type { AuditEntry } from '../../shared/contracts/engine-audit';

const ACTIONS: Record<AuditEntry['action'], string> = {
  'vault.create': 'Created the vault',
  'vault.unlock': 'Unlocked the vault',
  'vault.lock': 'Locked the vault',
  'vault.change_password': 'Changed the password',
  'vault.rotate_key': 'Replaced the vault key',
  'slot.add': 'Added a way to unlock',
  'slot.remove': 'Removed a way to unlock',
  'item.create': 'Added an item',
  'item.update': 'Changed an item',
  'item.delete': 'Deleted an item',
  'item.reveal': 'Showed a hidden value',
  'item.copy': 'Copied a hidden value',
  'item.release': 'Handed a credential to the gateway',
  'credential.use': 'Used a credential',
  'agent.pair': 'Paired an agent',
  'agent.revoke': 'Revoked an agent',
  'agent.restore': 'Let a stopped agent work again',
  'agent.remove': 'Removed a revoked agent',
  'policy.load': 'Applied the policy',
  'vault.import': 'Imported items',
  'vault.export': 'Exported the vault',
  'vault.break_glass': 'Your organisation gave this vault a new way in (break-glass recovery)',
  'device.enrol': 'Enrolled a device',
  'device.revoke': 'Revoked a device',
  'policy.change': 'The policy file changed',
  'audit.export': 'Exported the audit log',
  'approval_key.add': 'Enrolled a security key to approve agent requests',
  'alert.raised': 'Raised an alert about unusual use',
  'mcp_server.add': 'Connected an MCP server',
  'mcp_server.update': 'Changed a connected MCP server',
  'mcp_server.remove': 'Removed a connected MCP server',
};

const REASONS: Record<string, string> = {
  always: 'allowed always',
  session: 'allowed for this session',
  approved_once: 'you approved it once',
  approved_session: 'you approved it for the session',
  approved_always: 'you approved it for good',
  approval_denied: 'you said no',
  approval_timeout: 'nobody answered in time',
  grant_denied: 'the agent has no grant for it',
  destination_refused: 'the address is not one the credential may go to',
  audit_unavailable: 'it could not be recorded',
  upstream_failed: 'the service could not be reached',
  vault_locked: 'the vault was locked',
  policy_forbidden: 'the policy forbids it',
  user: 'by you',
  idle: 'after being left idle',
  external: 'by the system',
  password: 'with the password',
  hardware_key: 'with a security key',
  recovery_code: 'with the recovery code',
  org_recovery: "for your organisation's recovery",
  wrong_password: 'wrong password',
  wrong_recovery_code: 'wrong recovery code',
  initial: 'at start',
  file: 'from a file',
  reload: 'reloaded',
  settings: 'from the settings',
  // A grant "Never" hides the credential from the agent, so its name finds nothing.
  not_found: 'the agent may not use a credential of that name',
  invalid_input: 'the request was not valid',
  rate_limited: 'too many requests in a short time',
  timeout: 'it took too long',
  cancelled: 'it was cancelled',
  internal: 'something went wrong inside Latchkey',
  forbidden: 'it is not allowed',
  unauthorized: 'the caller was not recognised',
  integrity: 'stored data failed its integrity check',
  echo_detected: 'the service sent the credential back, so the answer was withheld',
  canary_tripped: 'a canary credential was touched',
  budget_exceeded: 'it was beyond the budget of that grant',
  fido_no_touch: 'the security key was not touched',
  fido_pin_invalid: 'wrong security key PIN',
  fido_removed: 'the security key was removed',
  device_revoked: 'this device was removed from the organisation',
  access_disabled: 'your organisation turned off your access',
  audit_rejected: 'the server refused the record',
  policy_invalid: 'the policy file is not valid',
  unsigned: 'the policy file is not signed',
  bad_signature: 'the policy signature does not match',
  rolled_back: 'an older policy was offered',
  trashed: 'moved to the trash',
  purged: 'deleted for good',
  expired: 'deleted for good after 30 days in the trash',
  restored: 'restored from the trash',
  version_restored: 'an earlier version was restored',
  previous_version: 'an earlier value',
};

const TOOLS: Record<string, string> = {
  http_request: 'HTTP request',
  run_command: 'command',
  list_credentials: 'listing credentials',
  downstream: 'tool of a connected server',
};

const spaced = (w: string): string => w.replace(/_/g, ' ');

export function actionWords(e: AuditEntry): string {
  return ACTIONS[e.action] ?? spaced(e.action);
}

export function outcomeWords(e: AuditEntry): string {
  const head = e.outcome === 'success' ? (e.action === 'credential.use' ? 'Allowed' : 'Done') : e.outcome === 'denied' ? 'Refused' : 'Failed';
  return e.reason === undefined ? head : `${head}: ${REASONS[e.reason] ?? spaced(e.reason)}`;
}

export function toolWords(tool: string): string {
  return TOOLS[tool] ?? spaced(tool);
}
