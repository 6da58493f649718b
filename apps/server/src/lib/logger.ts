import pino, { type Logger } from 'pino';
import { LOG_REDACT } from './log-redact.ts';

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: LOG_REDACT, censor: '[redacted]' }, base: { service: 'cdp' } });
}
