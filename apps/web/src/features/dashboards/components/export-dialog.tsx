import type { DashboardExport, DashboardPage } from '@cdp/contracts';
import { formatBytes } from '@cdp/contracts';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Download, FileDown } from 'lucide-react';
import { useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Dialog, DialogBody, DialogContent, DialogFooter } from '../../../components/ui/dialog.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Select } from '../../../components/ui/select.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { ExportSignatures } from '../../signatures/components/export-signatures.tsx';
import { createExport, downloadExport, exportStatus } from '../api/exports-api.ts';
import type { WidgetReaderOptions } from '../lib/reader-options.ts';
import type { ViewFilter } from '../lib/view-filters.ts';
import { ClearPhiBadge, DownloadRefused } from './export-phi.tsx';
import { RecentExports } from './recent-exports.tsx';

const FORMATS = {
  pdf: 'PDF document',
  pptx: 'PowerPoint (16:9, editable charts)',
  xlsx: 'Excel workbook (a sheet per widget)',
} as const;
type Format = keyof typeof FORMATS;

interface ExportDialogProps {
  studyId: string;
  dashboardId: string;
  pages: DashboardPage[];
  currentPage?: string;
  filters: ViewFilter[];
  /** The choices made on widgets (the AE explorer's event filters): the file shows what the screen shows. */
  widgetOptions?: WidgetReaderOptions;
}

/**
 * The dashboard as a document: format, pages and paper, made on the server from the same data
 * as the screen (with the view's filters), followed while it renders, then downloaded.
 */
export function ExportDialog({ studyId, dashboardId, pages, currentPage, filters, widgetOptions }: ExportDialogProps) {
  const [open, setOpen] = useState(false);
  const [format, setFormat] = useState<Format>('pdf');
  const [which, setWhich] = useState<'current' | 'all'>('all');
  const [paperSize, setPaperSize] = useState<'A4' | 'Letter'>('A4');
  const [orientation, setOrientation] = useState<'landscape' | 'portrait'>('landscape');
  const [exportId, setExportId] = useState<string | null>(null);

  const start = useMutation({
    mutationFn: () =>
      createExport(studyId, dashboardId, {
        format,
        ...(which === 'current' && currentPage ? { pages: [currentPage] } : {}),
        filters,
        options: { paperSize, orientation },
        ...(widgetOptions ? { widgetOptions } : {}),
      }),
    onSuccess: ({ data }) => setExportId(data.id),
    onError: (error) => toast.error('Export failed', { description: errorMessage(error) }),
  });
  const status = useQuery({
    queryKey: ['dashboard-export', studyId, dashboardId, exportId],
    queryFn: ({ signal }) => exportStatus(studyId, dashboardId, exportId ?? '', signal).then((r) => r.data),
    enabled: exportId !== null,
    refetchInterval: (query) => {
      const s = query.state.data?.status;
      return s === 'SUCCEEDED' || s === 'FAILED' ? false : 800;
    },
  });
  const download = useMutation({
    mutationFn: (exported: DashboardExport) => downloadExport(studyId, dashboardId, exported),
    onSuccess: (file) => toast.success('Download ready', { description: `${file} was downloaded.` }),
    onError: (error) => toast.error('Download failed', { description: errorMessage(error) }),
  });

  const exported = status.data;
  const running =
    start.isPending || (exportId !== null && exported?.status !== 'SUCCEEDED' && exported?.status !== 'FAILED');
  const percent = exported?.progress
    ? Math.round((100 * exported.progress.done) / Math.max(1, exported.progress.total))
    : 0;

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) setExportId(null);
      }}
    >
      <Button variant="secondary" onClick={() => setOpen(true)}>
        <FileDown />
        Export
      </Button>
      <DialogContent
        title="Export dashboard"
        description={
          filters.length > 0
            ? `With the ${filters.length === 1 ? 'filter' : `${filters.length} filters`} now applied; the document names them.`
            : 'All data, as the dashboard shows it now.'
        }
      >
        <DialogBody>
          <FormField label="Format">
            {(control) => (
              <Select
                {...control}
                value={format}
                onChange={(e) => setFormat(e.target.value as Format)}
                disabled={running}
              >
                {Object.entries(FORMATS).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </Select>
            )}
          </FormField>
          <FormField label="Pages">
            {(control) => (
              <Select
                {...control}
                value={which}
                onChange={(e) => setWhich(e.target.value as 'current' | 'all')}
                disabled={running}
              >
                <option value="all">All {pages.length} pages</option>
                <option value="current">
                  This page: {pages.find((p) => p.id === currentPage)?.title ?? pages[0]?.title}
                </option>
              </Select>
            )}
          </FormField>
          {format === 'pdf' ? (
            <div className="grid gap-4 sm:grid-cols-2">
              <FormField label="Paper size">
                {(control) => (
                  <Select
                    {...control}
                    value={paperSize}
                    onChange={(e) => setPaperSize(e.target.value as 'A4' | 'Letter')}
                    disabled={running}
                  >
                    <option value="A4">A4</option>
                    <option value="Letter">US Letter</option>
                  </Select>
                )}
              </FormField>
              <FormField label="Orientation">
                {(control) => (
                  <Select
                    {...control}
                    value={orientation}
                    onChange={(e) => setOrientation(e.target.value as 'landscape' | 'portrait')}
                    disabled={running}
                  >
                    <option value="landscape">Landscape</option>
                    <option value="portrait">Portrait</option>
                  </Select>
                )}
              </FormField>
            </div>
          ) : null}
          {exportId !== null ? (
            <div className="space-y-2" data-export-status={exported?.status ?? 'QUEUED'}>
              <div
                className="h-2 overflow-hidden rounded-full bg-surface-sunken"
                role="progressbar"
                aria-label="Export progress"
                aria-valuenow={exported?.status === 'SUCCEEDED' ? 100 : percent}
                aria-valuemin={0}
                aria-valuemax={100}
              >
                <div
                  className={
                    exported?.status === 'FAILED' ? 'h-full bg-destructive' : 'h-full bg-primary transition-all'
                  }
                  style={{
                    width: `${exported?.status === 'SUCCEEDED' || exported?.status === 'FAILED' ? 100 : percent}%`,
                  }}
                />
              </div>
              <p className="text-[13px] text-muted-foreground">
                {exported?.status === 'SUCCEEDED'
                  ? `${exported.fileName} · ${formatBytes(exported.bytes ?? 0)}`
                  : exported?.status === 'FAILED'
                    ? `The export failed: ${exported.error ?? 'no reason given'}`
                    : (exported?.progress?.message ?? 'Queued')}
              </p>
            </div>
          ) : null}
          {exported?.status === 'SUCCEEDED' ? (
            <>
              <ClearPhiBadge exported={exported} />
              <DownloadRefused exported={exported} />
              <ExportSignatures studyId={studyId} dashboardId={dashboardId} exported={exported} />
            </>
          ) : null}
          {open ? <RecentExports studyId={studyId} dashboardId={dashboardId} exclude={exportId} /> : null}
        </DialogBody>
        <DialogFooter>
          <Button variant="secondary" onClick={() => setOpen(false)}>
            Close
          </Button>
          {exported?.status === 'SUCCEEDED' ? (
            <Button
              onClick={() => download.mutate(exported)}
              loading={download.isPending}
              disabled={exported.downloadRefused !== null}
            >
              {download.isPending ? null : <Download />}
              Download
            </Button>
          ) : (
            <Button onClick={() => start.mutate()} loading={running} disabled={running}>
              {running ? 'Exporting…' : 'Export'}
            </Button>
          )}
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
