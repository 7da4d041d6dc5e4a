export { parseReference, formatReference, encodeReferencePart, REFERENCE_SCHEME, type SecretReference } from './reference';
export { templateSlots, fillTemplate, parseEnvFile, parseEnvArg, type TemplateSlot } from './template';
export { pickByIdOrName, resolveReference } from './resolve';
