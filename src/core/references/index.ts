export { parseReference, formatReference, type SecretReference } from './reference';
export { templateSlots, fillTemplate, parseEnvFile, parseEnvArg } from './template';
export { resolveReference } from './resolve';
