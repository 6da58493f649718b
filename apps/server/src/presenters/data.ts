import type { DatasetSummary, DataVersion } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import { studyPermissions } from '../policies/study.ts';
import type { DatasetRow, VersionWithDatasets } from '../repositories/data-versions.repo.ts';
import { type Resource, resource } from './envelope.ts';

export function presentDataset(row: DatasetRow): DatasetSummary {
  return {
    name: row.name,
    label: row.label,
    rows: row.rows,
    columns: row.columns.map((c) => ({
      name: c.name,
      label: c.label,
      type: c.type as DatasetSummary['columns'][number]['type'],
      length: c.length,
      format: c.format,
    })),
    source: row.source,
    format: row.format,
    sha256: row.sha256,
    bytes: row.bytes,
  };
}

/** Columns with the study's PHI marks and whether the caller sees each masked. */
export function withPhiMarks(
  columns: DatasetSummary['columns'],
  dataset: { columns: Array<{ name: string; phi?: 'phi' | 'sensitive'; masked?: boolean }> },
): DatasetSummary['columns'] {
  const marks = new Map(dataset.columns.map((c) => [c.name.toUpperCase(), c]));
  return columns.map((c) => {
    const mark = marks.get(c.name.toUpperCase());
    if (!mark?.phi) return c;
    return { ...c, phi: mark.phi, ...(mark.masked ? { masked: true, type: 'string' as const } : {}) };
  });
}

export function presentVersion(item: VersionWithDatasets, activeVersionId: string | null): DataVersion {
  const { version } = item;
  return {
    id: version.id,
    label: version.label,
    createdAt: version.createdAt.toISOString(),
    createdBy: item.createdBy,
    source: {
      kind: version.kind,
      fileName: version.sourceFileName,
      bytes: version.sourceBytes,
      sha256: version.sourceSha256,
    },
    active: version.id === activeVersionId,
    datasets: item.datasets.map(presentDataset),
    skipped: version.skipped,
  };
}

/** A version with what the caller may do in its study (activate it: `data:upload:assigned`, …). */
export function versionResource(
  actor: Actor,
  version: VersionWithDatasets,
  activeVersionId: string | null,
): Resource<DataVersion> {
  return resource(presentVersion(version, activeVersionId), studyPermissions(actor, version.version.studyId));
}
