import pino, { type DestinationStream, type Logger } from 'pino';

/** JSON lines, the level as a label and the time in ISO 8601, one `service` field: the model server's format too. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'backend' },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
