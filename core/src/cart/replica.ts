import type { CartDocument, CartOptions } from './types.js';

/**
 * A cart document with its way of talking to other replicas: what a backend must offer to be
 * held to the conformance suite and compared in the benchmarks.
 */
export interface CartReplica {
  readonly cart: CartDocument;
  /** The whole state, for state-based exchange (idempotent, commutative merges). */
  encodeState(): Uint8Array;
  /** Merges a state or an update from another replica. */
  apply(message: Uint8Array): void;
  /** Incremental updates this replica produces from its own operations. */
  onLocalUpdate(listener: (update: Uint8Array) => void): void;
  /** Writes a raw value under a tag, bypassing validation (a buggy or hostile client). */
  writeRaw(tag: string, value: unknown): void;
  /** Encoded size of the whole document in bytes. */
  size(): number;
}

export interface CartBackend {
  readonly name: string;
  create(options?: CartOptions): CartReplica;
}
