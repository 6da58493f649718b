import type { PipelineChange, PipelineVersionEntry } from '@cdp/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { GitCompareArrows, History, Minus, PencilLine, PenLine, Plus, RotateCcw } from 'lucide-react';
import { useState } from 'react';
import { Badge } from '../../../../components/ui/badge.tsx';
import { Button } from '../../../../components/ui/button.tsx';
import { Card, CardHeader } from '../../../../components/ui/card.tsx';
import { Checkbox } from '../../../../components/ui/checkbox.tsx';
import { ConfirmDialog } from '../../../../components/ui/confirm-dialog.tsx';
import { EmptyState } from '../../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../../components/ui/error-state.tsx';
import { Skeleton } from '../../../../components/ui/skeleton.tsx';
import { toast } from '../../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../../lib/api-error.ts';
import { cn } from '../../../../lib/cn.ts';
import { formatDateTime, formatRelative } from '../../../../lib/format.ts';
import { useFeature } from '../../../auth/hooks/use-me.ts';
import { SignatureBadges } from '../../../signatures/components/signature-badges.tsx';
import { SignatureDialog } from '../../../signatures/components/signature-dialog.tsx';
import {
  pipelineDiffQuery,
  pipelineKeys,
  pipelineVersionsQuery,
  restorePipelineVersion,
} from '../../api/pipelines-api.ts';

const tones = {
  added: { box: 'border-emerald-200 bg-success-soft text-success-soft-foreground', Icon: Plus, label: 'Added' },
  removed: {
    box: 'border-red-200 bg-destructive-soft text-destructive-soft-foreground',
    Icon: Minus,
    label: 'Removed',
  },
  changed: { box: 'border-blue-200 bg-info-soft text-info-soft-foreground', Icon: PencilLine, label: 'Changed' },
} as const;

function show(value: unknown): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

/** `body.steps[2].parameters.columns` → `Step 3 · columns`, the way a reader names the place. */
export function changePlace(path: string): string {
  const step = /^body\.steps\[(\d+)\](?:\.parameters)?\.?(.*)$/.exec(path);
  if (step) return `Step ${Number(step[1]) + 1}${step[2] ? ` · ${step[2]}` : ''}`;
  const statement = /^body\.statements\[(\d+)\]\.?(.*)$/.exec(path);
  if (statement) return `Statement ${Number(statement[1]) + 1}${statement[2] ? ` · ${statement[2]}` : ''}`;
  return path.replace(/^body\./, '');
}

export function DiffList({ changes }: { changes: PipelineChange[] }) {
  if (changes.length === 0) return <p className="text-[13px] text-muted-foreground">These versions are the same.</p>;
  return (
    <ul className="space-y-1.5" aria-label="Changes">
      {changes.map((change) => {
        const tone = tones[change.change];
        return (
          <li
            key={`${change.change}-${change.path}`}
            className="flex gap-2.5 rounded-md border border-border bg-surface px-3 py-2"
          >
            <span className={cn('mt-0.5 flex size-4 shrink-0 items-center justify-center rounded border', tone.box)}>
              <tone.Icon className="size-3" aria-label={tone.label} />
            </span>
            <div className="min-w-0 text-[13px]">
              <p className="font-medium">{changePlace(change.path)}</p>
              {change.change !== 'added' && change.from !== undefined ? (
                <p
                  className="truncate font-mono text-xs text-destructive-soft-foreground line-through"
                  title={show(change.from)}
                >
                  {show(change.from)}
                </p>
              ) : null}
              {change.change !== 'removed' && change.to !== undefined ? (
                <p className="truncate font-mono text-xs text-success-soft-foreground" title={show(change.to)}>
                  {show(change.to)}
                </p>
              ) : null}
            </div>
          </li>
        );
      })}
    </ul>
  );
}

/** Every saved version: who, when, why; two compared; an old one restored as the newest. */
export function VersionsCard({
  studyId,
  pipelineId,
  currentVersion,
  canRestore,
}: {
  studyId: string;
  pipelineId: string;
  currentVersion: number;
  canRestore: boolean;
}) {
  const query = useQuery(pipelineVersionsQuery(studyId, pipelineId));
  const queryClient = useQueryClient();
  const [picked, setPicked] = useState<number[]>([]);
  const [restoring, setRestoring] = useState<PipelineVersionEntry | null>(null);
  const [signing, setSigning] = useState<PipelineVersionEntry | null>(null);
  const signaturesOn = useFeature('electronic_signatures');
  const [from, to] = [...picked].sort((a, b) => a - b);
  const toggle = (version: number, on: boolean) =>
    setPicked((current) =>
      on ? [...current.filter((v) => v !== version), version].slice(-2) : current.filter((v) => v !== version),
    );

  return (
    <Card>
      <CardHeader
        title="Version history"
        description="Every save is kept. Tick two versions to see what changed; restore an old one as the newest."
      />
      {from !== undefined && to !== undefined ? (
        <DiffPanel studyId={studyId} pipelineId={pipelineId} from={from} to={to} onClear={() => setPicked([])} />
      ) : null}
      {query.isPending ? (
        <div className="space-y-3 px-5 py-4" role="status" aria-label="Loading versions">
          <Skeleton className="h-12 rounded-md" />
          <Skeleton className="h-12 rounded-md" />
        </div>
      ) : query.isError ? (
        <ErrorState
          error={query.error}
          what="the versions"
          onRetry={() => query.refetch()}
          retrying={query.isFetching}
        />
      ) : query.data.data.length === 0 ? (
        <EmptyState icon={History} title="No saved versions" />
      ) : (
        <ol className="divide-y divide-border" aria-label="Saved versions">
          {query.data.data.map((entry) => {
            const id = `pipeline-version-${entry.version}`;
            const current = entry.version === currentVersion;
            return (
              <li
                key={entry.version}
                className={cn(
                  'flex items-start gap-3 px-5 py-3.5',
                  picked.includes(entry.version) && 'bg-primary-soft/60',
                )}
              >
                <Checkbox
                  id={id}
                  className="mt-0.5"
                  checked={picked.includes(entry.version)}
                  onCheckedChange={(c) => toggle(entry.version, c === true)}
                  aria-label={`Compare version ${entry.version}`}
                />
                <div className="min-w-0 flex-1 space-y-1">
                  <div className="flex flex-wrap items-center gap-2">
                    <label htmlFor={id} className="text-[13px] font-semibold">
                      Version {entry.version}
                    </label>
                    {current ? <Badge tone="accent">Current</Badge> : null}
                    <span className="text-xs text-muted-foreground">{entry.name}</span>
                  </div>
                  <p className="text-xs text-muted-foreground">
                    {entry.createdBy?.name ?? 'CDP'} ·{' '}
                    <time dateTime={entry.createdAt} title={formatDateTime(entry.createdAt, true)}>
                      {formatRelative(entry.createdAt)}
                    </time>
                  </p>
                  <p className={cn('text-[13px]', entry.comment ? '' : 'text-subtle-foreground italic')}>
                    {entry.comment ?? 'No comment'}
                  </p>
                  <SignatureBadges resource={`pipeline_version:${pipelineId}:${entry.version}`} />
                </div>
                {signaturesOn ? (
                  <Button
                    variant="ghost"
                    size="sm"
                    onClick={() => setSigning(entry)}
                    aria-label={`Sign version ${entry.version}`}
                  >
                    <PenLine />
                    Sign
                  </Button>
                ) : null}
                {current || !canRestore ? null : (
                  <Button
                    variant="secondary"
                    size="sm"
                    onClick={() => setRestoring(entry)}
                    aria-label={`Restore version ${entry.version}`}
                  >
                    <RotateCcw />
                    Restore
                  </Button>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {signing ? (
        <SignatureDialog
          open
          onOpenChange={(open) => !open && setSigning(null)}
          resourceType="pipeline_version"
          resourceId={`${pipelineId}:${signing.version}`}
          what={`pipeline ${signing.name}, version ${signing.version}`}
          defaultMeaning="Approval"
        />
      ) : null}
      {restoring ? (
        <ConfirmDialog
          open
          onOpenChange={(open) => !open && setRestoring(null)}
          title={`Restore version ${restoring.version}?`}
          description={`It is saved as version ${currentVersion + 1}, on top of version ${currentVersion}, which stays in the history. Runs use it from then on.`}
          confirmLabel="Restore this version"
          onConfirm={async () => {
            try {
              const restored = await restorePipelineVersion(studyId, pipelineId, restoring.version, currentVersion);
              queryClient.setQueryData(pipelineKeys.detail(studyId, pipelineId), restored);
              await queryClient.invalidateQueries({ queryKey: pipelineKeys.pipeline(studyId, pipelineId) });
              void queryClient.invalidateQueries({ queryKey: pipelineKeys.list(studyId) });
              setPicked([]);
              toast.success(`Restored version ${restoring.version} as version ${restored.data.version}`);
            } catch (error) {
              toast.error('The version was not restored', { description: errorMessage(error) });
            }
          }}
        />
      ) : null}
    </Card>
  );
}

function DiffPanel({
  studyId,
  pipelineId,
  from,
  to,
  onClear,
}: {
  studyId: string;
  pipelineId: string;
  from: number;
  to: number;
  onClear: () => void;
}) {
  const query = useQuery(pipelineDiffQuery(studyId, pipelineId, from, to));
  return (
    <section
      aria-label={`Changes from version ${from} to ${to}`}
      className="border-b border-border bg-surface-muted px-5 py-4"
    >
      <div className="mb-3 flex items-center justify-between gap-2">
        <h3 className="flex items-center gap-2 text-[13px] font-semibold">
          <GitCompareArrows className="size-4 text-muted-foreground" aria-hidden />
          Version {from} → version {to}
        </h3>
        <Button variant="ghost" size="sm" className="h-7" onClick={onClear}>
          Clear
        </Button>
      </div>
      {query.isPending ? (
        <Skeleton className="h-16 rounded-md" />
      ) : query.isError ? (
        <ErrorState error={query.error} what="the changes" onRetry={() => query.refetch()} className="py-6" />
      ) : (
        <DiffList changes={query.data.changes} />
      )}
    </section>
  );
}
