import type { DataSource, DataSourcePull, DataSourcePullDetail } from '@cdp/contracts';
import { nextRunAt } from '../data-sources/schedule.ts';
import { maskedSecret } from '../lib/secret-box.ts';
import type { DataSourcePullLogRow, DataSourcePullRow, SourceWithStudy } from '../repositories/data-sources.repo.ts';

/** A source as the API shows it: its configuration, never its secret (only whether one is set, and when). */
export function presentSource({ row, studyCode, activePullId }: SourceWithStudy): DataSource {
  return {
    id: row.id,
    studyId: row.studyId,
    studyCode,
    name: row.name,
    type: row.type,
    config: row.config,
    secret: {
      set: row.secretCiphertext !== null,
      setAt: row.secretSetAt?.toISOString() ?? null,
      masked: row.secretCiphertext === null ? null : maskedSecret(row.secretSetAt),
    },
    schedule: row.schedule ?? null,
    enabled: row.enabled,
    autoActivate: row.autoActivate,
    lastPull:
      row.lastPullStatus && row.lastPullAt
        ? { status: row.lastPullStatus, at: row.lastPullAt.toISOString(), message: row.lastPullMessage }
        : null,
    lastSuccessAt: row.lastSuccessAt?.toISOString() ?? null,
    nextRunAt: nextRunAt(row)?.toISOString() ?? null,
    activePullId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function presentPull(row: DataSourcePullRow): DataSourcePull {
  return {
    id: row.id,
    sourceId: row.sourceId,
    status: row.status,
    trigger: row.trigger,
    progress: row.progress ?? null,
    message: row.message,
    versionId: row.versionId,
    activated: row.activated,
    attempts: row.attempts,
    queuedAt: row.queuedAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    durationMs: row.startedAt && row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
    cancelRequestedAt: row.cancelRequestedAt?.toISOString() ?? null,
  };
}

export function presentPullDetail(row: DataSourcePullRow, log: DataSourcePullLogRow[]): DataSourcePullDetail {
  return {
    ...presentPull(row),
    log: log.map((l) => ({ seq: l.seq, at: l.at.toISOString(), level: l.level, message: l.message })),
  };
}
