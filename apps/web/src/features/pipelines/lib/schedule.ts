import type { PipelineTriggers } from '@cdp/contracts';
import { parseExpression } from 'cron-parser';

/**
 * When a cron schedule fires next, in its time zone: computed with cron-parser, the library the
 * job scheduler (pg-boss) itself uses, so the page and the scheduler agree. Null when the
 * expression is not valid.
 */
export function nextRun(cron: string, timeZone: string, after: Date = new Date()): Date | null {
  try {
    return parseExpression(cron.trim(), { tz: timeZone, currentDate: after }).next().toDate();
  } catch {
    return null;
  }
}

/** The first `count` times a schedule fires, for the trigger editor's preview. */
export function nextRuns(cron: string, timeZone: string, count: number, after: Date = new Date()): Date[] {
  try {
    const expression = parseExpression(cron.trim(), { tz: timeZone, currentDate: after });
    return Array.from({ length: count }, () => expression.next().toDate());
  } catch {
    return [];
  }
}

/** Why a cron expression is refused, or null when it is fine. */
export function cronProblem(cron: string): string | null {
  const text = cron.trim();
  if (!/^(\S+\s+){4}\S+$/.test(text)) {
    return 'Give five fields: minute hour day-of-month month day-of-week (e.g. 0 6 * * 1-5).';
  }
  try {
    parseExpression(text, { tz: 'UTC' });
    return null;
  } catch (error) {
    return error instanceof Error ? `Not a valid schedule: ${error.message}` : 'Not a valid schedule.';
  }
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const two = (n: string) => n.padStart(2, '0');

/**
 * A cron expression in words for the common shapes (every day, weekdays, one weekday, every hour,
 * one day of the month, at one time); anything else is shown as the expression itself.
 */
export function describeCron(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return cron;
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const plain = (v: string) => /^\d{1,2}$/.test(v);
  if (month !== '*') return cron;
  if (plain(minute) && hour === '*' && dom === '*' && dow === '*') return `Every hour at :${two(minute)}`;
  if (!plain(minute) || !plain(hour)) return cron;
  const time = `${two(hour)}:${two(minute)}`;
  if (dom === '*' && dow === '*') return `Every day at ${time}`;
  if (dom === '*' && dow === '1-5') return `Weekdays at ${time}`;
  if (dom === '*' && /^[0-7]$/.test(dow)) return `Every ${DAYS[Number(dow) % 7]} at ${time}`;
  if (plain(dom) && dow === '*') return `Day ${Number(dom)} of every month at ${time}`;
  return cron;
}

/** The triggers of a pipeline as short phrases: "Manual", "On new data", the schedule, "After upstream". */
export function triggerPhrases(triggers: PipelineTriggers, hasUpstream: boolean): string[] {
  const phrases: string[] = [];
  if (triggers.schedule) phrases.push(`${describeCron(triggers.schedule.cron)} (${triggers.schedule.timeZone})`);
  if (triggers.onSourceActivation) phrases.push('When new data is activated');
  if (hasUpstream && triggers.afterUpstream) phrases.push('After its upstream pipelines');
  if (phrases.length === 0) phrases.push('Manual only');
  return phrases;
}
