import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { QueryEngine } from '@cdp/analytics';
import { type DashboardDataFilter, ExportOptions } from '@cdp/contracts';
import type { ReportInput } from '@cdp/reports';
import type { Actor } from '../auth/actor.ts';
import type { Author } from '../auth/author.ts';
import {
  beginDashboardExport,
  failDashboardExport,
  finishDashboardExport,
  reportExportProgress,
} from '../commands/dashboard-exports.ts';
import { activeDataVersionStamp } from '../dashboards/data-version-stamp.ts';
import { readerDocument, reviewChoicesOf, type WidgetReaderOptions } from '../dashboards/reader-options.ts';
import { reviewNotes, reviewSetsFor } from '../dashboards/review-filter.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { durableFiles } from '../lib/durable-files.ts';
import { studyDir } from '../lib/study-folders.ts';
import { currentPhiReads } from '../phi/phi-reads.ts';
import { activeVersionData, dashboardFor } from '../policies/dashboard.ts';
import { reportInput, runPages } from './build-report.ts';
import { dashboardApprovals } from './export-approvals.ts';
import { loadRenderers, type Renderers } from './renderers.ts';

/**
 * The one function that turns a dashboard into an export file. The export routes and job
 * (`exports.render`) and the scheduled reports both call it: it records the export (or carries
 * on the row it is given), renders with `@cdp/reports`, writes the file under the study's
 * `exports/` folder, and audits `dashboard.exported` with the file's sha256.
 */
export type ExportFormat = 'pdf' | 'pptx' | 'xlsx';

export interface ExportRequest {
  studyId: string;
  dashboardId: string;
  format: ExportFormat;
  /** Page ids; all pages when absent. */
  pages?: string[];
  filters: DashboardDataFilter[];
  /** Widget id → the choices its reader made on it (`readerDocument`). */
  widgetOptions?: WidgetReaderOptions;
  /** Renderer options (`ExportOptions`: paperSize, orientation); an unknown one is a 400 naming it. */
  options: Record<string, unknown>;
  /** The export's row when it was queued already (the job); a new row is recorded when absent. */
  exportId?: string;
}

export interface ProducedExport {
  /** The export's row. */
  exportId: string | null;
  /** Absolute path of the file. */
  path: string;
  fileName: string;
  mediaType: string;
  bytes: number;
  sha256: string;
}

export const EXPORT_MEDIA_TYPES: Record<ExportFormat, string> = {
  pdf: 'application/pdf',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

const RENDERERS: Record<ExportFormat, (renderers: Renderers) => (input: ReportInput) => Promise<Buffer>> = {
  pdf: (r) => r.renderPdf,
  pptx: (r) => r.renderPptx,
  xlsx: (r) => r.renderXlsx,
};

/** "CDISC01 Overview 2026-12-06 1514.pdf": study, dashboard and when, safe in any file system. */
export function exportFileName(studyCode: string, dashboard: string, at: Date, format: ExportFormat): string {
  const stamp = at.toISOString().slice(0, 16).replace('T', ' ').replace(':', '');
  const base = `${studyCode} ${dashboard} ${stamp}`
    .replace(/[^\p{L}\p{N} ._-]+/gu, '_')
    .replace(/\s+/g, ' ')
    .trim();
  return `${base.slice(0, 150)}.${format}`;
}

/** The options, parsed: an unknown option or value is a 400 naming it. */
function parseOptions(options: Record<string, unknown>): ExportOptions {
  const parsed = ExportOptions.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `options.${issue.path.join('.')}` : 'options';
  const keys = issue && 'keys' in issue && Array.isArray(issue.keys) ? ` (${issue.keys.join(', ')})` : '';
  throw new AppError('VALIDATION_FAILED', `${where}: ${issue?.message ?? 'invalid'}${keys}`, {
    issues: parsed.error.issues.map((i) => ({ path: ['options', ...i.path].join('.'), message: i.message })),
  });
}

export async function produceExport(
  ctx: AppContext,
  engine: QueryEngine,
  actor: Actor,
  author: Author,
  request: ExportRequest,
): Promise<ProducedExport> {
  const options = parseOptions(request.options);
  const loaded = await dashboardFor(
    ctx,
    actor,
    { id: request.studyId, did: request.dashboardId },
    'dashboard:export:assigned',
  );
  // Each widget as its reader left it on screen (the AE explorer's filters, a listing's review
  // status): the file shows what they saw. Review choices become subject sets in `runPages`.
  const reviews = reviewChoicesOf(request.widgetOptions);
  const found = { ...loaded, document: readerDocument(loaded.document, request.widgetOptions) };
  const unknown = (request.pages ?? []).filter((id) => !found.document.pages.some((p) => p.id === id));
  if (unknown.length > 0) {
    throw new AppError(
      'VALIDATION_FAILED',
      `pages: this dashboard has no page ${unknown.map((id) => `"${id}"`).join(', ')}`,
    );
  }
  const version = await activeVersionData(ctx, actor, found.study);
  if (!version) throw new AppError('INVALID_STATE', 'This study has no active data version yet.');
  const exportId =
    request.exportId ??
    (
      await beginDashboardExport(ctx, author, {
        studyId: found.study.id,
        dashboardId: found.dashboard.row.id,
        format: request.format,
        pages: request.pages ?? null,
        filters: request.filters,
        options,
        ...(request.widgetOptions ? { widgetOptions: request.widgetOptions } : {}),
      })
    ).id;
  const dir = path.join(studyDir(ctx.config.dataDir, actor.orgId, found.study.id), 'exports');
  const file = path.join(dir, `${exportId}.${request.format}`);
  try {
    const pages = found.document.pages.filter((p) => !request.pages || request.pages.includes(p.id));
    const total = pages.length + 1;
    const reportPages = await runPages(
      engine,
      found,
      version,
      pages,
      request.filters,
      ctx.config.exportListingMaxRows,
      { options: reviews, reviewSets: reviewSetsFor(ctx, actor, found.study.id, version.id) },
      (done) =>
        reportExportProgress(ctx, actor.orgId, exportId, {
          done,
          total,
          message: `Queried page ${done} of ${pages.length}`,
        }),
    );
    const stamp = await activeDataVersionStamp(ctx, actor.orgId, found.study);
    const input = reportInput(found, stamp, version, actor, reportPages, request.filters, options);
    input.filters.push(...reviewNotes(found.document, reviews));
    // A dashboard version approved for use carries its signatures on the cover.
    input.approvals = await dashboardApprovals(ctx, actor.orgId, {
      id: found.dashboard.row.id,
      name: found.dashboard.row.name,
      version: found.dashboard.row.version,
    });
    const body = await RENDERERS[request.format](await loadRenderers())(input);
    const sha256 = createHash('sha256').update(body).digest('hex');
    // Written beside its final name and renamed: a reader never sees half a file.
    await mkdir(dir, { recursive: true });
    await writeFile(`${file}.part`, body);
    // On the disk before the export's row names it (durable-files.ts).
    const durable = durableFiles(ctx);
    await durable.file(`${file}.part`);
    await rename(`${file}.part`, file);
    await durable.renamed(file);
    const fileName = exportFileName(found.study.code, found.dashboard.row.name, input.generatedAt, request.format);
    // Whether the file holds PHI in clear: the clear PHI reads of this rendering (the job's record,
    // `withJobPhiLog`). Outside such a record nothing was tracked, so it is fail-closed: a requester
    // cleared for PHI on a study with PHI columns made a file with PHI in clear.
    const reads = currentPhiReads();
    const clearPhi = reads
      ? reads.all().length > 0
      : version.access?.clear === true &&
        [...version.datasets.values()].some((d) => d.columns.some((c) => c.phi === 'phi'));
    await finishDashboardExport(ctx, author, {
      exportId,
      dashboardId: found.dashboard.row.id,
      studyId: found.study.id,
      format: request.format,
      dataVersionId: version.id,
      fileName,
      filePath: path.join('exports', path.basename(file)),
      mediaType: EXPORT_MEDIA_TYPES[request.format],
      bytes: body.length,
      sha256,
      pages: pages.map((p) => p.id),
      filters: request.filters,
      expiresAt: new Date(Date.now() + ctx.config.exportRetentionHours * 3_600_000),
      clearPhi,
    });
    return {
      exportId,
      path: file,
      fileName,
      mediaType: EXPORT_MEDIA_TYPES[request.format],
      bytes: body.length,
      sha256,
    };
  } catch (error) {
    await rm(`${file}.part`, { force: true });
    await rm(file, { force: true });
    await failDashboardExport(ctx, actor.orgId, exportId, error instanceof Error ? error.message : String(error));
    throw error;
  }
}
