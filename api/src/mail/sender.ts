import { randomBytes } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { privateDir } from '@shopsync/sync-server';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';

/** A mail of the shop's: plain text, to one shopper. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/**
 * Where the shop's mails go: an SMTP server (smtpSender), a folder of .eml files (outboxSender),
 * or, in tests, a list. `send` resolves once the mail is handed on, and rejects when it was not.
 */
export interface MailSender {
  send(mail: Mail): Promise<void>;
  /** Lets go of what the sender holds (an SMTP connection); called once, when the shop stops. */
  close(): void;
}

/** The folder of DATA_DIR that holds the mails of a shop with no SMTP server set. */
export const OUTBOX_DIR = 'outbox';

/**
 * Mails sent through the SMTP server of `url` (smtp://user:pass@host:587, smtps://… for TLS from
 * the start), from `from`. Nodemailer speaks SMTP, STARTTLS and AUTH: a mail server's protocol is
 * not ours to write.
 */
export function smtpSender(url: string, from: string): MailSender {
  // Nodemailer waits up to 2 minutes to connect and 10 for a silent server: a mail server that
  // does not answer gives up sooner, so that a send (and a stopping shop) is not held for minutes.
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      await transport.sendMail({ from, ...mail });
    },
    close: () => transport.close(),
  };
}

/**
 * Mails written as .eml files (RFC 5322, what a mail program opens) to `dir`, for a shop with no
 * SMTP server: a fresh machine's, a developer's, the end-to-end suite's. Each is written under a
 * temporary name and renamed, so whoever reads the folder never sees half a mail. Logged at info
 * with the file's name, never its content: the mail holds a link that signs its reader in, so the
 * folder is 0700 and each file 0600, whatever the umask (an older folder is tightened here).
 */
export function outboxSender(dir: string, from: string, logger: Pick<Logger, 'info' | 'warn'>): MailSender {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  // Made at the first mail; one made before with a wider mode is tightened now.
  if (fsSync.existsSync(dir)) privateDir(dir, logger);
  return {
    async send(mail) {
      const { message } = await transport.sendMail({ from, ...mail });
      // Named by time first, so a listing sorts oldest first.
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`;
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, name);
      await fs.writeFile(`${file}.tmp`, message as Buffer, { mode: 0o600 });
      await fs.rename(`${file}.tmp`, file);
      logger.info({ file }, 'a mail was written to the outbox (no SHOPSYNC_SMTP_URL is set)');
    },
    close: () => transport.close(),
  };
}

/**
 * How long the outbox keeps a mail: a reset link in it works for an hour, and the file is the
 * record an operator reads when a shopper says no mail came.
 */
export const OUTBOX_KEEP_MS = 7 * 24 * 3600_000;

/**
 * Removes the outbox's mails last written before `before` (ms since the epoch), and what a crash
 * left half written; returns how many. The folder would otherwise grow with every reset asked for.
 * Other files are not the shop's to remove; a folder not made yet holds nothing.
 */
export async function sweepOutbox(dir: string, before: number): Promise<number> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    if (!/\.eml(?:\.tmp)?$/.test(name)) continue;
    const file = path.join(dir, name);
    try {
      if ((await fs.stat(file)).mtimeMs >= before) continue;
      await fs.unlink(file);
      removed++;
    } catch (err) {
      // Removed meanwhile (by an operator, or a write's rename): nothing left to do.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return removed;
}
