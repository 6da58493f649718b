import type { PipelineRunProgress } from '@cdp/contracts';
import { pipelineRunLogs, pipelineRuns } from '@cdp/db';
import type { PipelineLogLine, PipelineProgress } from '@cdp/pipelines';
import { eq } from 'drizzle-orm';
import type { AppContext } from '../lib/context.ts';
import type { RunLogRecord } from './record-success.ts';
import { notifyRunChanged } from './run-changes.ts';
import { withoutFlush } from './run-commit.ts';

/** Log lines longer than this are cut: a runaway print loop must not fill the database. */
const MAX_LINE = 4000;
/** After this many lines a run's log says it stops recording, and records nothing more but errors. */
const MAX_LINES = 5000;

type LogRow = typeof pipelineRunLogs.$inferInsert;

/**
 * A line waits this long for the lines after it, then they are written together: a small run's
 * dozen lines go in two or three transactions instead of one per burst, and each write wakes the
 * `drain` writes at once (a run's end does not wait).
 */
const FLUSH_MS = 40;

/**
 * Writes a run's progress and log into the database as the engine reports them, so any API process
 * can stream them (server-sent events poll these rows): log lines in order through one chain,
 * progress at most once per tick. Each tick also renews the run's heartbeat and reads whether a
 * cancel was asked for.
 *
 * Lines reported within `FLUSH_MS` of each other, or while a write is in flight, go out together (one
 * transaction, one multi-row INSERT): a small run reports a dozen lines within milliseconds, and a
 * transaction per line was a dozen commits in every run's fixed cost (docs/decisions.md, "The small
 * example's target").
 */
export class RunReporter {
  private chain: Promise<void> = Promise.resolve();
  private pending: LogRow[] = [];
  private progress: PipelineRunProgress | null = null;
  private progressDirty = false;
  private lines = 0;
  private timer: NodeJS.Timeout | undefined;
  private announce = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly orgId: string,
    private readonly runId: string,
    private seq: number,
  ) {}

  /**
   * `announce`: the write holding this line wakes the run's event streams (run-changes.ts). Other
   * lines reach them at the streams' next look or with the next announced change: a NOTIFY per
   * write cost each stream a read per burst of lines, more work than a short run's own.
   */
  log(line: PipelineLogLine, options: { announce?: boolean } = {}): void {
    if (options.announce) this.announce = true;
    this.lines += 1;
    if (this.lines > MAX_LINES && line.level !== 'error') {
      if (this.lines === MAX_LINES + 1) this.append({ level: 'warn', message: `log cut at ${MAX_LINES} lines` });
      return;
    }
    this.append(line);
  }

  private append(line: PipelineLogLine): void {
    this.pending.push(this.rowOf(line));
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private rowOf(line: PipelineLogLine): LogRow {
    const message = line.message.length > MAX_LINE ? `${line.message.slice(0, MAX_LINE)}… (cut)` : line.message;
    return {
      orgId: this.orgId,
      runId: this.runId,
      seq: ++this.seq,
      level: line.level,
      step: line.step ?? null,
      message,
    };
  }

  /**
   * `line` with the run's next sequence number, for the caller to write in its own transaction (the
   * run's last line, committed with its success, announced by that transaction's NOTIFY), once every
   * earlier line is written (their own transactions first: a stream reads lines by sequence, so none
   * may commit after a later one). If that transaction rolls back, the line is gone with it (its
   * sequence number stays unused).
   */
  async lastRow(line: PipelineLogLine): Promise<RunLogRecord> {
    await this.drain();
    const { seq, level, step, message } = this.rowOf(line);
    return { seq, level, step: step ?? null, message };
  }

  /** Queues the pending lines' write behind the earlier ones (one chain: lines stay in order). */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.chain = this.chain
      .then(() => this.writePending())
      .catch((error: unknown) =>
        this.ctx.log.warn({ err: error, runId: this.runId }, 'pipeline log lines not written'),
      );
  }

  /** Every line not written yet, in one transaction; nothing when an earlier link took them already. */
  private async writePending(): Promise<void> {
    if (this.pending.length === 0) return;
    const rows = this.pending.splice(0);
    const announce = this.announce;
    this.announce = false;
    await withoutFlush(this.ctx, this.orgId, async (tx) => {
      await tx.insert(pipelineRunLogs).values(rows);
      if (announce) await notifyRunChanged(tx, this.runId);
    });
  }

  setProgress(progress: PipelineProgress): void {
    const steps = Math.max(progress.steps, 1);
    this.progress = {
      step: progress.step,
      steps: progress.steps,
      percent: Math.max(0, Math.min(100, Math.round((100 * (progress.step - 1)) / steps))),
      rows: progress.rows ?? null,
      message: progress.message ?? null,
    };
    this.progressDirty = true;
  }

  /** Writes pending progress and the heartbeat; answers whether someone asked to cancel the run. */
  async tick(): Promise<boolean> {
    const set: Partial<typeof pipelineRuns.$inferInsert> = { heartbeatAt: new Date() };
    if (this.progressDirty && this.progress) {
      set.progress = this.progress;
      this.progressDirty = false;
    }
    const [row] = await withoutFlush(this.ctx, this.orgId, async (tx) => {
      const updated = await tx
        .update(pipelineRuns)
        .set(set)
        .where(eq(pipelineRuns.id, this.runId))
        .returning({ cancelRequestedAt: pipelineRuns.cancelRequestedAt });
      // Only progress shows in the run's event stream (the heartbeat does not).
      if (set.progress) await notifyRunChanged(tx, this.runId);
      return updated;
    });
    return Boolean(row?.cancelRequestedAt);
  }

  /** Writes every line so far now (not after the wait) and waits until they are written. */
  drain(): Promise<void> {
    if (this.timer) this.flush();
    return this.chain;
  }

  get lastProgress(): PipelineRunProgress | null {
    return this.progress;
  }
}
