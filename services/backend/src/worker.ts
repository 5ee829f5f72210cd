import { parseEnv } from './env.js';
import { createLogger } from './logger.js';
import { runUntilSignal } from './run-until-signal.js';
import { startWorkerProcess } from './worker-process.js';

const env = parseEnv();
const logger = createLogger(env.LOG_LEVEL);
runUntilSignal('video workers', logger, () => startWorkerProcess(env, logger));
