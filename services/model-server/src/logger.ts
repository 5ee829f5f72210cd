import { type Logger, pino } from 'pino';
import type { Settings } from './settings.js';

/** JSON lines on stdout, level as a label, one `service` field. */
export function createLogger(level: Settings['logLevel']): Logger {
  return pino({
    level,
    base: { service: 'model-server' },
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
