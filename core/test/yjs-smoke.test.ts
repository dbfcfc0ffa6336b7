import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { YjsCart } from '../src/index.js';

describe('YjsCart', () => {
  it('reads max(set) + sum(add) across two replicas after exchange', () => {
    const a = new YjsCart(new Y.Doc());
    const b = new YjsCart(new Y.Doc());
    a.add('p1', 1);
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc));
    a.setQuantity('p1', 3);
    b.add('p1', 1);
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc));
    Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc));
    expect(a.quantity('p1')).toBe(4);
    expect(b.lines()).toEqual(a.lines());
  });
});
