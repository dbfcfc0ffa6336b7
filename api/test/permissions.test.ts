import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, keptLog, signUp, startTestServer, until } from './harness.js';

/** The permission bits of a file or directory. */
const mode = (file: string) => fs.statSync(file).mode & 0o777;

// What most systems give: new directories drwxr-xr-x and files -rw-r--r--, unless the shop says.
let umask: number;
beforeAll(() => {
  umask = process.umask(0o022);
});
afterAll(() => {
  process.umask(umask);
});

/** Signs up and asks for a reset mail; resolves the path of the .eml file it wrote. */
async function resetMail(url: string, outbox: string): Promise<string> {
  const shopper = await signUp(url);
  const { user } = (await shopper.get('/api/me')).json;
  expect((await new Client(url).post('/api/auth/password-reset', { email: user.email })).status).toBe(202);
  const mails = () => (fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((f) => f.endsWith('.eml')) : []);
  await until(() => mails().length > 0, 'a mail in the outbox');
  return path.join(outbox, mails()[0]!);
}

describe('the data directory and the outbox are readable by the shop user only', () => {
  it('makes a fresh DATA_DIR and outbox 0700 and each mail 0600, under umask 022', async () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-modes-')), 'data');
    const server = await startTestServer({ DATA_DIR: dataDir });
    try {
      expect(mode(dataDir)).toBe(0o700);
      const mail = await resetMail(server.url, path.join(dataDir, 'outbox'));
      expect(mode(path.join(dataDir, 'outbox'))).toBe(0o700);
      expect(mode(mail)).toBe(0o600);
    } finally {
      await server.close();
    }
  });

  it('tightens a DATA_DIR and outbox an older build left 0755, and says so', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-modes-'));
    const outbox = path.join(dataDir, 'outbox');
    fs.mkdirSync(outbox);
    fs.chmodSync(dataDir, 0o755);
    fs.chmodSync(outbox, 0o755);
    const log = keptLog('warn');
    const server = await startTestServer({ DATA_DIR: dataDir }, log.logger);
    try {
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(outbox)).toBe(0o700);
      const said = log.records.filter((r) => r.msg.includes('open to other local users'));
      expect(said).toEqual([
        expect.objectContaining({ level: 40, dir: dataDir, mode: '0755' }),
        expect.objectContaining({ level: 40, dir: outbox, mode: '0755' }),
      ]);
    } finally {
      await server.close();
    }
  });
});
