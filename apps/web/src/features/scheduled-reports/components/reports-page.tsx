import type { ScheduledReport, ScheduledReportRun } from '@cdp/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import { Download, History, Mail, Pencil, Plus, Send, Trash2 } from 'lucide-react';
import { useEffect, useState } from 'react';
import { FeatureOff } from '../../../components/layout/feature-off.tsx';
import { RequirePermission } from '../../../components/layout/no-access.tsx';
import { Alert } from '../../../components/ui/alert.tsx';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { PageHeader } from '../../../components/ui/page-header.tsx';
import { Sheet, SheetContent } from '../../../components/ui/sheet.tsx';
import { TableSkeleton } from '../../../components/ui/skeleton.tsx';
import { Switch } from '../../../components/ui/switch.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { useFeature } from '../../auth/hooks/use-me.ts';
import type { StudyWithPermissions } from '../../studies/api/studies-api.ts';
import { StudyBreadcrumb } from '../../studies/components/study-breadcrumb.tsx';
import { StudyGate } from '../../studies/components/study-gate.tsx';
import { StudyStatusBadge } from '../../studies/components/study-status-badge.tsx';
import { StudyTabs } from '../../studies/components/study-tabs.tsx';
import {
  deleteReport,
  downloadRunFile,
  reportKeys,
  reportRunsQuery,
  reportsQuery,
  resendRun,
  saveReport,
  sendTest,
} from '../api/scheduled-reports-api.ts';
import { ReportFormDialog } from './report-form.tsx';

const route = getRouteApi('/app/studies/$studyId/reports');
const PERMISSION = 'dashboard:export:assigned';

export function StudyReportsPage() {
  const { studyId } = route.useParams();
  const enabled = useFeature('scheduled_reports');
  // An old link with the feature switched off: say so, and request nothing.
  if (!enabled) return <FeatureOff flag="scheduled_reports" />;
  return (
    <RequirePermission permission={PERMISSION}>
      <StudyGate studyId={studyId} title="Reports" permission={PERMISSION}>
        {(result) => <ReportsOverview result={result} />}
      </StudyGate>
    </RequirePermission>
  );
}

function inZone(iso: string | null, timeZone: string) {
  if (!iso) return <span className="text-muted-foreground">—</span>;
  return (
    <time dateTime={iso} title={`${formatDateTime(iso)} (your time)`}>
      {new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso))}
      <span className="block text-xs text-muted-foreground">{timeZone}</span>
    </time>
  );
}

function LastStatus({ report }: { report: ScheduledReport }) {
  if (report.disabledReason)
    return (
      <Badge tone="danger" title={report.disabledReason}>
        Stopped
      </Badge>
    );
  if (!report.lastStatus) return <span className="text-muted-foreground">Not sent yet</span>;
  return report.lastStatus === 'sent' ? <Badge tone="success">Sent</Badge> : <Badge tone="danger">Failed</Badge>;
}

function ReportsOverview({ result }: { result: StudyWithPermissions }) {
  const { data: study, permissions } = result;
  const { report: openId } = route.useSearch();
  const navigate = route.useNavigate();
  const queryClient = useQueryClient();
  const query = useQuery(reportsQuery(study.id));
  const [editing, setEditing] = useState<ScheduledReport | null>(null);
  const [formOpen, setFormOpen] = useState(false);
  const [deleting, setDeleting] = useState<ScheduledReport | null>(null);
  const [history, setHistory] = useState<ScheduledReport | null>(null);
  const reports = query.data?.data ?? [];
  const canWrite = study.status !== 'archived';

  // The e-mails link to ?report=<id>: open that report's history.
  useEffect(() => {
    if (!openId) return;
    const found = reports.find((r) => r.id === openId);
    if (found) setHistory(found);
  }, [openId, reports]);

  const refresh = () => queryClient.invalidateQueries({ queryKey: reportKeys.list(study.id) });
  const toggle = useMutation({
    mutationFn: (report: ScheduledReport) =>
      saveReport(study.id, report.id, {
        name: report.name,
        description: report.description,
        dashboardId: report.dashboardId,
        schedule: report.schedule,
        format: report.format,
        options: report.options as Record<string, string | number | boolean>,
        filters: report.filters,
        ...(report.pages ? { pages: report.pages } : {}),
        recipients: report.recipients,
        cc: report.cc,
        subject: report.subject,
        body: report.body,
        active: !report.active,
      }),
    onSuccess: async ({ data }) => {
      await refresh();
      toast.success(data.active ? `“${data.name}” is active` : `“${data.name}” is paused`);
    },
    onError: (error) => toast.error(errorMessage(error)),
  });
  const test = useMutation({
    mutationFn: (report: ScheduledReport) => sendTest(study.id, report.id),
    onSuccess: async (_, report) => {
      await queryClient.invalidateQueries({ queryKey: reportKeys.runs(study.id, report.id) });
      toast.success('Test on its way', { description: 'It goes to you alone. Its outcome shows in the history.' });
      setHistory(report);
    },
    onError: (error) => toast.error(errorMessage(error)),
  });

  const openForm = (report: ScheduledReport | null) => {
    setEditing(report);
    setFormOpen(true);
  };
  const newButton = canWrite ? (
    <Button onClick={() => openForm(null)}>
      <Plus />
      New report
    </Button>
  ) : null;

  return (
    <>
      <PageHeader
        eyebrow={<StudyBreadcrumb study={study} section="reports" />}
        title={
          <span className="flex flex-wrap items-center gap-3">
            <span className="font-mono">{study.code}</span>
            <StudyStatusBadge status={study.status} />
          </span>
        }
        description={study.name}
        actions={reports.length > 0 ? newButton : null}
      />
      <StudyTabs studyId={study.id} permissions={permissions} />
      {query.data?.meta.mail.transport === 'outbox' ? (
        <Alert tone="warning" title="No SMTP server is configured" className="mb-4">
          Messages are written to .data/outbox/ on the server; nobody receives them by e-mail.
        </Alert>
      ) : null}
      <Card>
        <CardHeader
          title="Scheduled reports"
          description="Dashboards e-mailed as PDF, PowerPoint or Excel on a schedule. Each runs with the access of the person who saved it, with PHI always masked in the mailed file."
        />
        {query.isPending ? (
          <TableSkeleton columns={6} />
        ) : query.isError ? (
          <ErrorState error={query.error} what="reports" onRetry={() => query.refetch()} retrying={query.isFetching} />
        ) : reports.length === 0 ? (
          <EmptyState
            icon={Mail}
            title="No scheduled reports yet"
            description="Send a dashboard to your team every week, month or day, in their time zone."
            action={newButton}
          />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Report</TableHead>
                <TableHead>Schedule</TableHead>
                <TableHead>Next run · last run</TableHead>
                <TableHead>Active</TableHead>
                <TableHead className="text-right">Actions</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {reports.map((report) => (
                <TableRow key={report.id}>
                  <TableCell className="min-w-48 max-w-64">
                    <span className="block font-medium">{report.name}</span>
                    <span className="block text-xs text-muted-foreground">
                      {report.dashboardName} · {report.format.toUpperCase()} · {report.recipients.length}{' '}
                      {report.recipients.length === 1 ? 'recipient' : 'recipients'}
                    </span>
                  </TableCell>
                  <TableCell className="min-w-44 max-w-64 text-[13px]">{report.scheduleText}</TableCell>
                  <TableCell className="whitespace-nowrap text-[13px]">
                    {report.active ? (
                      inZone(report.nextRunAt, report.schedule.timeZone)
                    ) : (
                      <span className="text-muted-foreground">Paused</span>
                    )}
                    <div className="mt-1.5 flex flex-wrap items-center gap-1.5">
                      <LastStatus report={report} />
                      {report.lastRunAt ? (
                        <span className="text-xs text-muted-foreground">{formatDateTime(report.lastRunAt)}</span>
                      ) : null}
                    </div>
                  </TableCell>
                  <TableCell>
                    <Switch
                      checked={report.active}
                      disabled={!canWrite || toggle.isPending}
                      onCheckedChange={() => toggle.mutate(report)}
                      aria-label={`Active: ${report.name}`}
                    />
                  </TableCell>
                  <TableCell>
                    <div className="flex justify-end gap-0.5">
                      {canWrite ? (
                        <Button
                          variant="ghost"
                          size="icon-sm"
                          onClick={() => openForm(report)}
                          aria-label={`Edit ${report.name}`}
                        >
                          <Pencil />
                        </Button>
                      ) : null}
                      <Button
                        variant="ghost"
                        size="icon-sm"
                        loading={test.isPending && test.variables?.id === report.id}
                        onClick={() => test.mutate(report)}
                        aria-label={`Send test of ${report.name}`}
                        title="Send test (to you only)"
                      >
                        <Send />
                      </Button>
                      <Button
                        variant="ghost"
                        size="icon-sm"
                        onClick={() => setHistory(report)}
                        aria-label={`History of ${report.name}`}
                      >
                        <History />
                      </Button>
                      {canWrite ? (
                        <Button
                          variant="ghost"
                          size="icon-sm"
                          onClick={() => setDeleting(report)}
                          aria-label={`Delete ${report.name}`}
                        >
                          <Trash2 />
                        </Button>
                      ) : null}
                    </div>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
      <ReportFormDialog studyId={study.id} report={editing} open={formOpen} onOpenChange={setFormOpen} />
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={`Delete “${deleting?.name ?? ''}”?`}
        description="It stops sending. Its run history is deleted with it."
        confirmLabel="Delete report"
        tone="destructive"
        onConfirm={async () => {
          if (!deleting) return;
          await deleteReport(study.id, deleting.id);
          await refresh();
          toast.success(`Report “${deleting.name}” deleted`);
        }}
      />
      <Sheet
        open={history !== null}
        onOpenChange={(open) => {
          if (open) return;
          setHistory(null);
          if (openId) void navigate({ search: {}, replace: true });
        }}
      >
        {history ? (
          <SheetContent title={`History: ${history.name}`} description={history.scheduleText}>
            {query.data?.meta.mail.transport === 'outbox' ? (
              <p className="border-b border-border bg-warning-soft px-6 py-2 text-xs text-warning-soft-foreground">
                No SMTP server is configured: “Sent” means the message was written to .data/outbox/ on the server.
              </p>
            ) : null}
            <RunHistory
              studyId={study.id}
              report={history}
              canResend={canWrite && (query.data?.meta.permissions ?? []).includes('dashboard:export:assigned')}
            />
          </SheetContent>
        ) : null}
      </Sheet>
    </>
  );
}

function formatBytes(bytes: number | null) {
  if (bytes === null) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function RunOutcome({ run }: { run: ScheduledReportRun }) {
  if (run.status === 'running') return <Badge tone="info">Running</Badge>;
  if (run.status === 'sent') return <Badge tone="success">Sent</Badge>;
  return <Badge tone="danger">Failed</Badge>;
}

function RunHistory({
  studyId,
  report,
  canResend,
}: {
  studyId: string;
  report: ScheduledReport;
  /** The resend route's permission (dashboard:export), and a study that is not archived. */
  canResend: boolean;
}) {
  const query = useQuery(reportRunsQuery(studyId, report.id));
  const queryClient = useQueryClient();
  const resend = useMutation({
    mutationFn: (run: ScheduledReportRun) => resendRun(studyId, report.id, run.id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: reportKeys.runs(studyId, report.id) });
      toast.success('Resend on its way', {
        description: 'The same file goes to the same recipients. Its outcome shows in the history.',
      });
    },
    onError: (error) => toast.error('Not resent', { description: errorMessage(error) }),
  });
  if (query.isPending) return <TableSkeleton columns={4} />;
  if (query.isError) {
    return <ErrorState error={query.error} what="runs" onRetry={() => query.refetch()} retrying={query.isFetching} />;
  }
  if (query.data.data.length === 0) {
    return <EmptyState icon={History} title="No runs yet" description="Send a test to see how the report looks." />;
  }
  return (
    <ol className="flex-1 divide-y divide-border overflow-y-auto" aria-label="Runs">
      {query.data.data.map((run) => (
        <li key={run.id} className="space-y-1 px-6 py-3 text-[13px]">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <span className="font-medium">
              {formatDateTime(run.startedAt)} ·{' '}
              {run.trigger === 'test' ? 'Test' : run.trigger === 'resend' ? 'Resent' : 'Scheduled'}
            </span>
            <RunOutcome run={run} />
          </div>
          <p className="text-muted-foreground break-words">
            To {run.recipients.join(', ') || '—'}
            {run.cc.length ? `; cc ${run.cc.join(', ')}` : ''}
          </p>
          <p className="text-muted-foreground">
            {run.fileName ?? 'No file'} · {formatBytes(run.bytes)}
            {run.delivery === 'link'
              ? ' · sent as a download link'
              : run.delivery === 'attachment'
                ? ' · attached'
                : ''}
          </p>
          {run.error ? <p className="text-destructive break-words">{run.error}</p> : null}
          {canResend && run.status === 'failed' && run.fileName ? (
            <Button
              variant="secondary"
              size="sm"
              loading={resend.isPending && resend.variables?.id === run.id}
              disabled={resend.isPending}
              onClick={() => resend.mutate(run)}
            >
              <Send />
              Resend
            </Button>
          ) : null}
          {run.delivery === 'link' && run.fileName && run.linkExpiresAt && new Date(run.linkExpiresAt) > new Date() ? (
            <Button
              variant="secondary"
              size="sm"
              onClick={() => downloadRunFile(studyId, report.id, run).catch((e) => toast.error(errorMessage(e)))}
            >
              <Download />
              Download file
            </Button>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
