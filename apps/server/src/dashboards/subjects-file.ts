import type { DataVersionStamp, SubjectListing } from '@cdp/contracts';
import ExcelJS from 'exceljs';
import { csvRow } from '../lib/csv.ts';

/** What the file says about where its rows come from (the XLSX's "About" sheet). */
export interface SubjectsFileContext {
  dashboard: string;
  widget: string;
  /** The drill's description: "Body System = GASTROINTESTINAL DISORDERS · Treatment arm = Placebo". */
  description: string;
  filters: string[];
  dataVersion: DataVersionStamp | null;
  exportedBy: string;
  exportedAt: Date;
}

/** One header row of the columns' labels, then the subjects: plain, so any tool can read it. */
export function subjectsCsv(listing: SubjectListing): Buffer {
  const lines = [csvRow(listing.columns.map((c) => c.label)), ...listing.rows.map((row) => csvRow(row))];
  return Buffer.from(`\uFEFF${lines.join('')}`, 'utf8');
}

/** A "Subjects" sheet (typed cells, header frozen, filterable) and an "About" sheet saying what was exported. */
export async function subjectsXlsx(listing: SubjectListing, context: SubjectsFileContext): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'CDP';
  workbook.created = context.exportedAt;
  const sheet = workbook.addWorksheet('Subjects', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = listing.columns.map((c) => ({
    header: c.label,
    key: c.name,
    width: Math.min(40, Math.max(10, c.label.length + 2)),
  }));
  for (const row of listing.rows) sheet.addRow(row.map((cell) => (cell === undefined ? null : cell)));
  sheet.getRow(1).font = { bold: true };
  if (listing.columns.length > 0) {
    sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: listing.columns.length } };
  }

  const about = workbook.addWorksheet('About');
  about.columns = [
    { header: 'Item', key: 'item', width: 18 },
    { header: 'Value', key: 'value', width: 90 },
  ];
  const version = context.dataVersion;
  const rows: Array<[string, string]> = [
    ['Dashboard', context.dashboard],
    ['Widget', context.widget],
    ['Subjects', `${listing.total} · ${context.description}`],
    ['Filters', context.filters.length > 0 ? context.filters.join('; ') : 'none'],
    ['Data version', version ? `${version.label} (${version.source.fileName})` : 'none'],
    ['Loaded', version ? `${version.loadedAt}${version.loadedBy ? ` by ${version.loadedBy}` : ''}` : ''],
    ['Activated', version ? `${version.activatedAt}${version.activatedBy ? ` by ${version.activatedBy}` : ''}` : ''],
    ['Exported', `${context.exportedAt.toISOString()} by ${context.exportedBy}`],
  ];
  for (const [item, value] of rows) about.addRow({ item, value });
  about.getRow(1).font = { bold: true };
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
