import { onStopSignals } from '@shopsync/sync-server/signals';
import pino from 'pino';
import { loadConfig } from './config.js';
import { startServer } from './server.js';

/** `npm start`: the whole shop in one process; SIGTERM/SIGINT shut it down gracefully. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel, base: { service: 'shopsync' } });
  const server = await startServer(config, logger);
  // A second signal a second or more into the shutdown exits at once (signals.ts).
  onStopSignals(logger, (signal) => {
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
