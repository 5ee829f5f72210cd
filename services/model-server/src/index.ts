import { createLogger } from './logger.js';
import { startModelServer } from './server.js';
import { settingsFromEnvironment } from './settings.js';

let settings: ReturnType<typeof settingsFromEnvironment>;
try {
  settings = settingsFromEnvironment();
} catch (error) {
  createLogger('info').fatal({ err: error }, 'invalid settings');
  process.exit(1);
}
const logger = createLogger(settings.logLevel);

process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception');
  process.exit(1);
});

const server = await startModelServer(settings, { logger });

server.ready.then(
  () => {
    const startupMs = performance.now();
    server.metrics.setStartupSeconds(startupMs / 1000);
    logger.info({ startup_ms: Math.round(startupMs) }, 'ready: every model loaded and warmed up');
  },
  (error: unknown) => {
    logger.fatal({ err: error }, 'startup failed');
    process.exit(1);
  },
);

let signalled = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    server.close().then(
      ({ forced }) => {
        logger.info({ forced }, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  });
}
