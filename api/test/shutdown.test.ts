import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startShopProcess } from './process.js';

/** Resolves with the exit code, or with 'running' if the process has not exited within `ms`. */
const exitWithin = (exited: Promise<number | null>, ms: number) =>
  Promise.race([exited, new Promise<'running'>((r) => setTimeout(() => r('running'), ms).unref())]);

describe('SIGTERM', () => {
  it('stops a shop whose clients keep their connections busy or never finish a request', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-shutdown-'));
    // Node's own timeout would end the stalled request after 20 s; the shop must not wait for it.
    const shop = await startShopProcess({
      DATA_DIR: dataDir,
      SHOPSYNC_SEED_COUNT: '20',
      SHOPSYNC_REQUEST_TIMEOUT_MS: '600000',
    });
    try {
      // A browser-like client: one kept-alive connection, a request after every answer.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      let answered = 0;
      let stopped = false;
      const busy = (async () => {
        while (!stopped) {
          try {
            await new Promise<void>((resolve, reject) => {
              http
                .get(`${shop.url}/api/health`, { agent }, (res) => {
                  res.resume();
                  res.on('end', () => {
                    answered++;
                    resolve();
                  });
                })
                .on('error', reject);
            });
          } catch {
            return; // the shop closed the connection
          }
        }
      })();
      // And one that sends half a request and stalls.
      const stalled = net.connect(Number(new URL(shop.url).port), '127.0.0.1');
      await new Promise<void>((resolve) => stalled.once('connect', resolve));
      stalled.on('error', () => {});
      stalled.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      while (answered < 20) await new Promise((r) => setTimeout(r, 5));

      shop.child.kill('SIGTERM');
      // Without closing busy and stalled connections the shop kept serving the first until it
      // stopped sending and waited 20 s for the second.
      expect(await exitWithin(shop.exited, 15_000)).toBe(0);
      stopped = true;
      await busy;
      agent.destroy();
      stalled.destroy();
      expect(shop.output()).toMatch(/shutting down/);
    } finally {
      if (shop.child.exitCode === null) shop.child.kill('SIGKILL');
      await shop.exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
