import { createHash } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConnectorError, type PulledFile, type PullOutcome, type PullProgress } from '@cdp/connectors';
import { dataSourcePullLogs, dataSourcePulls, dataSources, studies, type Tx } from '@cdp/db';
import type { ConvertedDataset, ConvertedUpload } from '@cdp/formats';
import { and, eq, max } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { systemAuthor } from '../auth/author.ts';
import { activateDataVersion } from '../commands/activate-data-version.ts';
import { convertOrExplain, recordDataVersion, type VersionSource } from '../commands/create-data-version.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { durableSync } from '../lib/durable-files.ts';
import { RUN_ID, runTempName } from '../lib/process-run.ts';
import { decryptSecret, loadKeyring } from '../lib/secret-box.ts';
import { studyDir } from '../lib/study-folders.ts';
import type { DataSourcePullRow, DataSourceRow } from '../repositories/data-sources.repo.ts';
import { recordWebhookEvent } from '../webhooks/record-webhook-event.ts';
import { connectorFor } from './connectors.ts';

/** How often a running pull writes its progress and heartbeat, and looks for a cancel. */
const PULL_TICK_MS = 500;
/** Log lines longer than this are cut; after MAX_LINES only errors are recorded. */
const MAX_LINE = 4000;
const MAX_LINES = 5000;

class PullCancelled extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'PullCancelled';
  }
}

/** Where a source keeps what it remembers between pulls (a connector's ledger, merged records). */
export function sourceStateDir(dataDir: string, source: Pick<DataSourceRow, 'orgId' | 'studyId' | 'id'>): string {
  return path.join(studyDir(dataDir, source.orgId, source.studyId), 'sources', source.id);
}

/** Writes a pull's log and progress to the database as they come, so any API process can show them. */
class PullReporter {
  private chain: Promise<void> = Promise.resolve();
  private progress: DataSourcePullRow['progress'] = null;
  private dirty = false;
  private lines = 0;

  constructor(
    private readonly ctx: AppContext,
    private readonly orgId: string,
    private readonly pullId: string,
    private seq: number,
  ) {}

  log(level: 'info' | 'warn' | 'error', text: string): void {
    this.lines += 1;
    if (this.lines > MAX_LINES && level !== 'error') return;
    const seq = ++this.seq;
    const message = text.length > MAX_LINE ? `${text.slice(0, MAX_LINE)}… (cut)` : text;
    this.chain = this.chain
      .then(() =>
        this.ctx.database.tenant(this.orgId, async (tx) => {
          await tx.insert(dataSourcePullLogs).values({ orgId: this.orgId, pullId: this.pullId, seq, level, message });
        }),
      )
      .catch((error: unknown) => this.ctx.log.warn({ err: error, pullId: this.pullId }, 'pull log line not written'));
  }

  setProgress(progress: PullProgress): void {
    const before = this.progress;
    this.progress = {
      bytes: progress.bytes ?? before?.bytes ?? null,
      files: progress.files ?? before?.files ?? null,
      forms: progress.forms ?? before?.forms ?? null,
      subjects: progress.subjects ?? before?.subjects ?? null,
      message: progress.message ?? before?.message ?? null,
    };
    this.dirty = true;
  }

  get lastProgress() {
    return this.progress;
  }

  /** Writes pending progress and the heartbeat; answers whether someone asked to cancel. */
  async tick(): Promise<boolean> {
    const set: Partial<typeof dataSourcePulls.$inferInsert> = { heartbeatAt: new Date() };
    if (this.dirty) {
      set.progress = this.progress;
      this.dirty = false;
    }
    const [row] = await this.ctx.database.tenant(this.orgId, (tx) =>
      tx
        .update(dataSourcePulls)
        .set(set)
        .where(eq(dataSourcePulls.id, this.pullId))
        .returning({ cancelRequestedAt: dataSourcePulls.cancelRequestedAt }),
    );
    return Boolean(row?.cancelRequestedAt);
  }

  drain(): Promise<void> {
    return this.chain;
  }
}

interface Claimed {
  pull: DataSourcePullRow;
  source: DataSourceRow;
  seq: number;
}

async function claim(ctx: AppContext, orgId: string, pullId: string): Promise<Claimed | null> {
  return ctx.database.tenant(orgId, async (tx) => {
    const [pull] = await tx
      .select()
      .from(dataSourcePulls)
      .where(and(eq(dataSourcePulls.orgId, orgId), eq(dataSourcePulls.id, pullId)))
      .for('update');
    if (pull?.status !== 'QUEUED') return null;
    const [source] = await tx.select().from(dataSources).where(eq(dataSources.id, pull.sourceId));
    if (!source) return null;
    const now = new Date();
    const [claimed] = await tx
      .update(dataSourcePulls)
      .set({ status: 'RUNNING', startedAt: now, attempts: pull.attempts + 1, workerId: RUN_ID, heartbeatAt: now })
      .where(eq(dataSourcePulls.id, pull.id))
      .returning();
    await tx
      .update(dataSources)
      .set({ lastPullStatus: 'RUNNING', lastPullAt: now, lastPullMessage: null })
      .where(eq(dataSources.id, source.id));
    const [last] = await tx
      .select({ seq: max(dataSourcePullLogs.seq) })
      .from(dataSourcePullLogs)
      .where(eq(dataSourcePullLogs.pullId, pull.id));
    return claimed ? { pull: claimed, source, seq: last?.seq ?? 0 } : null;
  });
}

/** Ends a pull that made no version (unchanged, failed, cancelled), with its audit event and webhook, in one transaction. */
export async function endPull(
  tx: Tx,
  pull: Pick<DataSourcePullRow, 'id' | 'orgId' | 'sourceId' | 'studyId' | 'status' | 'startedAt'>,
  source: Pick<DataSourceRow, 'name' | 'type'>,
  status: 'UNCHANGED' | 'FAILED' | 'CANCELLED',
  message: string,
): Promise<void> {
  const now = new Date();
  await tx.update(dataSourcePulls).set({ status, message, finishedAt: now }).where(eq(dataSourcePulls.id, pull.id));
  await tx
    .update(dataSources)
    .set({
      lastPullStatus: status,
      lastPullAt: now,
      lastPullMessage: message,
      ...(status === 'UNCHANGED' && pull.startedAt ? { lastSuccessAt: pull.startedAt } : {}),
    })
    .where(eq(dataSources.id, pull.sourceId));
  if (status === 'UNCHANGED') return;
  await appendAudit(tx, {
    orgId: pull.orgId,
    author: systemAuthor(pull.orgId),
    action: status === 'FAILED' ? 'data_source.pull.failed' : 'data_source.pull.cancelled',
    resourceType: 'data_source_pull',
    resourceId: pull.id,
    oldValues: { status: pull.status },
    newValues: { status, sourceId: pull.sourceId, source: source.name, type: source.type, message },
  });
  if (status === 'FAILED') {
    await recordWebhookEvent(tx, pull.orgId, 'data_source.pull.failed', {
      pullId: pull.id,
      sourceId: pull.sourceId,
      studyId: pull.studyId,
      source: source.name,
      type: source.type,
      message,
    });
  }
}

/**
 * The `data_sources.pull` job: runs one queued pull in this process. The source's connector fetches
 * what is new; the runtime turns it into exactly one data version through the upload path
 * (all-or-nothing), activates it when the source says so, then lets the connector keep its state
 * (`commit`). Anything failing leaves the previous version active and nothing half-written: the
 * version is recorded in one transaction or not at all, and the connector's state is kept only
 * after it. Pulls are not retried by the queue: the message says what went wrong, the next
 * scheduled pull (or Pull now) tries again.
 */
export async function runPull(
  ctx: AppContext,
  payload: { orgId: string; pullId: string },
): Promise<{ pullId: string; status: string }> {
  const claimed = await claim(ctx, payload.orgId, payload.pullId);
  if (!claimed) return { pullId: payload.pullId, status: 'not queued' };
  const { pull, source } = claimed;
  const reporter = new PullReporter(ctx, pull.orgId, pull.id, claimed.seq);
  const controller = new AbortController();
  const work = path.join(
    studyDir(ctx.config.dataDir, pull.orgId, pull.studyId),
    'temp',
    runTempName(`pull-${pull.id}`),
  );
  let ticking = false;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    reporter
      .tick()
      .then((cancel) => {
        if (cancel && !controller.signal.aborted) controller.abort(new PullCancelled());
      })
      .catch((error: unknown) => ctx.log.warn({ err: error, pullId: pull.id }, 'pull heartbeat failed'))
      .finally(() => {
        ticking = false;
      });
  }, PULL_TICK_MS);
  const started = Date.now();
  let outcome: PullOutcome | null = null;
  try {
    reporter.log('info', `Started on worker ${RUN_ID.slice(0, 8)}: ${source.name} (${source.type})`);
    if (source.deletedAt) throw new ConnectorError('The source was deleted.');
    const secret = source.secretCiphertext
      ? decryptSecret(await loadKeyring(ctx.config), source.secretCiphertext)
      : null;
    await mkdir(work, { recursive: true });
    const stateDir = sourceStateDir(ctx.config.dataDir, source);
    await mkdir(stateDir, { recursive: true });
    const connector = connectorFor(ctx, source.type);
    const flush = durableSync(ctx);
    outcome = await connector.pull(source.config as never, secret, {
      signal: controller.signal,
      workDir: work,
      stateDir,
      lastSuccessAt: source.lastSuccessAt,
      progress: (p) => reporter.setProgress(p),
      log: (level, message) => reporter.log(level, message),
      // The connector's state (Rave's merged records) reaches the disk before the version commits.
      ...(flush ? { flush } : {}),
    });
    controller.signal.throwIfAborted();
    if (outcome.kind === 'unchanged') {
      const since = source.lastSuccessAt ? `since ${source.lastSuccessAt.toISOString()}` : 'yet';
      const message = `No changes ${since}: ${outcome.message}`;
      reporter.log('info', message);
      await reporter.drain();
      clearInterval(timer);
      await ctx.database.tenant(pull.orgId, (tx) => endPull(tx, pull, source, 'UNCHANGED', message));
      return { pullId: pull.id, status: 'UNCHANGED' };
    }
    const author = systemAuthor(pull.orgId);
    const made = outcome;
    const versionSource: VersionSource =
      made.kind === 'files'
        ? filesSource(source, made.files)
        : { kind: 'upload', fileName: `${source.name}: ${made.describe}`.slice(0, 500), bytes: 0, sha256: '' };
    reporter.setProgress({ message: 'Converting into a new version' });
    reporter.log('info', 'Converting into a new version');
    const version = await recordDataVersion(ctx, author, {
      studyId: pull.studyId,
      source: versionSource,
      produce: async (out) => {
        controller.signal.throwIfAborted();
        return made.kind === 'files' ? convertFiles(ctx, made.files, work, out, reporter) : made.produce(out);
      },
    });
    clearInterval(timer);
    let activated = version.version.id === (await activeVersionOf(ctx, pull.orgId, pull.studyId));
    if (source.autoActivate && !activated) {
      await activateDataVersion(ctx, author, {
        studyId: pull.studyId,
        versionId: version.version.id,
        reason: `Data source ${source.name} is set to activate each new version`,
      });
      activated = true;
    }
    const datasets = version.datasets.map((d) => ({ name: d.name, rows: d.rows }));
    const message = `Version ${version.version.label}: ${datasets.length} dataset${datasets.length === 1 ? '' : 's'}${activated ? ', active' : ''}`;
    await ctx.database.tenant(pull.orgId, async (tx) => {
      const now = new Date();
      await tx
        .update(dataSourcePulls)
        .set({ status: 'SUCCEEDED', finishedAt: now, versionId: version.version.id, activated, message })
        .where(eq(dataSourcePulls.id, pull.id));
      await tx
        .update(dataSources)
        .set({ lastPullStatus: 'SUCCEEDED', lastPullAt: now, lastPullMessage: message, lastSuccessAt: pull.startedAt })
        .where(eq(dataSources.id, source.id));
      await appendAudit(tx, {
        orgId: pull.orgId,
        author,
        action: 'data_source.pull.succeeded',
        resourceType: 'data_source_pull',
        resourceId: pull.id,
        oldValues: { status: 'RUNNING' },
        newValues: {
          status: 'SUCCEEDED',
          sourceId: source.id,
          source: source.name,
          versionId: version.version.id,
          label: version.version.label,
          activated,
          datasets,
        },
      });
      await recordWebhookEvent(tx, pull.orgId, 'data_source.pull.succeeded', {
        pullId: pull.id,
        sourceId: source.id,
        studyId: pull.studyId,
        source: source.name,
        type: source.type,
        versionId: version.version.id,
        label: version.version.label,
        activated,
        datasets,
      });
    });
    try {
      await made.commit();
    } catch (error) {
      reporter.log('warn', `The version stands, but the source could not record what it took: ${errorText(error)}`);
    }
    reporter.log('info', `Succeeded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${message}`);
    return { pullId: pull.id, status: 'SUCCEEDED' };
  } catch (error) {
    clearInterval(timer);
    return await failPull(ctx, reporter, claimed, outcome, error, controller.signal.aborted);
  } finally {
    clearInterval(timer);
    await reporter.drain();
    await rm(work, { recursive: true, force: true });
  }
}

async function activeVersionOf(ctx: AppContext, orgId: string, studyId: string): Promise<string | null> {
  const [row] = await ctx.database.tenant(orgId, (tx) =>
    tx.select({ active: studies.activeDataVersionId }).from(studies).where(eq(studies.id, studyId)),
  );
  return row?.active ?? null;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function failPull(
  ctx: AppContext,
  reporter: PullReporter,
  claimed: Claimed,
  outcome: PullOutcome | null,
  error: unknown,
  aborted: boolean,
): Promise<{ pullId: string; status: string }> {
  const { pull, source } = claimed;
  if (aborted || error instanceof PullCancelled) {
    reporter.log('warn', 'Cancelled: the transfer was stopped and nothing was kept');
    await reporter.drain();
    await ctx.database.tenant(pull.orgId, (tx) => endPull(tx, pull, source, 'CANCELLED', 'Cancelled'));
    return { pullId: pull.id, status: 'CANCELLED' };
  }
  // The message names the source; a connector's or converter's message names the file or request.
  const message = `${source.name}: ${errorText(error)}`;
  if (!(error instanceof ConnectorError) && !(error instanceof AppError)) {
    ctx.log.warn({ err: error, pullId: pull.id, source: source.name }, 'data source pull failed');
  }
  reporter.log('error', `Failed: ${message}`);
  if (outcome?.kind === 'files' && outcome.reject) {
    await outcome
      .reject(message)
      .catch((rejectError: unknown) =>
        reporter.log('warn', `Could not set the files aside: ${errorText(rejectError)}`),
      );
  }
  await reporter.drain();
  await ctx.database.tenant(pull.orgId, (tx) => endPull(tx, pull, source, 'FAILED', message));
  return { pullId: pull.id, status: 'FAILED' };
}

/** What the version records as its source: the files' names, their total size and one checksum over theirs. */
function filesSource(source: DataSourceRow, files: PulledFile[]): VersionSource {
  const names = files.map((f) => f.name).join(', ');
  const sha256 =
    files.length === 1
      ? (files[0] as PulledFile).sha256
      : createHash('sha256')
          .update(files.map((f) => `${f.name}:${f.sha256}`).join('\n'))
          .digest('hex');
  return {
    kind: 'upload',
    fileName: `${source.name}: ${names}`.slice(0, 500),
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    sha256,
  };
}

/**
 * Several files of one pull become one version: each is converted as an upload would be, and
 * their datasets are put together. Where two files hold a dataset of the same name, the later
 * file (the connector lists them oldest first) wins, with a warning in the log: a delivery that
 * repeats a domain replaces it. A file that fails conversion fails the whole pull, naming it.
 */
async function convertFiles(
  ctx: AppContext,
  files: PulledFile[],
  pullWork: string,
  out: string,
  reporter: PullReporter,
): Promise<ConvertedUpload> {
  const byName = new Map<string, { dataset: ConvertedDataset; file: string }>();
  const skipped: ConvertedUpload['skipped'] = [];
  for (const [index, file] of files.entries()) {
    reporter.setProgress({ files: index, message: `Converting ${file.name}` });
    const dir = path.join(pullWork, `convert-${index + 1}`);
    await mkdir(dir, { recursive: true });
    let converted: ConvertedUpload;
    try {
      converted = await convertOrExplain(ctx, { ...file, fileName: file.name, kind: 'upload' }, dir);
    } catch (error) {
      const text = errorText(error);
      // The converter's message usually names the file already: name it once.
      throw new ConnectorError(text.startsWith(`${file.name}:`) ? text : `${file.name}: ${text}`, { file: file.name });
    }
    for (const dataset of converted.datasets) {
      const key = dataset.name.toUpperCase();
      const earlier = byName.get(key);
      if (earlier) reporter.log('warn', `${dataset.name} of ${file.name} replaces the one of ${earlier.file}`);
      byName.set(key, { dataset, file: file.name });
    }
    skipped.push(
      ...converted.skipped.map((s) => ({ ...s, file: files.length > 1 ? `${file.name}/${s.file}` : s.file })),
    );
    reporter.log(
      'info',
      `${file.name}: ${converted.datasets.map((d) => `${d.name} (${d.rows} rows)`).join(', ') || 'no datasets'}`,
    );
  }
  if (byName.size === 0) throw new ConnectorError(`No datasets in ${files.map((f) => f.name).join(', ')}.`);
  // Only the datasets' files move into the version folder; the rest of each conversion stays behind.
  const datasets: ConvertedDataset[] = [];
  let n = 0;
  for (const { dataset } of byName.values()) {
    const target = path.join(out, `part-${++n}.parquet`);
    await rename(dataset.file, target);
    datasets.push({ ...dataset, file: target });
  }
  reporter.setProgress({ files: files.length, message: 'Recording the version' });
  return { datasets, skipped };
}
