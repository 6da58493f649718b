import pino, { type DestinationStream, type Logger } from 'pino';
import { LOG_REDACT, LOG_SERIALIZERS } from './log-redact.ts';

/** The process logger; tests pass a destination to read what would have been logged. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: LOG_REDACT, censor: '[redacted]' },
    serializers: LOG_SERIALIZERS,
    base: { service: 'cdp' },
  };
  return destination ? pino(options, destination) : pino(options);
}
