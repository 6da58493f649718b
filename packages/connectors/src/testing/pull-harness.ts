import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RaveSourceConfig } from '@cdp/contracts';
import { type ConvertedUpload, openDuckDb, quoteLiteral } from '@cdp/formats';
import { raveConnector } from '../rave/index.ts';
import type { PullContext, PullOutcome, PullProgress } from '../types.ts';
import type { RaveSimulator } from './rave-simulator.ts';

/** A source's folders and a context for one pull, as the runtime would give them. */
export class PullHarness {
  readonly logs: string[] = [];
  readonly progress: PullProgress[] = [];
  lastSuccessAt: Date | null = null;

  private constructor(
    readonly root: string,
    readonly stateDir: string,
  ) {}

  static async create(): Promise<PullHarness> {
    const root = await mkdtemp(path.join(os.tmpdir(), 'rave-test-'));
    const stateDir = path.join(root, 'state');
    await mkdir(stateDir);
    return new PullHarness(root, stateDir);
  }

  async context(signal: AbortSignal = new AbortController().signal): Promise<PullContext> {
    const workDir = await mkdtemp(path.join(this.root, 'work-'));
    return {
      signal,
      workDir,
      stateDir: this.stateDir,
      lastSuccessAt: this.lastSuccessAt,
      progress: (p) => this.progress.push(p),
      log: (level, message) => this.logs.push(`${level}: ${message}`),
    };
  }

  /** pull → produce → commit, as the runtime does; lastSuccessAt moves to the pull's start. */
  async pull(
    config: RaveSourceConfig,
    secret: string,
    signal?: AbortSignal,
  ): Promise<{ outcome: PullOutcome; upload?: ConvertedUpload }> {
    const started = new Date();
    const outcome = await raveConnector.pull(config, secret, await this.context(signal));
    if (outcome.kind === 'unchanged') {
      this.lastSuccessAt = started;
      return { outcome };
    }
    if (outcome.kind !== 'datasets') throw new Error('expected datasets');
    const out = await mkdtemp(path.join(this.root, 'version-'));
    const upload = await outcome.produce(out);
    await outcome.commit();
    this.lastSuccessAt = started;
    return { outcome, upload };
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

export function simConfig(sim: RaveSimulator, overrides: Partial<RaveSourceConfig> = {}): RaveSourceConfig {
  return {
    baseUrl: sim.url,
    auth: 'basic',
    username: sim.options.username,
    project: sim.options.project,
    environment: sim.options.environment,
    includeAudit: false,
    pageSize: 1_000,
    timeoutSeconds: 30,
    ...overrides,
  };
}

/** A Parquet file's rows as JSON objects (dates as ISO text). */
export async function readRows(file: string): Promise<Record<string, unknown>[]> {
  const db = await openDuckDb();
  try {
    const result = await db.connection.runAndReadAll(`SELECT * FROM read_parquet(${quoteLiteral(file)})`);
    return result.getRowObjectsJson();
  } finally {
    db.close();
  }
}

/** Each dataset of a pull's upload: its columns and rows, in file order, typed as DuckDB reads them. */
export async function uploadContents(upload: ConvertedUpload | null | undefined) {
  const db = await openDuckDb();
  try {
    const out: Record<string, { columns: unknown; types: unknown; rows: unknown }> = {};
    for (const dataset of upload?.datasets ?? []) {
      const result = await db.connection.runAndReadAll(`SELECT * FROM read_parquet(${quoteLiteral(dataset.file)})`);
      out[dataset.name] = {
        columns: dataset.columns,
        types: result.columnTypes().map(String),
        rows: result.getRowsJson(),
      };
    }
    return out;
  } finally {
    db.close();
  }
}
