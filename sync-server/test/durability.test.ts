import { YjsCart } from '@shopsync/core';
import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { device, freePort, startSyncProcess, tmpDir, until } from './harness.js';

describe('durability', () => {
  it('loses no acknowledged update when the server is killed with SIGKILL mid-stream', async () => {
    const dataDir = tmpDir();
    const first = await startSyncProcess(dataDir);
    const a = device(first.url, 'cart-crash', undefined, { saved: '1' });
    let saved = new Map<number, number>();
    a.provider.messageHandlers[100] = (_e, decoder) => {
      saved = Y.decodeStateVector(decoding.readVarUint8Array(decoder));
    };
    const cart = new YjsCart(a.doc);
    await until(() => a.provider.synced, 'synced');
    const acked = new Set<string>();
    const pending: [string, number][] = [];
    // Stream edits; remember which ones the server said are saved.
    for (let i = 0; i < 300; i++) {
      cart.add(`p${i}`, 1);
      pending.push([`p${i}`, Y.decodeStateVector(Y.encodeStateVector(a.doc)).get(a.doc.clientID)!]);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 2));
      const covered = saved.get(a.doc.clientID) ?? 0;
      for (const [p, clock] of pending) if (clock <= covered) acked.add(p);
    }
    await until(() => (saved.get(a.doc.clientID) ?? 0) > 0, 'some acks');
    const covered = saved.get(a.doc.clientID) ?? 0;
    for (const [p, clock] of pending) if (clock <= covered) acked.add(p);
    first.child.kill('SIGKILL');
    await first.exited;
    a.provider.destroy();
    expect(acked.size).toBeGreaterThan(0);

    const second = await startSyncProcess(dataDir);
    const reader = device(second.url, 'cart-crash');
    await until(() => reader.provider.synced, 'reader synced');
    const have = new Set(new YjsCart(reader.doc).lines().map((l) => l.productId));
    for (const p of acked) expect(have.has(p), p).toBe(true);
    reader.provider.destroy();
    second.child.kill('SIGTERM');
    await second.exited;
  }, 60_000);

  it('merges edits a device made while the server was down once it is back', async () => {
    const dataDir = tmpDir();
    const port = await freePort();
    const first = await startSyncProcess(dataDir, port);
    const a = device(first.url, 'cart-offline');
    const cartA = new YjsCart(a.doc);
    cartA.add('before', 1);
    await until(() => a.provider.synced, 'synced');
    const b0 = device(first.url, 'cart-offline');
    await until(() => new YjsCart(b0.doc).quantity('before') === 1, 'b sees before');
    b0.provider.destroy();
    first.child.kill('SIGKILL');
    await first.exited;

    cartA.add('while-down', 2); // made offline, kept on the device
    // The server comes back on the same address; the device reconnects by itself (with backoff).
    const second = await startSyncProcess(dataDir, port);
    const b = device(second.url, 'cart-offline');
    await until(
      () => new YjsCart(b.doc).quantity('while-down') === 2 && new YjsCart(b.doc).quantity('before') === 1,
      'offline edit reaches b',
    );
    a.provider.destroy();
    b.provider.destroy();
    second.child.kill('SIGTERM');
    await second.exited;
  }, 60_000);
});
