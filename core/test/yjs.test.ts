import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LINES_KEY, mergeYjsCart, newestFirst, YjsCart } from '../src/index.js';

/** Round-trips a document through its encoded state, as a server that reloads it from storage. */
const reload = (doc: Y.Doc) => {
  const fresh = new Y.Doc();
  Y.applyUpdate(fresh, Y.encodeStateAsUpdate(doc));
  return fresh;
};

describe('YjsCart specifics', () => {
  it('stores format v1: plain entry objects in getMap("lines") keyed by tag', () => {
    const cart = new YjsCart(new Y.Doc(), { now: () => 1234, newTag: () => 'tag-1' });
    expect(cart.add('p', 2)).toBe('tag-1');
    expect(cart.doc.getMap(LINES_KEY).toJSON()).toEqual({
      'tag-1': { productId: 'p', kind: 'add', qty: 2, at: 1234 },
    });
  });

  it('ignores Yjs shared types and binary values written under a tag', () => {
    const cart = new YjsCart();
    const nested = new Y.Map<unknown>();
    cart.map.set('y-map', nested);
    nested.set('productId', 'p');
    cart.map.set('y-text', new Y.Text('p'));
    cart.map.set('y-array', Y.Array.from([1, 2]));
    cart.add('p', 1);
    expect(cart.lines()).toEqual([{ productId: 'p', quantity: 1, tags: expect.any(Array) }]);
    expect(cart.malformedCount()).toBe(3);
  });

  it('ignores list items a hostile client wrote under the root name "lines", before or after it loaded', () => {
    const evil = new Y.Doc();
    evil.getArray('lines').push(['x', { productId: 'p', kind: 'add', qty: 5, at: 0 }]);
    const server = new YjsCart();
    server.add('p', 1);
    Y.applyUpdate(server.doc, Y.encodeStateAsUpdate(evil));
    expect(server.quantity('p')).toBe(1);
    const loadedFirst = new Y.Doc();
    Y.applyUpdate(loadedFirst, Y.encodeStateAsUpdate(evil));
    const cart = new YjsCart(loadedFirst);
    cart.add('q', 2);
    expect(cart.lines().map((l) => [l.productId, l.quantity])).toEqual([['q', 2]]);
  });

  it('shows its lines as newestFirst orders lines() by entries(), and counts what it skipped', () => {
    let clock = 0;
    const cart = new YjsCart(new Y.Doc(), { now: () => ++clock });
    cart.add('b', 1);
    cart.add('a', 2);
    cart.setQuantity('b', 3);
    cart.map.set('junk', { kind: 'add' });
    expect(cart.shownLines().map((l) => l.productId)).toEqual(['a', 'b']);
    expect(cart.shownLines()).toEqual(newestFirst(cart.lines(), cart.entries()));
    expect(cart.malformedCount()).toBe(1);
  });

  it('reads an entry with a malformed shown price as one without, never leaving the entry out', () => {
    const cart = new YjsCart();
    const bad = [
      { amount: -1, currency: 'USD' },
      { amount: 1.5, currency: 'USD' },
      { amount: 100, currency: 'usd' },
      { amount: '100', currency: 'USD' },
      'free',
    ];
    for (const [i, price] of bad.entries())
      cart.map.set(`t${i}`, { productId: `p${i}`, kind: 'add', qty: 1, at: 1, price });
    expect(cart.lines().map((l) => [l.quantity, l.addedPrice])).toEqual(bad.map(() => [1, undefined]));
    expect(cart.malformedCount()).toBe(0);
  });

  it('reads the named entries alone, leaving out missing and malformed tags, as entries() would', () => {
    const cart = new YjsCart();
    const a = cart.add('a', 1);
    const b = cart.add('b', 2);
    cart.add('c', 3);
    cart.map.set('bad', { productId: 'x', kind: 'add', qty: -1 });
    const found = cart.entriesFor([b, 'missing', 'bad', a, b]);
    expect([...found.keys()]).toEqual([b, a]);
    expect(found.get(b)).toEqual(cart.entries().get(b));
    expect(found.get(a)).toEqual(cart.entries().get(a));
  });

  it('generates short unique tags by default', () => {
    const cart = new YjsCart();
    const tags = new Set(Array.from({ length: 2000 }, () => cart.add('p', 1)));
    expect(tags.size).toBe(2000);
    for (const tag of tags) expect(tag).toMatch(/^[A-Za-z0-9_-]{12}$/);
  });
});

describe('mergeYjsCart (guest cart into user cart)', () => {
  it('copies the guest entries under their tags and returns how many', () => {
    const user = new YjsCart();
    const guest = new YjsCart();
    user.add('shoes', 1);
    guest.add('shoes', 2);
    guest.setQuantity('hat', 3);
    expect(mergeYjsCart(user.doc, guest.doc)).toBe(2);
    expect(user.lines().map((l) => [l.productId, l.quantity])).toEqual([
      ['hat', 3],
      ['shoes', 3],
    ]);
  });

  it('does not replay the guest history: entries merged at an earlier sign-in stay', () => {
    const user = new YjsCart();
    const guest = new YjsCart();
    guest.add('shoes', 1);
    mergeYjsCart(user.doc, guest.doc);
    guest.clear();
    guest.add('hat', 1);
    mergeYjsCart(user.doc, guest.doc);
    expect(user.lines().map((l) => l.productId)).toEqual(['hat', 'shoes']);
  });

  it('remembers removed tags across a reload, so merging the same guest cart again adds nothing back', () => {
    const user = new YjsCart();
    const guest = new YjsCart();
    guest.add('shoes', 1);
    mergeYjsCart(user.doc, guest.doc);
    user.remove('shoes');
    const reloaded = reload(user.doc);
    expect(mergeYjsCart(reloaded, guest.doc)).toBe(0);
    expect(new YjsCart(reloaded).lines()).toEqual([]);
  });
});
