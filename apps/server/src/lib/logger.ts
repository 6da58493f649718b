import pino, { type DestinationStream, type Logger } from 'pino';
import { LOG_REDACT, LOG_SERIALIZERS } from './log-redact.ts';

/**
 * `json`: one JSON object per line, for machines (`cdp api`, `cdp worker`, log shippers).
 * `human`: one short line per event, for a person watching `cdp start` in a terminal.
 */
export type LogFormat = 'json' | 'human';

export function createLogger(level: string, format: LogFormat = 'json', out?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: LOG_REDACT, censor: '[redacted]' },
    serializers: LOG_SERIALIZERS,
    base: { service: 'cdp' },
  };
  if (format === 'json') return out ? pino(options, out) : pino(options);
  return pino(options, humanLines(out ?? process.stdout));
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: '', 40: 'warning', 50: 'error', 60: 'fatal' };

/** `09:12:03  warning  message: cause`: the time, the level unless it is plain info, the message. */
export function formatHumanLine(record: { level: number; time: number; msg?: string; err?: { message?: string } }) {
  const time = new Date(record.time).toTimeString().slice(0, 8);
  const level = LEVELS[record.level] ?? String(record.level);
  const cause = record.err?.message && record.err.message !== record.msg ? `: ${record.err.message}` : '';
  return `${time}  ${level ? `${level}  ` : ''}${record.msg ?? ''}${cause}\n`;
}

/** A pino destination that turns each JSON record (already redacted) into a human line. */
function humanLines(out: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      try {
        out.write(formatHumanLine(JSON.parse(line)));
      } catch {
        out.write(line);
      }
    },
  };
}
