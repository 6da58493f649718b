import type { ConvertedUpload } from '@cdp/formats';

/**
 * The seam between the data-source runtime (apps/server: sources, schedules, pull jobs, versions)
 * and the connectors that fetch data (Rave Web Services, sFTP, a watched folder). A connector
 * knows its remote system and nothing about tenants, the database or versions; the runtime knows
 * nothing about RWS or SSH.
 */

/** What a running pull reports, shown live on the source's page. */
export interface PullProgress {
  bytes?: number;
  files?: number;
  forms?: number;
  subjects?: number;
  /** One line saying what is happening now ("Reading form AE, page 3"). */
  message?: string;
}

export interface PullContext {
  /** Aborted when the user cancels the pull or the job's deadline passes. */
  signal: AbortSignal;
  /** A scratch folder for this pull, removed by the runtime afterwards. */
  workDir: string;
  /** The source's own folder, kept between pulls (a connector's merged records, file ledger). */
  stateDir: string;
  /** When the last successful pull started, or null before the first one. */
  lastSuccessAt: Date | null;
  progress(progress: PullProgress): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /**
   * Flushes a file's data (`file`) or a folder's names (`folder`) to the disk: the runtime's
   * durable-files sync. A connector flushes what it keeps in `stateDir` before its `produce()`
   * returns (the version's row commits after it) and its state pointer in `commit()`. Absent when
   * the data files are not made durable (tests, benches): nothing is flushed.
   */
  flush?: FlushPath;
}

/** See `PullContext.flush`. */
export type FlushPath = (target: string, kind: 'file' | 'folder') => Promise<void>;

/** A file fetched by a pull, to be ingested as an upload is (ZIP, XPT, SAS7BDAT, CSV, ODM, ...). */
export interface PulledFile {
  /** Where the connector put it, under `workDir`. */
  path: string;
  /** The name the version records as its source file. */
  name: string;
  bytes: number;
  sha256: string;
  /** What identifies the file remotely, for the ledger of files already taken (path, size, mtime). */
  remoteId: string;
}

/**
 * What a pull found. `unchanged` creates no version. `datasets` and `files` become exactly one new
 * version; the runtime calls `commit()` only after that version is recorded, so a connector keeps
 * its new state (merged records, files taken, files archived) only when nothing failed.
 */
export type PullOutcome =
  | { kind: 'unchanged'; message: string }
  | {
      kind: 'datasets';
      /** One line for the version's source ("Rave CDP01 Mediflex(Prod), 1,000 subjects, 20 forms"). */
      describe: string;
      /** Writes the version's Parquet files into `work` (the runtime's `DatasetProducer`). */
      produce(work: string): Promise<ConvertedUpload>;
      commit(): Promise<void>;
    }
  | {
      kind: 'files';
      files: PulledFile[];
      commit(): Promise<void>;
      /** Called instead of `commit()` when the files did not become a version (a watched folder moves them to `failed/`). */
      reject?(reason: string): Promise<void>;
    };

/** A connection test's answer, shown in the add-source wizard. */
export interface ConnectionCheck {
  ok: boolean;
  /** What was checked and found ("Rave 5.6.4, 3 studies visible"), or what failed and why. */
  message: string;
  /** sFTP: the server's host key fingerprint (SHA256:...), for the user to confirm and pin. */
  hostKeyFingerprint?: string;
}

/**
 * A pull's failure, naming the source's request or file and the reason; the runtime shows
 * `message` as it is, so it must never contain a secret.
 */
export class ConnectorError extends Error {
  constructor(
    message: string,
    readonly details: { request?: string; file?: string; status?: number; retryable?: boolean } = {},
  ) {
    super(message);
    this.name = 'ConnectorError';
  }
}

/**
 * A connector: one remote system, configured by its type's config (`@cdp/contracts`'
 * `RaveSourceConfig`, `SftpSourceConfig`, `FolderSourceConfig`) and a secret (null when the type
 * has none). The runtime picks the connector by the source's type.
 */
export interface Connector<Config> {
  test(config: Config, secret: string | null, signal: AbortSignal): Promise<ConnectionCheck>;
  pull(config: Config, secret: string | null, context: PullContext): Promise<PullOutcome>;
}

/** A Rave study as `GET /RaveWebServices/studies` lists it, for the wizard to pick from. */
export interface RaveStudyChoice {
  /** `project(environment)`, e.g. `Mediflex(Prod)`. */
  oid: string;
  project: string;
  environment: string;
  name: string;
}
