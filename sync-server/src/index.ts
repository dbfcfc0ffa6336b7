export { clientAddress, listeningUrl } from './address.js';
export {
  Checkpointer,
  type CheckpointerOptions,
  type CheckpointResult,
  MAIN_CHECKPOINT_PAGES,
} from './checkpointer.js';
export { DataDirInUse, type DataDirLock, lockDataDir, privateDir } from './data-lock.js';
export { LIMIT_RANGES, LOG_LEVELS, MAX_DOCUMENT_BYTES } from './limits.js';
export { createMetrics, metricsAllowed, type SyncMetrics } from './metrics.js';
export { MESSAGE_AWARENESS, MESSAGE_SAVED, MESSAGE_SYNC } from './protocol.js';
export {
  type AuthDecision,
  createSyncServer,
  DOC_NAME,
  isSyncPath,
  type Logger,
  NOT_UPGRADED,
  NotSavedYet,
  type SyncLimits,
  type SyncServer,
  type SyncServerOptions,
} from './server.js';
export { type DocumentStorage, SqliteDocumentStorage, TOUCH_SLACK_MS, type UsedCursor } from './storage.js';
export { bearerToken, createSyncToken, type SyncClaims, sameSecret, verifySyncToken } from './tokens.js';
export { CART_MAP, flatMapUpdates, MAX_ITEMS_PER_KEY, type UpdateCheck } from './update-check.js';
