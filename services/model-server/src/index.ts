import { ModelRepository } from './repository.js';
import { prestartRuntimes } from './runtime/prestarted-runtimes.js';
import { type Settings, settingsFromEnvironment } from './settings.js';

let settings: Settings;
try {
  settings = settingsFromEnvironment();
} catch (error) {
  const { createLogger } = await import('./logger.js');
  createLogger('info').fatal({ err: error }, 'invalid settings');
  process.exit(1);
}

// Model sessions start loading in their worker threads before the rest of the server is imported.
const runtimes = prestartRuntimes(new ModelRepository(settings.modelRepository), {
  intraOpThreads: settings.intraOpThreads,
  interOpThreads: settings.interOpThreads,
  threadSpinning: settings.threadSpinning,
});

const [{ createLogger }, { startModelServer }] = await Promise.all([
  import('./logger.js'),
  import('./server.js'),
]);
const logger = createLogger(settings.logLevel);

process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception');
  process.exit(1);
});

let server: Awaited<ReturnType<typeof startModelServer>>;
try {
  server = await startModelServer(settings, { logger, startRuntime: runtimes.startRuntime });
} catch (error) {
  logger.fatal({ err: error }, 'startup failed');
  process.exit(1);
}

server.ready.then(
  ({ ready, failed }) => {
    const startupMs = performance.now();
    server.metrics.setStartupSeconds(startupMs / 1000);
    if (failed.length === 0) {
      logger.info({ startup_ms: Math.round(startupMs) }, 'ready: every model loaded and warmed up');
    } else {
      logger.warn(
        { startup_ms: Math.round(startupMs), serving: ready, unavailable: failed },
        'ready: serving the models that loaded; the others are UNAVAILABLE (STRICT_MODEL_LOADING=true makes this fatal)',
      );
    }
    void runtimes.releaseUnclaimed();
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
