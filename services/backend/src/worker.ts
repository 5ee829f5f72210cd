import { parseEnv } from './env.js';
import { createLogger } from './logger.js';
import { startWorkerProcess } from './worker-process.js';

const env = parseEnv();
const logger = createLogger(env.LOG_LEVEL);

startWorkerProcess(env, logger)
  .then((running) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'stopping the video workers');
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
    logger.fatal({ err: error }, 'video workers failed to start');
    process.exit(1);
  });
