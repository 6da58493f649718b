import type { PhiAccessEntry, PhiAccessReportRow, PhiColumn } from '@cdp/contracts';
import type { PhiColumnRow, phiAccessByUserMonth, searchPhiAccess } from '../repositories/phi.repo.ts';

export function presentPhiColumn(row: PhiColumnRow & { confirmedByName: string | null }): PhiColumn {
  return {
    dataset: row.dataset,
    column: row.column,
    classification: row.classification,
    confirmedBy: row.confirmedBy ? { id: row.confirmedBy, name: row.confirmedByName ?? '' } : null,
    confirmedAt: row.confirmedAt.toISOString(),
  };
}

type AccessRow = Awaited<ReturnType<typeof searchPhiAccess>>['rows'][number];

export function presentPhiAccess(row: AccessRow, studyCodes: Map<string, string>): PhiAccessEntry {
  const { entry } = row;
  return {
    id: entry.id,
    at: entry.createdAt.toISOString(),
    user: entry.userId ? { id: entry.userId, name: row.userName ?? '', email: row.userEmail ?? '' } : null,
    apiKeyId: entry.apiKeyId,
    ip: entry.ip,
    userAgent: entry.userAgent,
    studyId: entry.studyId,
    studyCode: studyCodes.get(entry.studyId) ?? null,
    dataset: entry.dataset,
    columns: entry.columns,
    rows: entry.rows,
    route: entry.route,
  };
}

type ReportRow = Awaited<ReturnType<typeof phiAccessByUserMonth>>[number];

export function presentPhiReportRow(row: ReportRow): PhiAccessReportRow {
  return {
    month: row.month,
    user: row.userId ? { id: row.userId, name: row.userName ?? '', email: row.userEmail ?? '' } : null,
    apiKeyId: row.apiKeyId,
    responses: row.responses,
    rows: row.rows,
    studies: row.studies,
  };
}
