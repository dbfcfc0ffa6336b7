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

  it('exits at once on a second signal a second after the first, but not on one Ctrl-C delivered twice', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-signal-'));
    const env = { DATA_DIR: dataDir, SHOPSYNC_SEED_COUNT: '20' };
    /** An upload that never finishes: the shutdown waits up to its 5 s grace for it. */
    const slowUpload = (url: string) => {
      const req = http.request(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '1000' },
      });
      req.on('error', () => {});
      req.write('{"email":');
      return req;
    };
    try {
      const shop = await startShopProcess(env);
      const upload = slowUpload(shop.url);
      await new Promise((r) => setTimeout(r, 200));
      // Ctrl-C under npm: the same signal twice at once is one request to stop, not two.
      shop.child.kill('SIGINT');
      shop.child.kill('SIGINT');
      expect(await exitWithin(shop.exited, 15_000)).toBe(0);
      expect(shop.output()).not.toMatch(/a second signal/);
      upload.destroy();

      const again = await startShopProcess(env);
      const stuck = slowUpload(again.url);
      await new Promise((r) => setTimeout(r, 200));
      again.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 1500));
      expect(again.child.exitCode).toBe(null); // still waiting for the upload
      again.child.kill('SIGTERM');
      expect(await exitWithin(again.exited, 2_000)).toBe(1);
      expect(again.output()).toMatch(/a second signal while shutting down/);
      stuck.destroy();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
