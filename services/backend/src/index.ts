import { parseEnv } from './env.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';

const env = parseEnv();
const logger = createLogger(env.LOG_LEVEL);

startServer(env, logger)
  .then((server) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      server.close().then(
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
    logger.fatal({ err: error }, 'backend failed to start');
    process.exit(1);
  });
