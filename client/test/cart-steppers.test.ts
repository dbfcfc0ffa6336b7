import { YjsCart } from '@shopsync/core/cart/yjs';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decrease, increase } from '../src/cart/steppers.js';

/** Two devices of one cart holding `p` at 1, then offline; `settle` merges them both ways. */
function pair() {
  const phone = new YjsCart(new Y.Doc());
  const laptop = new YjsCart(new Y.Doc());
  phone.add('p', 1);
  Y.applyUpdate(laptop.doc, Y.encodeStateAsUpdate(phone.doc));
  const settle = () => {
    const [a, b] = [Y.encodeStateAsUpdate(phone.doc), Y.encodeStateAsUpdate(laptop.doc)];
    Y.applyUpdate(phone.doc, b);
    Y.applyUpdate(laptop.doc, a);
    expect(phone.lines()).toEqual(laptop.lines());
    return phone.quantity('p');
  };
  return { phone, laptop, settle };
}

/** The cart page's "+" and "−" held to the ARCHITECTURE concurrency table (from quantity 1). */
describe('cart line steppers', () => {
  it('"+" on two devices at once -> 3: two deliberate taps both count', () => {
    const { phone, laptop, settle } = pair();
    increase(phone, 'p');
    increase(laptop, 'p');
    expect(settle()).toBe(3);
  });

  it('remove on one device, "+" on the other -> 1: the removed unit does not come back', () => {
    const { phone, laptop, settle } = pair();
    phone.remove('p');
    increase(laptop, 'p');
    expect(settle()).toBe(1);
  });

  it('a set of 3 on one device, "+" on the other -> 4: the add the set did not see survives', () => {
    const { phone, laptop, settle } = pair();
    phone.setQuantity('p', 3);
    increase(laptop, 'p');
    expect(settle()).toBe(4);
  });

  it('"−" sets the shown quantity less one, and removes the line at 1', () => {
    const { phone, laptop, settle } = pair();
    increase(phone, 'p');
    expect(phone.quantity('p')).toBe(2);
    decrease(phone, 'p', 2);
    expect(phone.quantity('p')).toBe(1);
    decrease(phone, 'p', 1);
    expect(phone.lines()).toEqual([]);
    // A "−" at 3 concurrent with a "+" elsewhere: the add it did not see survives (3 - 1 + 1).
    const other = pair();
    other.phone.setQuantity('p', 3);
    other.settle();
    decrease(other.phone, 'p', 3);
    increase(other.laptop, 'p');
    expect(other.settle()).toBe(3);
    expect(settle()).toBe(0);
    expect(laptop.lines()).toEqual([]);
  });
});
