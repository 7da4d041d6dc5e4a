/** Organisation policy: signature verification, layering, and the decisions the engine, gateway and sync call. */
export * from './signature';
export * from './effective';
export * from './unlock';
export * from './session';
export * from './gateway';
export * from './holder';
export { itemAllows, itemNamesOrigin } from './destination-rules';
