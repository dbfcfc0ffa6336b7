export * from './accounts.js';
export * from './cart/index.js';
export * from './catalog.js';
export type * from './errors.js';
export * from './money.js';
export * from './orders.js';
