/** Organisation policy: signature verification, layering, and the decisions the engine, gateway and sync call. */
export * from './signature';
export * from './effective';
export * from './unlock';
export * from './session';
export * from './gateway';
export { parseDestination, matchesPattern } from './destinations';
export { forbiddenByPolicy } from './rule-error';
export * from './holder';
