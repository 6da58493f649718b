import type { ReportSchedule, ScheduledReport, ScheduledReportInput, ScheduledReportRun } from '@cdp/contracts';
import { queryOptions } from '@tanstack/react-query';
import { api, downloadFile } from '../../../lib/api-client.ts';

export const reportsPath = (studyId: string) => `/api/studies/${studyId}/scheduled-reports`;
export const reportPath = (studyId: string, reportId: string) => `${reportsPath(studyId)}/${reportId}`;

export interface ReportList {
  data: ScheduledReport[];
  meta: { permissions: string[]; mail: { transport: 'smtp' | 'outbox'; outboxDir: string | null } };
}
export interface ReportPreview {
  data: { text: string; runs: { at: string; local: string }[] };
}

export const reportKeys = {
  list: (studyId: string) => ['scheduled-reports', studyId, 'list'] as const,
  runs: (studyId: string, reportId: string) => ['scheduled-reports', studyId, 'runs', reportId] as const,
  preview: (studyId: string, schedule: ReportSchedule) => ['scheduled-reports', studyId, 'preview', schedule] as const,
};

export const reportsQuery = (studyId: string) =>
  queryOptions({
    queryKey: reportKeys.list(studyId),
    queryFn: ({ signal }) => api<ReportList>(reportsPath(studyId), { signal }),
  });

export const reportRunsQuery = (studyId: string, reportId: string) =>
  queryOptions({
    queryKey: reportKeys.runs(studyId, reportId),
    queryFn: ({ signal }) => api<{ data: ScheduledReportRun[] }>(`${reportPath(studyId, reportId)}/runs`, { signal }),
    // A test runs in the background: poll while one is still running.
    refetchInterval: (query) => (query.state.data?.data.some((run) => run.status === 'running') ? 1500 : false),
  });

export const schedulePreviewQuery = (studyId: string, schedule: ReportSchedule) =>
  queryOptions({
    queryKey: reportKeys.preview(studyId, schedule),
    queryFn: ({ signal }) =>
      api<ReportPreview>(`${reportsPath(studyId)}/preview-schedule`, {
        method: 'POST',
        body: { schedule, count: 5 },
        signal,
      }),
    retry: false,
  });

export function saveReport(studyId: string, reportId: string | null, body: ScheduledReportInput) {
  return api<{ data: ScheduledReport }>(reportId ? reportPath(studyId, reportId) : reportsPath(studyId), {
    method: reportId ? 'PUT' : 'POST',
    body,
  });
}

export function deleteReport(studyId: string, reportId: string) {
  return api(reportPath(studyId, reportId), { method: 'DELETE' });
}

export function sendTest(studyId: string, reportId: string) {
  return api<{ data: { runId: string } }>(`${reportPath(studyId, reportId)}/test`, { method: 'POST', body: {} });
}

export function downloadRunFile(studyId: string, reportId: string, run: ScheduledReportRun) {
  return downloadFile(`${reportPath(studyId, reportId)}/runs/${run.id}/file`, {}, run.fileName ?? 'report');
}

/** Mails a failed run's stored file again to that run's recipients (a new run in the history). */
export function resendRun(studyId: string, reportId: string, runId: string) {
  return api<{ data: { runId: string } }>(`${reportPath(studyId, reportId)}/runs/${runId}/resend`, {
    method: 'POST',
    body: {},
  });
}
