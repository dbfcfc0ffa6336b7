export * from './entry.js';
export type * from './types.js';
export { LINES_KEY, mergeYjsCart, YjsCart } from './yjs.js';
