import type { Logger } from 'pino';

/**
 * Runs a process's main part: starts it, and on SIGTERM or SIGINT closes it and exits (0, or 1 when closing
 * fails); a failed start exits with 1. `what` names the part in the log lines.
 */
export function runUntilSignal(
  what: string,
  logger: Logger,
  start: () => Promise<{ close(): Promise<void> }>,
): void {
  start()
    .then((running) => {
      const shutdown = (signal: string) => {
        logger.info({ signal }, `stopping the ${what}`);
        running.close().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    })
    .catch((error: unknown) => {
      logger.fatal({ err: error }, `the ${what} failed to start`);
      process.exit(1);
    });
}
