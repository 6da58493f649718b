import type { PipelineKindName, PipelineRun, PipelineRunStatus, PipelineRunTrigger, Study } from '@cdp/contracts';
import { Ban, CheckCircle2, CircleDashed, Clock, XCircle } from 'lucide-react';
import type { ReactNode } from 'react';
import { Badge, type BadgeTone } from '../../../components/ui/badge.tsx';
import { Spinner } from '../../../components/ui/spinner.tsx';
import { StudyBreadcrumb } from '../../studies/components/study-breadcrumb.tsx';

export const KIND_LABELS: Record<PipelineKindName, string> = { dsl: 'Steps', sql: 'SQL', python: 'Python' };
export const KIND_DESCRIPTIONS: Record<PipelineKindName, string> = {
  dsl: 'A list of steps built in forms: filter, derive, merge, pivot, aggregate. No code.',
  sql: 'Named SELECT statements over the inputs, run in a locked-down DuckDB.',
  python: 'A pandas script run in an isolated sandbox without network access.',
};

export function KindBadge({ kind }: { kind: PipelineKindName }) {
  return (
    <Badge tone={kind === 'dsl' ? 'accent' : kind === 'sql' ? 'info' : 'warning'} className="font-mono">
      {KIND_LABELS[kind]}
    </Badge>
  );
}

const STATUS: Record<PipelineRunStatus, { label: string; tone: BadgeTone; icon: ReactNode }> = {
  QUEUED: { label: 'Queued', tone: 'neutral', icon: <Clock aria-hidden /> },
  RUNNING: { label: 'Running', tone: 'info', icon: <Spinner className="size-3" /> },
  SUCCEEDED: { label: 'Succeeded', tone: 'success', icon: <CheckCircle2 aria-hidden /> },
  FAILED: { label: 'Failed', tone: 'danger', icon: <XCircle aria-hidden /> },
  CANCELLED: { label: 'Cancelled', tone: 'muted', icon: <Ban aria-hidden /> },
};

export const statusLabel = (status: PipelineRunStatus) => STATUS[status].label;

export function RunStatusBadge({ status }: { status: PipelineRunStatus }) {
  const s = STATUS[status];
  return (
    <Badge tone={s.tone} data-run-status={status}>
      {s.icon}
      {s.label}
    </Badge>
  );
}

export function NeverRun() {
  return (
    <span className="inline-flex items-center gap-1.5 text-[13px] text-muted-foreground">
      <CircleDashed className="size-3.5" aria-hidden />
      Never run
    </span>
  );
}

export const TRIGGER_LABELS: Record<PipelineRunTrigger, string> = {
  manual: 'Started by hand',
  source_activation: 'New data activated',
  schedule: 'Schedule',
  upstream: 'Upstream pipeline',
};

export function runBy(run: PipelineRun): string {
  return run.trigger === 'manual' ? (run.requestedBy?.name ?? 'Someone') : TRIGGER_LABELS[run.trigger];
}

/** How long a run took (or has taken so far). */
export function runDuration(run: PipelineRun, now = Date.now()): string | null {
  if (!run.startedAt) return null;
  const end = run.finishedAt ? new Date(run.finishedAt).getTime() : now;
  const seconds = Math.max(0, Math.round((end - new Date(run.startedAt).getTime()) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Studies › CDP-301 › Pipelines › …, the last item being the current page. */
export function PipelinesBreadcrumb({ study, trail = [] }: { study: Study; trail?: ReactNode[] }) {
  return <StudyBreadcrumb study={study} section="pipelines" trail={trail} />;
}
