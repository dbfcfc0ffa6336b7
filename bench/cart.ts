/**
 * Yjs vs Automerge for the cart workload, side by side: local operations per second, bytes on the
 * wire per operation, time to merge a remote update, document size after 1k and 10k operations
 * (with and without server-side normalization), and load time of a 10k-operation document.
 *
 *   node --import tsx bench/cart.ts
 */

import { type CartBackend, type CartReplica, compactCart, yjsBackend } from '@shopsync/core';
import { automergeBackend } from '@shopsync/core/cart/automerge';
import { fmt, progress, table } from './lib/stats.js';

const LINES = 20;
const backends: CartBackend[] = [yjsBackend, automergeBackend];

/** Deterministic workload: 50% add +1, 30% set 1-5, 20% remove, over 20 products. */
function workload(count: number, seed = 42): ((r: CartReplica) => void)[] {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  return Array.from({ length: count }, () => {
    const p = `product-${Math.floor(rand() * LINES)}`;
    const x = rand();
    if (x < 0.5) return (r) => r.cart.add(p, 1);
    const q = 1 + Math.floor(rand() * 5);
    if (x < 0.8) return (r) => r.cart.setQuantity(p, q);
    return (r) => r.cart.remove(p);
  });
}

function run(backend: CartBackend, ops: number, normalizeEvery = 0) {
  const replica = backend.create();
  let wire = 0;
  replica.onLocalUpdate((u) => {
    wire += u.length;
  });
  const work = workload(ops);
  const started = performance.now();
  work.forEach((op, i) => {
    op(replica);
    if (normalizeEvery && (i + 1) % normalizeEvery === 0) compactCart(replica.cart, { maxEntriesPerLine: 1 });
    if (i % 2000 === 0)
      progress(`${backend.name} ${ops} ops${normalizeEvery ? ' (normalized)' : ''}`, i, ops);
  });
  const ms = performance.now() - started;
  progress(`${backend.name} ${ops} ops${normalizeEvery ? ' (normalized)' : ''}`, ops, ops);
  return { replica, opsPerSecond: (ops / ms) * 1000, bytesPerOp: wire / ops, size: replica.size() };
}

function mergeTime(backend: CartBackend): number {
  // A device with 1k operations of history receives one remote add.
  const local = run(backend, 1000).replica;
  const remote = backend.create();
  remote.apply(local.encodeState());
  const updates: Uint8Array[] = [];
  remote.onLocalUpdate((u) => updates.push(u));
  const rounds = 200;
  for (let i = 0; i < rounds; i++) remote.cart.add(`product-${i % LINES}`, 1);
  const started = performance.now();
  for (const u of updates) local.apply(u);
  return (performance.now() - started) / rounds;
}

function loadTime(backend: CartBackend, state: Uint8Array): number {
  const rounds = 5;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    const fresh = backend.create();
    fresh.apply(state);
    fresh.cart.lines();
  }
  return (performance.now() - started) / rounds;
}

const rows: Record<string, number>[] = [];
for (const backend of backends) {
  const small = run(backend, 1000);
  const big = run(backend, 10_000);
  const normalized = run(backend, 10_000, 100);
  rows.push({
    opsPerSecond: big.opsPerSecond,
    bytesPerOp: big.bytesPerOp,
    mergeMs: mergeTime(backend),
    size1k: small.size,
    size10k: big.size,
    size10kNormalized: normalized.size,
    load10kMs: loadTime(backend, big.replica.encodeState()),
  });
}
const [y, a] = rows as [Record<string, number>, Record<string, number>];
const better = (key: string, higherIsBetter: boolean) =>
  `${fmt(higherIsBetter ? y[key]! / a[key]! : a[key]! / y[key]!)}x`;
console.log('\ncart workload: 20 lines; 50% add, 30% set, 20% remove');
console.log(
  table(
    ['measure', 'yjs', 'automerge', 'yjs advantage'],
    [
      ['local ops/s (10k ops)', y.opsPerSecond!, a.opsPerSecond!, better('opsPerSecond', true)],
      ['wire bytes per op', y.bytesPerOp!, a.bytesPerOp!, better('bytesPerOp', false)],
      ['merge one remote update (ms)', y.mergeMs!, a.mergeMs!, better('mergeMs', false)],
      ['doc bytes after 1k ops', y.size1k!, a.size1k!, better('size1k', false)],
      ['doc bytes after 10k ops', y.size10k!, a.size10k!, better('size10k', false)],
      [
        'doc bytes after 10k ops, normalized every 100',
        y.size10kNormalized!,
        a.size10kNormalized!,
        better('size10kNormalized', false),
      ],
      ['load a 10k-op doc (ms)', y.load10kMs!, a.load10kMs!, better('load10kMs', false)],
    ],
  ),
);
