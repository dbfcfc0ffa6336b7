import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { automergeBackend } from '../src/cart/automerge.js';
import type { CartBackend, CartReplica } from '../src/cart/replica.js';
import { carryOver, rebaseCart, referenceBackend, yjsBackend } from '../src/index.js';
import { syncAll } from './exchange.js';

const products = ['a', 'b', 'c'];
type Op =
  | { kind: 'add' | 'set' | 'remove'; who: number; p: number; n: number }
  | { kind: 'sync'; who: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('add' as const, 'set' as const, 'remove' as const),
    who: fc.nat(3),
    p: fc.nat(2),
    n: fc.integer({ min: 0, max: 4 }),
  }),
  fc.record({ kind: fc.constant('sync' as const), who: fc.nat(3) }),
);

function apply(r: CartReplica, o: Op): void {
  if (o.kind === 'sync') return;
  const product = products[o.p]!;
  if (o.kind === 'add') r.cart.add(product, o.n + 1);
  else if (o.kind === 'set') r.cart.setQuantity(product, o.n);
  else r.cart.remove(product);
}

/** Replicas 0 (the server) to 3; tags carry the replica and epoch so none is ever minted twice. */
function group(backend: CartBackend, epoch: string): CartReplica[] {
  return [0, 1, 2, 3].map((i) => {
    let c = 0;
    return backend.create({ newTag: () => `${epoch}${i}-${++c}`, now: () => 0 });
  });
}

const view = (r: CartReplica) => ({ lines: r.cart.lines(), entries: [...r.cart.entries()].sort() });

for (const backend of [yjsBackend, automergeBackend, referenceBackend]) {
  describe(`${backend.name}: rebase and carry-over`, () => {
    it('rebases onto a fresh document with the same live entries and tags, leaving junk behind', () => {
      const old = backend.create();
      for (let i = 0; i < 30; i++) old.cart.add('p', 1);
      old.cart.setQuantity('q', 2);
      old.writeRaw('junk', { productId: 'p', kind: 'add', qty: -1 });
      const fresh = backend.create();
      expect(rebaseCart(old.cart, fresh.cart)).toBe(31);
      expect(fresh.cart.lines()).toEqual(old.cart.lines());
      expect(fresh.cart.malformedCount()).toBe(0);
      old.cart.normalize('p');
      const smaller = backend.create();
      rebaseCart(old.cart, smaller.cart);
      expect(smaller.size()).toBeLessThan(old.size());
    });

    it('gives the same cart as syncing the old documents, whatever devices did offline meanwhile', () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 25 }), fc.array(op, { maxLength: 25 }), (before, after) => {
          // Epoch 1: the server and three devices edit and sync at random.
          const old = group(backend, 'e1-');
          for (const o of before) {
            if (o.kind === 'sync') syncAll(old[0]!, old[o.who]!);
            else apply(old[o.who]!, o);
          }
          // The server rebases; it keeps the old document as it was (the base of every carry-over).
          const baseState = old[0]!.encodeState();
          const base = old[0]!.cart.entries();
          const fresh = group(backend, 'e2-')[0]!;
          rebaseCart(old[0]!.cart, fresh.cart);
          // Devices keep editing their old documents offline; the server edits the new epoch,
          // mirrored onto the old server document so the expected result can be computed.
          for (const o of after) {
            if (o.kind === 'sync') continue;
            if (o.who === 0) {
              const was = fresh.cart.entries();
              apply(fresh, o);
              carryOver(was, fresh.cart.entries(), old[0]!.cart);
            } else apply(old[o.who]!, o);
          }
          // Each device comes back and carries its old-epoch work over.
          for (const device of old.slice(1)) {
            const merged = backend.create();
            merged.apply(baseState);
            merged.apply(device.encodeState());
            carryOver(base, merged.cart.entries(), fresh.cart);
          }
          syncAll(...old);
          expect(view(fresh)).toEqual(view(old[0]!));
        }),
        { numRuns: backend === automergeBackend ? 25 : 100 },
      );
    });

    it('is idempotent: carrying the same device state over twice changes nothing', () => {
      const [server, phone] = [backend.create(), backend.create()];
      server.cart.add('a', 1);
      syncAll(server, phone);
      const baseState = server.encodeState();
      const base = server.cart.entries();
      const fresh = backend.create();
      rebaseCart(server.cart, fresh.cart);
      phone.cart.remove('a');
      phone.cart.add('b', 2);
      for (let i = 0; i < 2; i++) {
        const merged = backend.create();
        merged.apply(baseState);
        merged.apply(phone.encodeState());
        expect(carryOver(base, merged.cart.entries(), fresh.cart)).toEqual(
          i === 0 ? { inserted: 1, removed: 1 } : { inserted: 0, removed: 0 },
        );
      }
      expect(fresh.cart.lines().map((l) => [l.productId, l.quantity])).toEqual([['b', 2]]);
    });
  });
}
