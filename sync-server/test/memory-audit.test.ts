import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { startSync, token, until } from './harness.js';

// What an audit of hostile input found (2026-12-04): free guest carts filled to the document
// limit exhausted the heap, and sockets that never read grew the process without bound.

/** Opens a raw socket; resolves once open (or with the HTTP status that refused it). */
function raw(url: string): Promise<{ ws: WebSocket; status?: number; received: Buffer[] }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const received: Buffer[] = [];
    ws.on('message', (d: Buffer) => received.push(d));
    ws.on('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode, received }));
    ws.on('open', () => resolve({ ws, received }));
  });
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
}

/** A sync update message carrying `bytes` of padding: a value of the cart's map no cart reads as an entry. */
function padding(doc: Y.Doc, key: string, bytes: number): Buffer {
  const sv = Y.encodeStateVector(doc);
  doc.getMap('lines').set(`padding-${key}`, 'x'.repeat(bytes));
  const update = Y.encodeStateAsUpdate(doc, sv);
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint8Array(e, update);
  return Buffer.from(encoding.toUint8Array(e));
}

const guest = (url: string, id: string) => raw(`${url}/${id}?token=${token(id, `guest:${id}`)}`);

describe('documents held in memory (maxMemoryBytes)', () => {
  it('refuses growth past the budget while every room is in use, and makes room by evicting idle ones', async () => {
    const server = await startSync({ maxMemoryBytes: 40_000, maxDocumentBytes: 30_000, idleRoomMs: 600_000 });
    try {
      const a = await guest(server.url, 'mem-a');
      const b = await guest(server.url, 'mem-b');
      const [docA, docB] = [new Y.Doc(), new Y.Doc()];
      a.ws.send(padding(docA, 'a', 18_000));
      await until(() => server.sync.stats().bytes > 18_000, 'a stored');
      // b would take the rooms past 40,000 bytes, and a's room is in use: b is closed, to retry later.
      const bClosed = closed(b.ws);
      b.ws.send(padding(docB, 'b', 25_000));
      expect(await bClosed).toEqual({ code: 4503, reason: 'cart memory full; retry later' });
      expect(server.sync.stats().bytes).toBeLessThanOrEqual(40_000);
      // A new cart cannot even open while the budget is spent by rooms in use.
      const c = await guest(server.url, 'mem-c');
      c.ws.send(padding(new Y.Doc(), 'c', 25_000));
      expect((await closed(c.ws)).code).toBe(4503);

      // a's device leaves: its room is idle, evicted (stored first) to make room for b's retry.
      const aClosed = closed(a.ws);
      a.ws.close();
      await aClosed;
      const retry = await guest(server.url, 'mem-b');
      retry.ws.send(padding(new Y.Doc(), 'b', 25_000));
      await until(() => server.sync.stats().bytes >= 25_000, 'b stored');
      expect(retry.ws.readyState).toBe(WebSocket.OPEN);
      expect(server.sync.stats().bytes).toBeLessThanOrEqual(40_000);
      // Nothing of a was lost: it was stored before it left memory.
      await server.sync.flush();
      const stored = server.db
        .prepare(`SELECT (SELECT count(*) FROM sync_snapshots WHERE doc = 'mem-a') AS n`)
        .get() as { n: number };
      expect(stored.n).toBe(1);
      expect(Y.encodeStateAsUpdate(await server.sync.getDocument('mem-a')).length).toBeGreaterThan(18_000);
      retry.ws.close();
    } finally {
      await server.close();
    }
  });

  it('when large carts in use spend the budget, the largest go (closed 4503, stored) so small carts still sync', async () => {
    const server = await startSync({
      maxMemoryBytes: 400_000,
      maxDocumentBytes: 300_000,
      idleRoomMs: 600_000,
    });
    try {
      // Someone fills guest carts on purpose and keeps them open.
      const big: { ws: WebSocket }[] = [];
      for (const [i, size] of [150_000, 120_000, 115_000].entries()) {
        const g = await guest(server.url, `big-${i}`);
        g.ws.send(padding(new Y.Doc(), 'x', size));
        await until(
          () => server.sync.stats().bytes > 0 && server.sync.stats().rooms === i + 1,
          `big ${i} in`,
        );
        big.push(g);
      }
      await until(() => server.sync.stats().bytes > 385_000, 'the big carts stored');
      const largest = closed(big[0]!.ws);
      // A shopper's small cart: its update makes room by evicting the largest cart in use.
      const shopper = await guest(server.url, 'small-cart');
      shopper.ws.send(padding(new Y.Doc(), 's', 20_000)); // 405,000 > 400,000
      expect(await largest).toEqual({ code: 4503, reason: 'cart memory full; retry later' });
      await until(() => server.sync.stats().bytes < 300_000, 'room made, the update taken');
      await until(() => server.sync.stats().bytes > 250_000, 'the small cart stored');
      expect(shopper.ws.readyState).toBe(WebSocket.OPEN);
      expect(big[2]!.ws.readyState).toBe(WebSocket.OPEN); // only as many as needed went
      // The evicted cart was stored before it left memory, and loads again on demand.
      expect(Y.encodeStateAsUpdate(await server.sync.getDocument('big-0')).length).toBeGreaterThan(150_000);
      for (const g of [...big, shopper]) g.ws.close();
    } finally {
      await server.close();
    }
  });

  it('refuses a device opening another cart (503) while the budget is spent by rooms in use', async () => {
    const server = await startSync({ maxMemoryBytes: 20_000, maxDocumentBytes: 30_000 });
    try {
      const a = await guest(server.url, 'full-a');
      // Server-side edits are never refused (a checkout clearing a cart): one fills the budget.
      await server.sync.withDocument('full-a', (doc) =>
        doc.getMap('lines').set('padding-a', 'x'.repeat(21_000)),
      );
      expect(server.sync.stats().bytes).toBeGreaterThan(20_000);
      const refused = await guest(server.url, 'full-b');
      expect(refused.status).toBe(503);
      // Once the room in use leaves, it is evicted and the other cart opens.
      const aClosed = closed(a.ws);
      a.ws.close();
      await aClosed;
      await until(() => server.sync.stats().connections === 0, 'a gone');
      const opened = await guest(server.url, 'full-b');
      expect(opened.status).toBeUndefined();
      opened.ws.close();
    } finally {
      await server.close();
    }
  });
});

describe('a device that does not read (maxBufferedBytes)', () => {
  it('is closed and dropped once what waits for it passes the limit; the others go on', async () => {
    const server = await startSync({
      maxBufferedBytes: 256 * 1024,
      maxDocumentBytes: 512 * 1024 * 1024,
      maxMemoryBytes: 1024 * 1024 * 1024,
      messagesPerSecond: 10_000,
    });
    try {
      const cart = 'slow-reader';
      const sleeper = await raw(`${server.url}/${cart}?token=${token(cart)}`);
      // Its socket stops reading: what the server sends it piles up (kernel buffers, then ws's).
      (sleeper.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const writer = await raw(`${server.url}/${cart}?token=${token(cart)}`);
      const doc = new Y.Doc();
      let sent = 0;
      while (server.sync.stats().connections === 2 && sent < 4000) {
        writer.ws.send(padding(doc, String(sent), 20_000));
        sent++;
        if (sent % 50 === 0) await new Promise((r) => setTimeout(r, 20));
      }
      await until(() => server.sync.stats().connections === 1, 'the sleeper dropped', 15_000);
      expect(sent).toBeLessThan(4000);
      expect(writer.ws.readyState).toBe(WebSocket.OPEN);
      const refused = await server.sync.metricsText();
      expect(refused).toMatch(/shopsync_sync_refused_total\{reason="4508"\} 1/);
      writer.ws.close();
    } finally {
      await server.close();
    }
  }, 30_000);
});

describe('presence', () => {
  it('is relayed to the other devices and echoed to its sender: a lone device hears it, so its socket is not dropped as silent', async () => {
    const server = await startSync();
    try {
      const cart = 'presence-echo';
      const [from, other] = [
        await raw(`${server.url}/${cart}?token=${token(cart)}`),
        await raw(`${server.url}/${cart}?token=${token(cart)}`),
      ];
      // The opening messages (sync step 1, sent on a timer for a room still loading) come first.
      await until(() => from.received.some((m) => m[0] === 0), 'the sender opened');
      await until(() => other.received.some((m) => m[0] === 0), 'the other device opened');
      const [fromBefore, otherBefore] = [from.received.length, other.received.length];
      const state = encoding.createEncoder();
      encoding.writeVarUint(state, 1);
      encoding.writeVarUint(state, 4242);
      encoding.writeVarUint(state, 1);
      encoding.writeVarString(state, JSON.stringify({ device: { since: 1 } }));
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint8Array(e, encoding.toUint8Array(state));
      from.ws.send(encoding.toUint8Array(e));
      // An awareness message (type 1) with this state, to each.
      const told = (r: Buffer[], before: number) =>
        r.slice(before).some((m) => m[0] === 1 && m.includes('{"device":{"since":1}}'));
      await until(() => told(other.received, otherBefore), 'the other device told');
      await until(() => told(from.received, fromBefore), 'the sender told');
      from.ws.close();
      other.ws.close();
    } finally {
      await server.close();
    }
  });
});
