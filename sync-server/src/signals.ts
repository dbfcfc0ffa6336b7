/**
 * One signal may arrive twice at once: a terminal's Ctrl-C reaches every process of its group, and
 * `npm run` forwards it to its child as well (so does `timeout`). Only a signal this long after
 * the first is the operator asking again.
 */
const REPEAT_AFTER_MS = 1_000;

/**
 * Runs `shutdown` on the first SIGTERM or SIGINT. A second one a second or more later is the
 * operator's way out of a shutdown that does not end: it exits 1 at once, the shutdown
 * unfinished. The shop (`npm start`) and the standalone sync server stop alike.
 */
export function onStopSignals(
  logger: { error(details: object, message: string): void },
  shutdown: (signal: NodeJS.Signals) => void,
): void {
  let stoppingSince: number | undefined;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stoppingSince !== undefined) {
        if (Date.now() - stoppingSince < REPEAT_AFTER_MS) return;
        logger.error(
          { signal },
          'a second signal while shutting down: exiting at once, the shutdown unfinished',
        );
        process.exit(1);
      }
      stoppingSince = Date.now();
      shutdown(signal);
    });
  }
}
