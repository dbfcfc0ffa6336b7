export { type CompactionPolicy, compactCart, compactLine } from './compaction.js';
export * from './entry.js';
export { mergeCarts } from './merge.js';
export { type CarriedOver, carryOver, rebaseCart } from './rebase.js';
export { ReferenceCart, referenceBackend } from './reference.js';
export type * from './replica.js';
export type * from './types.js';
export { LINES_KEY, mergeYjsCart, YjsCart, yjsBackend } from './yjs.js';
// The Automerge backend loads WebAssembly; import it from '@shopsync/core/cart/automerge'.
