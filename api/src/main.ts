import pino from 'pino';
import { loadConfig } from './config.js';
import { startServer } from './server.js';

/** `npm start`: the whole shop in one process; SIGTERM/SIGINT shut it down gracefully. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel, base: { service: 'shopsync' } });
  const server = await startServer(config, logger);
  // A second signal while shutting down is the operator's way out of a shutdown that does not
  // end; but one Ctrl-C may arrive twice at once (a terminal signals the whole process group, and
  // `npm start` forwards it too), so only one a second or more after the first counts.
  let stoppingSince: number | undefined;
  const stop = (signal: string) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < 1000) return;
      logger.error(
        { signal },
        'a second signal while shutting down: exiting at once, the shutdown unfinished',
      );
      process.exit(1);
    }
    stoppingSince = Date.now();
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
