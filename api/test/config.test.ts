import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lockDataDir } from '@shopsync/sync-server';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db.js';
import { startTestServer } from './harness.js';

describe('configuration', () => {
  it('reads durability and the sync limits, and refuses values it cannot use', () => {
    const defaults = loadConfig({});
    expect(defaults.durability).toBe('normal');
    expect(defaults.syncMaxRooms).toBe(50_000);
    const set = loadConfig({ SHOPSYNC_DURABILITY: 'full', SHOPSYNC_SYNC_MAX_ROOMS: '10' });
    expect(set.durability).toBe('full');
    expect(set.syncMaxRooms).toBe(10);
    expect(() => loadConfig({ SHOPSYNC_DURABILITY: 'sometimes' })).toThrow(/SHOPSYNC_DURABILITY/);
    // Numbers are digits: "1e3" and "0x10" are no port (they once listened on 1000 and 16).
    for (const port of ['1e3', '0x10', '8080.0', ' 8080', '-1', '65536'])
      expect(() => loadConfig({ PORT: port }), port).toThrow(/invalid configuration: PORT/);
    expect(loadConfig({ PORT: '8080' }).port).toBe(8080);
    // The same words as the standalone sync server's refusal (one reader of numbers, wholeNumber).
    expect(() => loadConfig({ PORT: '1e3' })).toThrow(
      /PORT: must be a whole number from 0 to 65535 in plain digits/,
    );
    expect(() => loadConfig({ SHOPSYNC_SEED_COUNT: '1e4' })).toThrow(/SHOPSYNC_SEED_COUNT/);
    for (const host of ['local host', 'http://example.com', '-bad.example', 'a..b'])
      expect(() => loadConfig({ HOST: host }), host).toThrow(/invalid configuration: HOST/);
    for (const host of ['0.0.0.0', '::', '::1', 'localhost', 'shop.example.com', '127.0.0.1'])
      expect(loadConfig({ HOST: host }).host).toBe(host);
    expect(() => loadConfig({ SHOPSYNC_SYNC_MAX_ROOMS: '0' })).toThrow(/SHOPSYNC_SYNC_MAX_ROOMS/);
    expect(defaults.syncMaxMemoryMb).toBe(32);
    expect(loadConfig({ SHOPSYNC_SYNC_MAX_MEMORY_MB: '512' }).syncMaxMemoryMb).toBe(512);
    expect(() => loadConfig({ SHOPSYNC_SYNC_MAX_MEMORY_MB: '0' })).toThrow(/SHOPSYNC_SYNC_MAX_MEMORY_MB/);
    expect([defaults.syncMaxPerAddress, defaults.trustedProxies]).toEqual([256, 0]);
    const proxied = loadConfig({ SHOPSYNC_SYNC_MAX_PER_ADDRESS: '8', SHOPSYNC_TRUSTED_PROXIES: '1' });
    expect([proxied.syncMaxPerAddress, proxied.trustedProxies]).toEqual([8, 1]);
    expect(() => loadConfig({ SHOPSYNC_TRUSTED_PROXIES: '-1' })).toThrow(/SHOPSYNC_TRUSTED_PROXIES/);
    expect(() => loadConfig({ SHOPSYNC_SYNC_MAX_PER_ADDRESS: '0' })).toThrow(/SHOPSYNC_SYNC_MAX_PER_ADDRESS/);
    expect(defaults.syncWriteKibPerAddress).toBe(32);
    expect(loadConfig({ SHOPSYNC_SYNC_WRITE_KIB_PER_ADDRESS: '1024' }).syncWriteKibPerAddress).toBe(1024);
    expect(() => loadConfig({ SHOPSYNC_SYNC_WRITE_KIB_PER_ADDRESS: '0' })).toThrow(
      /SHOPSYNC_SYNC_WRITE_KIB_PER_ADDRESS/,
    );
    expect([defaults.passwordChecksPerAddress, defaults.passwordWaitingPerAddress]).toEqual([100, 8]);
    const passwords = loadConfig({
      SHOPSYNC_PASSWORD_CHECKS_PER_ADDRESS: '1000',
      SHOPSYNC_PASSWORD_WAITING_PER_ADDRESS: '256',
    });
    expect([passwords.passwordChecksPerAddress, passwords.passwordWaitingPerAddress]).toEqual([1000, 256]);
    expect(() => loadConfig({ SHOPSYNC_PASSWORD_CHECKS_PER_ADDRESS: '0' })).toThrow(
      /SHOPSYNC_PASSWORD_CHECKS_PER_ADDRESS/,
    );
    expect(() => loadConfig({ SHOPSYNC_PASSWORD_WAITING_PER_ADDRESS: '257' })).toThrow(
      /SHOPSYNC_PASSWORD_WAITING_PER_ADDRESS/,
    );
    expect(defaults.passwordCost).toBe(17);
    expect(loadConfig({ SHOPSYNC_PASSWORD_COST: '18' }).passwordCost).toBe(18);
    for (const cost of ['9', '19', '17.5'])
      expect(() => loadConfig({ SHOPSYNC_PASSWORD_COST: cost }), cost).toThrow(/SHOPSYNC_PASSWORD_COST/);
    // Set to nothing is not set: not port 0 (any free port), not an idle time refused as too short.
    const empty = loadConfig({ PORT: '', SHOPSYNC_SYNC_IDLE_MS: '', HOST: '', SHOPSYNC_SEED: '' });
    expect([empty.port, empty.syncIdleMs, empty.host, empty.seed]).toEqual([
      8787,
      60_000,
      '127.0.0.1',
      'generated',
    ]);
  });

  it('reads where mails go and the address their links name, and refuses what no mail could use', () => {
    const defaults = loadConfig({});
    expect([defaults.smtpUrl, defaults.mailFrom, defaults.publicUrl]).toEqual([
      undefined,
      'ShopSync <no-reply@localhost>',
      undefined,
    ]);
    const set = loadConfig({
      SHOPSYNC_SMTP_URL: 'smtps://user:pass@mail.example.com:465',
      SHOPSYNC_MAIL_FROM: 'Corner Shop <help@shop.example>',
      SHOPSYNC_PUBLIC_URL: 'https://shop.example/store/',
    });
    expect([set.smtpUrl, set.mailFrom, set.publicUrl]).toEqual([
      'smtps://user:pass@mail.example.com:465',
      'Corner Shop <help@shop.example>',
      // Without its trailing slash: a path is appended to it.
      'https://shop.example/store',
    ]);
    expect(loadConfig({ SHOPSYNC_SMTP_URL: 'smtp://localhost:25' }).smtpUrl).toBe('smtp://localhost:25');
    for (const url of ['http://mail.example.com', 'mail.example.com:587', 'smtp//x'])
      expect(() => loadConfig({ SHOPSYNC_SMTP_URL: url }), url).toThrow(/SHOPSYNC_SMTP_URL/);
    // The refusal names the variable, never its value (it may hold the SMTP password).
    let refusal = '';
    try {
      loadConfig({ SHOPSYNC_SMTP_URL: 'http://user:hunter2@x' });
    } catch (err) {
      refusal = String(err);
    }
    expect(refusal).toMatch(/SHOPSYNC_SMTP_URL/);
    expect(refusal).not.toContain('hunter2');
    for (const from of ['ShopSync', 'a@b.c\nBcc: everyone@example.com'])
      expect(() => loadConfig({ SHOPSYNC_MAIL_FROM: from }), from).toThrow(/SHOPSYNC_MAIL_FROM/);
    for (const url of [
      'ftp://shop.example',
      'shop.example',
      'https://shop.example/?a=1',
      'https://shop.example/#x',
    ])
      expect(() => loadConfig({ SHOPSYNC_PUBLIC_URL: url }), url).toThrow(/SHOPSYNC_PUBLIC_URL/);
  });

  it("opens the database with an fsync per commit only when durability is 'full'", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-config-'));
    const normal = openDatabase(dir, 'normal.sqlite');
    const full = openDatabase(dir, 'full.sqlite', 'full');
    // SQLite's synchronous pragma: 1 = NORMAL, 2 = FULL.
    expect(normal.pragma('synchronous', { simple: true })).toBe(1);
    expect(full.pragma('synchronous', { simple: true })).toBe(2);
    expect(full.pragma('journal_mode', { simple: true })).toBe('wal');
    normal.close();
    full.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts the shop on the durability it is given', async () => {
    const server = await startTestServer({ SHOPSYNC_DURABILITY: 'full' });
    try {
      expect(server.db.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('refuses a data directory written by a newer build, naming why, and leaves it as it was', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-newer-'));
    openDatabase(dataDir).close();
    const raw = new Database(path.join(dataDir, 'shopsync.sqlite'));
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => openDatabase(dataDir)).toThrow(/schema version 99, newer than this build's \d+/);
    await expect(startTestServer({ DATA_DIR: dataDir })).rejects.toThrow(/written by a newer ShopSync/);
    const after = new Database(path.join(dataDir, 'shopsync.sqlite'));
    expect(after.pragma('user_version', { simple: true })).toBe(99);
    after.close();
    // Refused, it held no lock: the directory is free for the build that wrote it.
    const lock = lockDataDir(dataDir, 'shop.lock');
    lock.release();
  });
});
