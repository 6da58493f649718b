import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { QueryEngine } from '@cdp/analytics';
import type { DashboardDataFilter } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import type { Author } from '../auth/author.ts';
import { runDashboardPage } from '../dashboards/run-dashboard-page.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { activeVersionData, dashboardFor } from '../policies/dashboard.ts';

/**
 * SEAM (issue 14): the one function that turns a dashboard into an export file. The export
 * routes and jobs (branch 14-render) and the scheduled reports (branch 14-schedule) both call it.
 * Branch 14-render replaces this body with the real renderers of `packages/reports` (PDF, PPTX,
 * XLSX), records the export row and returns its id; until then it writes every widget's data of
 * the requested pages as JSON, so callers can be built and tested against a real file.
 */
export type ExportFormat = 'pdf' | 'pptx' | 'xlsx';

export interface ExportRequest {
  studyId: string;
  dashboardId: string;
  format: ExportFormat;
  /** Page ids; all pages when absent. */
  pages?: string[];
  filters: DashboardDataFilter[];
  options: Record<string, unknown>;
}

export interface ProducedExport {
  /** The export's row, when exports are recorded (null from this seam's placeholder). */
  exportId: string | null;
  path: string;
  fileName: string;
  mediaType: string;
  bytes: number;
  sha256: string;
}

export async function produceExport(
  ctx: AppContext,
  engine: QueryEngine,
  actor: Actor,
  author: Author,
  request: ExportRequest,
): Promise<ProducedExport> {
  void author;
  const found = await dashboardFor(
    ctx,
    actor,
    { id: request.studyId, did: request.dashboardId },
    'dashboard:export:assigned',
  );
  const version = await activeVersionData(ctx, actor, found.study);
  if (!version) throw new AppError('INVALID_STATE', 'This study has no active data version yet.');
  const pages = found.document.pages.filter((p) => !request.pages || request.pages.includes(p.id));
  const out = [];
  for (const page of pages) {
    const run = runDashboardPage(engine, found, version, page.id, request.filters);
    out.push({ page: page.id, widgets: await Promise.all(run.answers) });
  }
  const body = Buffer.from(JSON.stringify({ dashboard: found.dashboard.row.name, pages: out }));
  const dir = path.join(ctx.config.dataDir, 'tmp-exports');
  await mkdir(dir, { recursive: true });
  const fileName = `${found.dashboard.row.name}.json`;
  const file = path.join(dir, `${Date.now()}-${fileName}`);
  await writeFile(file, body);
  return {
    exportId: null,
    path: file,
    fileName,
    mediaType: 'application/json',
    bytes: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
  };
}
