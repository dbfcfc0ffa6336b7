/**
 * Yjs vs Automerge for the cart workload, side by side: local operations per second, bytes on the
 * wire per operation, time to merge a remote update, document size after 1k and 10k operations,
 * load time of a 10k-operation document; then how the documents grow over 10k operations on a
 * 20-line cart under each compaction strategy (none, normalize everything, the idle policy,
 * Yjs without gc, and a rebase onto a fresh document holding only the live entries).
 *
 *   node --import tsx bench/cart.ts
 */

import * as A from '@automerge/automerge';
import {
  type CartBackend,
  type CartDocument,
  type CartReplica,
  compactCart,
  YjsCart,
  yjsBackend,
} from '@shopsync/core';
import { AutomergeCart, automergeBackend } from '@shopsync/core/cart/automerge';
import * as Y from 'yjs';
import { fmt, progress, table } from './lib/stats.js';

const LINES = 20;
const OPS = 10_000;

/** Deterministic workload: 50% add +1, 30% set 1-5, 20% remove, over 20 products. */
function workload(count: number, seed = 42): ((cart: CartDocument) => void)[] {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  return Array.from({ length: count }, () => {
    const p = `product-${Math.floor(rand() * LINES)}`;
    const x = rand();
    if (x < 0.5) return (c) => c.add(p, 1);
    const q = 1 + Math.floor(rand() * 5);
    if (x < 0.8) return (c) => c.setQuantity(p, q);
    return (c) => c.remove(p);
  });
}

interface Strategy {
  label: string;
  /** Runs after every operation i (0-based); compacts when it decides to. */
  after?: (cart: CartDocument, i: number) => void;
}
const NONE: Strategy = { label: 'no normalization' };
const NORMALIZE_ALL: Strategy = {
  label: 'normalize every line every 100 ops',
  after: (c, i) => (i + 1) % 100 === 0 && compactCart(c, { maxEntriesPerLine: 1 }),
};
const IDLE_POLICY: Strategy = {
  label: 'idle policy: lines over 8 entries, every 500 ops',
  after: (c, i) => (i + 1) % 500 === 0 && compactCart(c),
};

function drive(backend: CartBackend, replica: CartReplica, strategy: Strategy) {
  let wire = 0;
  replica.onLocalUpdate((u) => {
    wire += u.length;
  });
  const work = workload(OPS);
  const label = `${backend.name}: ${strategy.label}`;
  let size1k = 0;
  let busyMs = 0;
  for (let i = 0; i < work.length; i++) {
    const started = performance.now();
    work[i]!(replica.cart);
    busyMs += performance.now() - started;
    strategy.after?.(replica.cart, i);
    if (i + 1 === 1000) size1k = replica.size();
    if (i % 1000 === 0) progress(label, i, OPS);
  }
  progress(label, OPS, OPS);
  return {
    replica,
    opsPerSecond: (OPS / busyMs) * 1000,
    bytesPerOp: wire / OPS,
    wireTotal: wire,
    size1k,
    size10k: replica.size(),
    liveEntries: replica.cart.entries().size,
  };
}

/** A device loaded from the big document sends adds; the big replica merges them one by one. */
function mergeMs(backend: CartBackend, big: CartReplica): number {
  const remote = backend.create();
  remote.apply(big.encodeState());
  const updates: Uint8Array[] = [];
  remote.onLocalUpdate((u) => updates.push(u));
  for (let i = 0; i < 200; i++) remote.cart.add(`product-${i % LINES}`, 1);
  const started = performance.now();
  for (const u of updates) big.apply(u);
  return (performance.now() - started) / updates.length;
}

function loadMs(backend: CartBackend, state: Uint8Array): number {
  const rounds = 5;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    const fresh = backend.create();
    fresh.apply(state);
    fresh.cart.lines();
  }
  return (performance.now() - started) / rounds;
}

/** The size of a fresh document holding only the live entries: what a rebase (new epoch) gives. */
function rebasedSize(backend: CartBackend, cart: CartDocument): number {
  if (backend === yjsBackend) {
    const fresh = new YjsCart(new Y.Doc());
    fresh.insertEntries(cart.entries());
    return Y.encodeStateAsUpdate(fresh.doc).length;
  }
  const fresh = new AutomergeCart();
  fresh.insertEntries(cart.entries());
  return A.save(fresh.doc).length;
}

/** Yjs with garbage collection off keeps deleted entry contents: what gc saves. */
function yjsWithoutGc(): number {
  const cart = new YjsCart(new Y.Doc({ gc: false }));
  for (const op of workload(OPS)) op(cart);
  return Y.encodeStateAsUpdate(cart.doc).length;
}

type Row = Record<string, number>;
const perf: Row[] = [];
const growth: Row[] = [];
for (const backend of [yjsBackend, automergeBackend]) {
  const plain = drive(backend, backend.create(), NONE);
  const normalized = drive(backend, backend.create(), NORMALIZE_ALL);
  const idle = drive(backend, backend.create(), IDLE_POLICY);
  const state = plain.replica.encodeState();
  // Before mergeMs, which adds 200 remote entries to the plain replica.
  const rebased = rebasedSize(backend, plain.replica.cart);
  perf.push({
    opsPerSecond: plain.opsPerSecond,
    bytesPerOp: plain.bytesPerOp,
    mergeMs: mergeMs(backend, plain.replica),
    size1k: plain.size1k,
    size10k: plain.size10k,
    load10kMs: loadMs(backend, state),
  });
  growth.push({
    plain: plain.size10k,
    plainLive: plain.liveEntries,
    log: plain.wireTotal,
    normalized: normalized.size10k,
    normalizedLive: normalized.liveEntries,
    idle: idle.size10k,
    idleLive: idle.liveEntries,
    rebased,
  });
}
const noGc = yjsWithoutGc();

const [y, a] = perf as [Row, Row];
const adv = (key: string, higherIsBetter: boolean) =>
  `${fmt(higherIsBetter ? y[key]! / a[key]! : a[key]! / y[key]!)}x`;
console.log(`\ncart workload: ${LINES} lines; 50% add, 30% set, 20% remove; ${OPS} operations`);
console.log(
  table(
    ['measure', 'yjs', 'automerge', 'yjs advantage'],
    [
      ['local ops/s', y.opsPerSecond!, a.opsPerSecond!, adv('opsPerSecond', true)],
      ['wire bytes per op', y.bytesPerOp!, a.bytesPerOp!, adv('bytesPerOp', false)],
      ['merge one remote update into a 10k-op doc (ms)', y.mergeMs!, a.mergeMs!, adv('mergeMs', false)],
      ['doc bytes after 1k ops', y.size1k!, a.size1k!, adv('size1k', false)],
      ['doc bytes after 10k ops', y.size10k!, a.size10k!, adv('size10k', false)],
      ['load a 10k-op doc (ms)', y.load10kMs!, a.load10kMs!, adv('load10kMs', false)],
    ],
  ),
);

const [gy, ga] = growth as [Row, Row];
const kb = (n: number) => `${fmt(n / 1024)} KB`;
const count = (n: number) => String(n);
console.log('\ndocument growth over 10k operations (encoded size; live entries after the run)');
console.log(
  table(
    ['strategy', 'yjs', 'yjs live', 'automerge', 'automerge live'],
    [
      [NONE.label, kb(gy.plain!), count(gy.plainLive!), kb(ga.plain!), count(ga.plainLive!)],
      [
        NORMALIZE_ALL.label,
        kb(gy.normalized!),
        count(gy.normalizedLive!),
        kb(ga.normalized!),
        count(ga.normalizedLive!),
      ],
      [IDLE_POLICY.label, kb(gy.idle!), count(gy.idleLive!), kb(ga.idle!), count(ga.idleLive!)],
      ['yjs with gc off (no normalization)', kb(noGc), count(gy.plainLive!), 'n/a', 'n/a'],
      ['update log: sum of every update sent', kb(gy.log!), '', kb(ga.log!), ''],
      [
        'rebase: fresh doc with the live entries',
        kb(gy.rebased!),
        count(gy.plainLive!),
        kb(ga.rebased!),
        count(ga.plainLive!),
      ],
    ],
  ),
);
