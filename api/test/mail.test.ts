import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, keptLog, startTestServer, until } from './harness.js';

// Where the shop's mails go: a real SMTP server (smtp-server, in this process) when
// SHOPSYNC_SMTP_URL is set, else .eml files in DATA_DIR/outbox. Read as a mail program would:
// headers, then the body, quoted-printable decoded.

/** A mail's headers (names in lower case, folded lines joined) and its text. */
function parseMail(raw: string): { headers: Record<string, string>; text: string } {
  const normal = raw.replace(/\r\n/g, '\n');
  const split = normal.indexOf('\n\n');
  const headers: Record<string, string> = {};
  for (const line of normal
    .slice(0, split)
    .replace(/\n[ \t]+/g, ' ')
    .split('\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let text = normal.slice(split + 2);
  if (/quoted-printable/i.test(headers['content-transfer-encoding'] ?? ''))
    text = Buffer.from(
      text
        .replace(/=\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    ).toString('utf8');
  return { headers, text };
}

const TOKEN_LINK = /^(\S+)\/reset-password\?token=([A-Za-z0-9_-]{43})$/m;

async function signUp(base: string): Promise<string> {
  const email = `mail-${randomUUID()}@example.com`;
  const res = await new Client(base).post('/api/auth/signup', {
    email,
    password: 'correct horse 1',
    name: 'M',
  });
  expect(res.status).toBe(201);
  return email;
}

describe('without SHOPSYNC_SMTP_URL, mails are written to DATA_DIR/outbox', () => {
  const log = keptLog('info');
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer({}, log.logger);
  });
  afterAll(() => server.close());

  it('writes the reset mail as an .eml file, logs where, and never logs the link', async () => {
    const outbox = path.join(server.dataDir, 'outbox');
    expect(log.records.find((r) => r.msg === 'ShopSync is listening')?.outbox).toBe(outbox);
    const email = await signUp(server.url);
    expect((await new Client(server.url).post('/api/auth/password-reset', { email })).status).toBe(202);
    const files = () => (fs.existsSync(outbox) ? fs.readdirSync(outbox) : []);
    // The mail is written under a temporary name, then renamed: wait for the name it keeps.
    await until(() => files().some((f) => f.endsWith('.eml')), 'a mail in the outbox');
    expect(files()).toEqual([expect.stringMatching(/\.eml$/)]);
    const mail = parseMail(fs.readFileSync(path.join(outbox, files()[0]!), 'utf8'));
    expect(mail.headers.to).toBe(email);
    expect(mail.headers.from).toBe('ShopSync <no-reply@localhost>');
    expect(mail.headers.subject).toBe('Choose a new ShopSync password');
    const [, page, token] = TOKEN_LINK.exec(mail.text)!;
    expect(page).toBe(server.url);
    await until(() => log.records.some((r) => r.msg.startsWith('a mail was written')), 'the log line');
    const written = log.records.find((r) => r.msg.startsWith('a mail was written'))!;
    expect(written).toMatchObject({ level: 30, file: path.join(outbox, files()[0]!) });
    expect(log.text()).not.toContain(token!);
    // The link works.
    const reset = await new Client(server.url).post('/api/auth/password-reset/confirm', {
      token,
      newPassword: 'battery staple 2',
    });
    expect(reset.status).toBe(200);
    expect(log.text()).not.toContain(token!);
  });
});

describe('the outbox keeps a mail for 7 days', () => {
  it('removes older mails and what a crash left half written, at start and every sweep; keeps the rest', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-outbox-'));
    const outbox = path.join(dataDir, 'outbox');
    fs.mkdirSync(outbox);
    const DAY = 24 * 3600_000;
    const file = (name: string, ageMs: number) => {
      fs.writeFileSync(path.join(outbox, name), 'Subject: x\n\nx\n');
      const at = new Date(Date.now() - ageMs);
      fs.utimesSync(path.join(outbox, name), at, at);
    };
    file('old.eml', 8 * DAY);
    file('crashed.eml.tmp', 8 * DAY);
    file('recent.eml', 6 * DAY);
    file('notes.txt', 30 * DAY); // an operator's, not the shop's
    const log = keptLog('info');
    const server = await startTestServer({ DATA_DIR: dataDir }, log.logger, { sweepEveryMs: 100 });
    try {
      await until(() => !fs.existsSync(path.join(outbox, 'old.eml')), 'the old mail removed');
      expect(fs.readdirSync(outbox).sort()).toEqual(['notes.txt', 'recent.eml']);
      await until(() => log.records.some((r) => r.msg.startsWith('removed mails')), 'the log line');
      expect(log.records.find((r) => r.msg.startsWith('removed mails'))).toMatchObject({ mails: 2, outbox });
      // A mail that ages past 7 days while the shop runs goes at a later sweep.
      file('recent.eml', 8 * DAY);
      await until(() => !fs.existsSync(path.join(outbox, 'recent.eml')), 'the aged mail removed');
      expect(fs.readdirSync(outbox)).toEqual(['notes.txt']);
    } finally {
      await server.close();
    }
  });
});

describe('with SHOPSYNC_SMTP_URL, mails go to that SMTP server', () => {
  const received: { from: string; to: string[]; user: unknown; raw: string }[] = [];
  let smtp: SMTPServer;
  let port: number;
  beforeAll(async () => {
    smtp = new SMTPServer({
      // Plain SMTP on loopback: no certificate to make, and AUTH allowed without TLS.
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth(auth, _session, done) {
        if (auth.username === 'shop' && auth.password === 'mail-secret') done(null, { user: auth.username });
        else done(new Error('wrong credentials'));
      },
      onData(stream, session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            user: session.user,
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    port = (smtp.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

  it('sends the reset mail with its To, From and a link to SHOPSYNC_PUBLIC_URL', async () => {
    const server = await startTestServer({
      SHOPSYNC_SMTP_URL: `smtp://shop:mail-secret@127.0.0.1:${port}`,
      SHOPSYNC_MAIL_FROM: 'Corner Shop <help@shop.example>',
      SHOPSYNC_PUBLIC_URL: 'https://shop.example/',
    });
    try {
      const email = await signUp(server.url);
      expect((await new Client(server.url).post('/api/auth/password-reset', { email })).status).toBe(202);
      await until(() => received.length === 1, 'the mail at the SMTP server');
      const [got] = received;
      expect(got).toMatchObject({ from: 'help@shop.example', to: [email], user: 'shop' });
      const mail = parseMail(got!.raw);
      expect(mail.headers.from).toBe('Corner Shop <help@shop.example>');
      expect(mail.headers.to).toBe(email);
      const [, page, token] = TOKEN_LINK.exec(mail.text)!;
      expect(page).toBe('https://shop.example');
      expect(fs.existsSync(path.join(server.dataDir, 'outbox'))).toBe(false);
      const reset = await new Client(server.url).post('/api/auth/password-reset/confirm', {
        token,
        newPassword: 'battery staple 2',
      });
      expect(reset.json.user.email).toBe(email);
    } finally {
      await server.close();
    }
  });

  it('logs a mail the server refused, and keeps no token of it', async () => {
    const log = keptLog('warn');
    const server = await startTestServer(
      { SHOPSYNC_SMTP_URL: `smtp://shop:not-the-secret@127.0.0.1:${port}` },
      log.logger,
    );
    try {
      const email = await signUp(server.url);
      const before = received.length;
      expect((await new Client(server.url).post('/api/auth/password-reset', { email })).status).toBe(202);
      await until(
        () => log.records.some((r) => r.msg === 'a password reset mail could not be sent'),
        'the error',
      );
      expect(received.length).toBe(before);
      expect(server.db.prepare('SELECT count(*) AS n FROM password_resets').get()).toEqual({ n: 0 });
      expect(log.text()).not.toContain('not-the-secret');
    } finally {
      await server.close();
    }
  });
});
