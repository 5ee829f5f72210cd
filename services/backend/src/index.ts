import { parseEnv } from './env.js';
import { createLogger } from './logger.js';
import { runUntilSignal } from './run-until-signal.js';
import { startServer } from './server.js';

const env = parseEnv();
const logger = createLogger(env.LOG_LEVEL);
runUntilSignal('backend', logger, () => startServer(env, logger));
