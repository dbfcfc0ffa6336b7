import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { automergeBackend } from '../src/cart/automerge.js';
import type { CartBackend, CartReplica } from '../src/cart/replica.js';
import { referenceBackend, yjsBackend } from '../src/index.js';
import { syncAll } from './exchange.js';

const products = ['a', 'b', 'c'];
const replicaCount = fc.integer({ min: 2, max: 5 });

type Command =
  | { op: 'add'; r: number; p: number; n: number }
  | { op: 'set'; r: number; p: number; q: number }
  | { op: 'remove'; r: number; p: number }
  | { op: 'normalize'; r: number; p: number }
  | { op: 'clear'; r: number }
  | { op: 'clearLine'; r: number; p: number }
  | { op: 'send'; from: number; to: number }
  | { op: 'deliver'; i: number; keep: boolean };

const r = fc.nat(4);
const p = fc.nat(products.length - 1);
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    arbitrary: fc.record({ op: fc.constant('add' as const), r, p, n: fc.integer({ min: 1, max: 3 }) }),
    weight: 4,
  },
  {
    arbitrary: fc.record({ op: fc.constant('set' as const), r, p, q: fc.integer({ min: 0, max: 12 }) }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant('remove' as const), r, p }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('normalize' as const), r, p }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('clear' as const), r }), weight: 1 },
  // clear(observed) of one line's tags, as checkout removes the entries it ordered.
  { arbitrary: fc.record({ op: fc.constant('clearLine' as const), r, p }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('send' as const), from: r, to: r }), weight: 4 },
  // Delivery in any order; `keep` leaves the message in flight so it arrives again (a duplicate).
  {
    arbitrary: fc.record({ op: fc.constant('deliver' as const), i: fc.nat(50), keep: fc.boolean() }),
    weight: 4,
  },
);

/** Replicas whose tags and clocks are deterministic, so a backend and the reference mint the same tags. */
function replicas(backend: CartBackend, n: number): CartReplica[] {
  return Array.from({ length: n }, (_, i) => {
    let c = 0;
    return backend.create({ newTag: () => `r${i}-${++c}`, now: () => 0 });
  });
}

function local(replica: CartReplica, cmd: Command): void {
  const product = 'p' in cmd ? products[cmd.p]! : '';
  if (cmd.op === 'add') replica.cart.add(product, cmd.n);
  else if (cmd.op === 'set') replica.cart.setQuantity(product, cmd.q);
  else if (cmd.op === 'remove') replica.cart.remove(product);
  else if (cmd.op === 'normalize') replica.cart.normalize(product);
  else if (cmd.op === 'clear') replica.cart.clear();
  else if (cmd.op === 'clearLine')
    replica.cart.clear(replica.cart.lines().find((l) => l.productId === product)?.tags ?? []);
}

const snapshot = (rs: CartReplica[]) =>
  rs.map((x) => ({ lines: x.cart.lines(), entries: [...x.cart.entries()].sort() }));

for (const backend of [yjsBackend, automergeBackend]) {
  describe(`${backend.name} cart properties`, () => {
    it('matches the reference OR-set under partitions, reordering, delays and duplicates', () => {
      fc.assert(
        fc.property(replicaCount, fc.array(command, { maxLength: 60 }), (n, commands) => {
          const real = replicas(backend, n);
          const model = replicas(referenceBackend, n);
          const inFlight: { to: number; real: Uint8Array; model: Uint8Array }[] = [];
          for (const cmd of commands) {
            if (cmd.op === 'send') {
              const [from, to] = [cmd.from % n, cmd.to % n];
              if (from !== to)
                inFlight.push({ to, real: real[from]!.encodeState(), model: model[from]!.encodeState() });
            } else if (cmd.op === 'deliver') {
              if (inFlight.length === 0) continue;
              const i = cmd.i % inFlight.length;
              const m = inFlight[i]!;
              if (!cmd.keep) inFlight.splice(i, 1);
              real[m.to]!.apply(m.real);
              model[m.to]!.apply(m.model);
            } else {
              local(real[cmd.r % n]!, cmd);
              local(model[cmd.r % n]!, cmd);
            }
          }
          syncAll(...real);
          syncAll(...model);
          const result = snapshot(real);
          for (const s of result) expect(s).toEqual(result[0]);
          expect(result[0]).toEqual(snapshot(model)[0]);
        }),
        { numRuns: 150 },
      );
    });

    it('converges from incremental updates delivered out of order and more than once', () => {
      fc.assert(
        fc.property(
          replicaCount,
          fc.array(command, { maxLength: 50 }),
          fc.array(fc.nat(1000), { minLength: 1, maxLength: 20 }),
          (n, commands, shuffle) => {
            const rs = replicas(backend, n);
            const inFlight: { to: number; update: Uint8Array }[] = [];
            rs.forEach((replica, from) => {
              replica.onLocalUpdate((update) => {
                for (let to = 0; to < n; to++) if (to !== from) inFlight.push({ to, update });
              });
            });
            for (const cmd of commands) {
              if (cmd.op === 'send') continue;
              if (cmd.op === 'deliver') {
                if (inFlight.length === 0) continue;
                const i = cmd.i % inFlight.length;
                const m = inFlight[i]!;
                if (!cmd.keep) inFlight.splice(i, 1);
                rs[m.to]!.apply(m.update);
              } else local(rs[cmd.r % n]!, cmd);
            }
            // Everything left arrives, in a scrambled order.
            let k = 0;
            while (inFlight.length) {
              const m = inFlight.splice(shuffle[k++ % shuffle.length]! % inFlight.length, 1)[0]!;
              rs[m.to]!.apply(m.update);
            }
            const result = snapshot(rs);
            for (const s of result) expect(s).toEqual(result[0]);
          },
        ),
        { numRuns: 100 },
      );
    });

    it('never changes a quantity when several replicas normalize at once', () => {
      fc.assert(
        fc.property(
          replicaCount,
          fc.array(command, { maxLength: 40 }),
          p,
          fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
          (n, commands, which, normalizers) => {
            const rs = replicas(backend, n);
            for (const cmd of commands)
              if (cmd.op !== 'send' && cmd.op !== 'deliver') local(rs[cmd.r % n]!, cmd);
            syncAll(...rs);
            const before = products.map((x) => rs[0]!.cart.quantity(x));
            rs.forEach((replica, i) => {
              if (normalizers[i]) replica.cart.normalize(products[which]!);
            });
            syncAll(...rs);
            for (const replica of rs) expect(products.map((x) => replica.cart.quantity(x))).toEqual(before);
          },
        ),
        { numRuns: 100 },
      );
    });
  });
}
