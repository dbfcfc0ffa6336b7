import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Accounts } from '../src/accounts/accounts.js';
import {
  HashQueue,
  hashPassword,
  PasswordsBusy,
  ShareTaken,
  verifyPassword,
} from '../src/accounts/passwords.js';
import { accountRoutes } from '../src/accounts/routes.js';
import type { Carts } from '../src/cart/carts.js';
import { openDatabase } from '../src/db.js';
import { createApp } from '../src/http/app.js';
import { keptLog, startTestServer, TEST_PASSWORD_COST } from './harness.js';

/** A job the test finishes by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('password hashes', () => {
  it("hash at OWASP's scrypt minimum unless told otherwise, and say their cost", async () => {
    const hash = await hashPassword('correct horse 7');
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse 7', hash)).toBe(true);
    expect(await verifyPassword('correct horse 8', hash)).toBe(false);
    // A cheaper hash is checked at its own cost, whatever the shop hashes new passwords at.
    const cheap = await hashPassword('correct horse 7', undefined, undefined, TEST_PASSWORD_COST);
    expect(cheap.startsWith(`scrypt$${2 ** TEST_PASSWORD_COST}$8$1$`)).toBe(true);
    expect(await verifyPassword('correct horse 7', cheap)).toBe(true);
    expect(await verifyPassword('correct horse 8', cheap)).toBe(false);
  }, 60_000);

  it('refuses, without hashing, a stored hash of parameters the shop never uses', async () => {
    const [, , , , salt, key] = (await hashPassword('pw-1', undefined, undefined, TEST_PASSWORD_COST)).split(
      '$',
    );
    const queue = new HashQueue(1, 0);
    const held = gate();
    const running = queue.run('sign-in', () => held.opened);
    // The queue lets none wait: a check that tried to hash would be refused as busy, not false.
    for (const params of [`${2 ** 19}$8$1`, `${2 ** 30}$8$1`, '1000$8$1', 'x$8$1', '1024$16$1', '1024$8$2'])
      expect(await verifyPassword('pw-1', `scrypt$${params}$${salt}$${key}`, queue), params).toBe(false);
    await expect(verifyPassword('pw-1', `scrypt$1024$8$1$${salt}$${key}`, queue)).rejects.toBeInstanceOf(
      PasswordsBusy,
    );
    held.open();
    await running;
  });

  it('warns at start when the shop hashes below that minimum', async () => {
    const log = keptLog('warn');
    const server = await startTestServer({}, log.logger);
    try {
      expect(log.records.map((r) => r.msg)).toContainEqual(
        expect.stringMatching(/SHOPSYNC_PASSWORD_COST is below/),
      );
    } finally {
      await server.close();
    }
    const quiet = keptLog('warn');
    const defaultCost = await startTestServer({ SHOPSYNC_PASSWORD_COST: '17' }, quiet.logger);
    await defaultCost.close();
    expect(quiet.text()).not.toMatch(/SHOPSYNC_PASSWORD_COST/);
  });
});

describe('password hash queue', () => {
  it('runs sign-ins before waiting sign-ups, a few at a time', async () => {
    const queue = new HashQueue(1, 10);
    const order: string[] = [];
    const first = gate();
    const running = queue.run('sign-up', async () => {
      order.push('up0');
      await first.opened;
    });
    const rest = [
      queue.run('sign-up', async () => void order.push('up1')),
      queue.run('sign-up', async () => void order.push('up2')),
      queue.run('sign-in', async () => void order.push('in1')),
    ];
    expect(queue.queued).toEqual({ 'sign-in': 1, 'sign-up': 2 });
    first.open();
    await Promise.all([running, ...rest]);
    expect(order).toEqual(['up0', 'in1', 'up1', 'up2']);
    expect(queue.queued).toEqual({ 'sign-in': 0, 'sign-up': 0 });
  });

  it('refuses past its bound per priority, and goes on after a job that throws', async () => {
    const queue = new HashQueue(1, 1);
    const first = gate();
    const running = queue.run('sign-up', () => first.opened);
    const waiting = queue.run('sign-up', () => {
      throw new Error('scrypt failed');
    });
    await expect(queue.run('sign-up', async () => 1)).rejects.toBeInstanceOf(PasswordsBusy);
    // A sign-in still gets its place.
    const signIn = queue.run('sign-in', async () => 'in');
    first.open();
    await running;
    await expect(waiting).rejects.toThrow('scrypt failed');
    expect(await signIn).toBe('in');
    expect(await queue.run('sign-up', async () => 2)).toBe(2);
  });

  it("lets one client's hashes take only its share of the waiting places, and gives them back", async () => {
    const queue = new HashQueue(1, 10);
    const A = { key: '203.0.113.5', most: 2 };
    const first = gate();
    // Running is not waiting: A's first hash takes the one thread and none of A's share.
    const running = queue.run('sign-in', () => first.opened, A);
    const mine = [
      queue.run('sign-in', async () => 'a1', A),
      // Both priorities count against one share.
      queue.run('sign-up', async () => 'a2', A),
    ];
    await expect(queue.run('sign-in', async () => 'a3', A)).rejects.toBeInstanceOf(ShareTaken);
    await expect(queue.run('sign-in', async () => 'a3', A)).rejects.toBeInstanceOf(PasswordsBusy);
    // Another client still gets a place, and so does a hash asked without a share.
    const theirs = queue.run('sign-in', async () => 'b', { key: '198.51.100.7', most: 2 });
    const unshared = queue.run('sign-up', async () => 'u');
    expect(queue.queued).toEqual({ 'sign-in': 2, 'sign-up': 2 });
    expect(queue.waitingFor(A.key)).toBe(2);
    first.open();
    await running;
    expect(await Promise.all([...mine, theirs, unshared])).toEqual(['a1', 'a2', 'b', 'u']);
    expect(queue.waitingFor(A.key)).toBe(0);
    // Its places are back: A may wait again.
    const again = gate();
    const holding = queue.run('sign-up', () => again.opened);
    const later = [queue.run('sign-in', async () => 1, A), queue.run('sign-in', async () => 2, A)];
    expect(queue.waitingFor(A.key)).toBe(2);
    again.open();
    await holding;
    expect(await Promise.all(later)).toEqual([1, 2]);
  });
});

describe('accounts when password checks are busy', () => {
  it('answers 503 busy with Retry-After, and a refused sign-in is not counted as a guess', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-busy-'));
    const db = openDatabase(dir);
    const queue = new HashQueue(1, 0);
    const accounts = new Accounts(db, Date.now, {
      passwordCost: TEST_PASSWORD_COST,
      hashQueue: queue,
      loginAttempts: 1,
    });
    // No guest cookie is sent, so the routes never touch the carts.
    const app = createApp({
      logger: pino({ level: 'silent' }),
      clientDir: dir,
      accounts,
      adminToken: undefined,
      routes: [accountRoutes(accounts, {} as Carts, false)],
    });
    const post = (path: string, body: unknown) =>
      app.request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (await post('/api/auth/signup', { email: 'a@example.com', password: 'a-password1', name: 'A' })).status,
    ).toBe(201);

    // One hash running fills the queue (it lets none wait): the next signup and sign-in are refused.
    const holder = gate();
    const held = queue.run('sign-up', () => holder.opened);
    const refused = await post('/api/auth/signup', {
      email: 'b@example.com',
      password: 'b-password1',
      name: 'B',
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('Retry-After')).toBe('1');
    expect(await refused.json()).toMatchObject({ error: { code: 'busy' } });
    const login = await post('/api/auth/login', { email: 'a@example.com', password: 'a-password1' });
    expect(login.status).toBe(503);
    holder.open();
    await held;

    // loginAttempts is 1: had the refused sign-in counted, this one would be 429.
    expect((await post('/api/auth/login', { email: 'a@example.com', password: 'a-password1' })).status).toBe(
      200,
    );
    expect(
      (await post('/api/auth/signup', { email: 'b@example.com', password: 'b-password1', name: 'B' })).status,
    ).toBe(201);
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
