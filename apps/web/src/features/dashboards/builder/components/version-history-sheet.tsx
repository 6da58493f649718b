import type { Dashboard, DashboardVersionEntry } from '@cdp/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { GitCompareArrows, History, PenLine, RotateCcw } from 'lucide-react';
import { useState } from 'react';
import { Badge } from '../../../../components/ui/badge.tsx';
import { Button } from '../../../../components/ui/button.tsx';
import { Checkbox } from '../../../../components/ui/checkbox.tsx';
import { ConfirmDialog } from '../../../../components/ui/confirm-dialog.tsx';
import { EmptyState } from '../../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../../components/ui/error-state.tsx';
import { Sheet, SheetContent } from '../../../../components/ui/sheet.tsx';
import { Skeleton } from '../../../../components/ui/skeleton.tsx';
import { toast } from '../../../../components/ui/toaster.tsx';
import { cn } from '../../../../lib/cn.ts';
import { formatDateTime, formatRelative, plural } from '../../../../lib/format.ts';
import { useFeature } from '../../../auth/hooks/use-me.ts';
import { SignatureBadges } from '../../../signatures/components/signature-badges.tsx';
import { SignatureDialog } from '../../../signatures/components/signature-dialog.tsx';
import { dashboardKeys } from '../../api/dashboards-api.ts';
import {
  builderKeys,
  dashboardDiffQuery,
  dashboardVersionsQuery,
  restoreDashboardVersion,
} from '../api/builder-api.ts';
import { DashboardDiffView } from './dashboard-diff-view.tsx';

interface VersionHistorySheetProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  studyId: string;
  dashboardId: string;
  /** The version the builder is on: restores are made on it, like a save. */
  currentVersion: number;
  dirty: boolean;
  pageTitle: (pageId: string) => string;
  onRestored: (dashboard: Dashboard) => void;
}

/** Every saved version: who saved it, when and why; two of them compared; an old one restored as the newest. */
export function VersionHistorySheet({
  open,
  onOpenChange,
  studyId,
  dashboardId,
  currentVersion,
  dirty,
  pageTitle,
  onRestored,
}: VersionHistorySheetProps) {
  const query = useQuery({ ...dashboardVersionsQuery(studyId, dashboardId), enabled: open });
  const [picked, setPicked] = useState<number[]>([]);
  const [restoring, setRestoring] = useState<DashboardVersionEntry | null>(null);
  const [signing, setSigning] = useState<DashboardVersionEntry | null>(null);
  const canSign = useFeature('electronic_signatures');
  const queryClient = useQueryClient();
  const [from, to] = [...picked].sort((a, b) => a - b);

  const toggle = (version: number, checked: boolean) =>
    setPicked((current) =>
      checked ? [...current.filter((v) => v !== version), version].slice(-2) : current.filter((v) => v !== version),
    );

  const restore = async (entry: DashboardVersionEntry) => {
    const dashboard = await restoreDashboardVersion(studyId, dashboardId, entry.version, currentVersion);
    queryClient.setQueryData(dashboardKeys.detail(studyId, dashboardId), dashboard);
    await queryClient.invalidateQueries({ queryKey: builderKeys.versions(studyId, dashboardId) });
    void queryClient.invalidateQueries({ queryKey: dashboardKeys.list(studyId) });
    onRestored(dashboard);
    setPicked([]);
    toast.success(`Restored version ${entry.version} as version ${dashboard.version}`);
  };

  return (
    <Sheet open={open} onOpenChange={onOpenChange}>
      <SheetContent
        title="Version history"
        description="Every save is kept. Tick two versions to see what changed between them."
      >
        <div className="min-h-0 flex-1 overflow-y-auto">
          {from !== undefined && to !== undefined ? (
            <DiffPanel
              studyId={studyId}
              dashboardId={dashboardId}
              from={from}
              to={to}
              pageTitle={pageTitle}
              onClear={() => setPicked([])}
            />
          ) : null}
          {query.isPending ? (
            <div className="space-y-3 px-5 py-4" role="status" aria-label="Loading versions">
              <Skeleton className="h-14 rounded-md" />
              <Skeleton className="h-14 rounded-md" />
              <Skeleton className="h-14 rounded-md" />
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
              {query.data.data.map((entry) => (
                <VersionRow
                  key={entry.version}
                  entry={entry}
                  current={entry.version === currentVersion}
                  picked={picked.includes(entry.version)}
                  onPick={(checked) => toggle(entry.version, checked)}
                  onRestore={() => setRestoring(entry)}
                  resource={`dashboard_version:${dashboardId}:${entry.version}`}
                  {...(canSign ? { onSign: () => setSigning(entry) } : {})}
                />
              ))}
            </ol>
          )}
        </div>
        {signing ? (
          <SignatureDialog
            open
            onOpenChange={(next) => !next && setSigning(null)}
            resourceType="dashboard_version"
            resourceId={`${dashboardId}:${signing.version}`}
            what={`version ${signing.version} of this dashboard`}
            defaultMeaning="Approval"
            onSigned={(signature) => {
              toast.success(`Signed version ${signing.version}: ${signature.meaning}`);
            }}
          />
        ) : null}
        {restoring ? (
          <ConfirmDialog
            open
            onOpenChange={(next) => !next && setRestoring(null)}
            title={`Restore version ${restoring.version}?`}
            description={
              <>
                It is saved as a new version on top of version {currentVersion}, which stays in the history.
                {dirty ? ' Your unsaved changes in the builder are discarded.' : ''}
              </>
            }
            confirmLabel="Restore this version"
            tone={dirty ? 'destructive' : 'primary'}
            onConfirm={() => restore(restoring)}
          />
        ) : null}
      </SheetContent>
    </Sheet>
  );
}

function VersionRow({
  entry,
  current,
  picked,
  onPick,
  onRestore,
  onSign,
  resource,
}: {
  entry: DashboardVersionEntry;
  current: boolean;
  picked: boolean;
  onPick: (checked: boolean) => void;
  onRestore: () => void;
  /** Signing "approved for use"; absent when signatures are off. */
  onSign?: () => void;
  resource: string;
}) {
  const checkboxId = `version-${entry.version}`;
  return (
    <li className={cn('flex items-start gap-3 px-5 py-3.5', picked && 'bg-primary-soft/60')}>
      <Checkbox
        id={checkboxId}
        className="mt-0.5"
        checked={picked}
        onCheckedChange={(checked) => onPick(checked === true)}
        aria-label={`Compare version ${entry.version}`}
      />
      <div className="min-w-0 flex-1 space-y-1">
        <div className="flex flex-wrap items-center gap-2">
          <label htmlFor={checkboxId} className="text-[13px] font-semibold">
            Version {entry.version}
          </label>
          {current ? <Badge tone="accent">Current</Badge> : null}
          <span className="text-xs text-muted-foreground">{plural(entry.widgets, 'widget')}</span>
        </div>
        <p className="text-xs text-muted-foreground">
          {entry.createdBy?.name ?? 'CDP'} ·{' '}
          <time dateTime={entry.createdAt} title={formatDateTime(entry.createdAt, true)}>
            {formatRelative(entry.createdAt)}
          </time>
        </p>
        <p className={cn('text-[13px]', entry.comment ? 'text-foreground' : 'text-subtle-foreground italic')}>
          {entry.comment ?? 'No comment'}
        </p>
        <SignatureBadges resource={resource} />
      </div>
      {onSign ? (
        <Button variant="secondary" size="sm" onClick={onSign} aria-label={`Sign version ${entry.version}`}>
          <PenLine />
          Sign
        </Button>
      ) : null}
      {current ? null : (
        <Button variant="secondary" size="sm" onClick={onRestore} aria-label={`Restore version ${entry.version}`}>
          <RotateCcw />
          Restore
        </Button>
      )}
    </li>
  );
}

function DiffPanel({
  studyId,
  dashboardId,
  from,
  to,
  pageTitle,
  onClear,
}: {
  studyId: string;
  dashboardId: string;
  from: number;
  to: number;
  pageTitle: (pageId: string) => string;
  onClear: () => void;
}) {
  const query = useQuery(dashboardDiffQuery(studyId, dashboardId, from, to));
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
        <div className="space-y-2" role="status" aria-label="Loading changes">
          <Skeleton className="h-9 rounded-md" />
          <Skeleton className="h-9 rounded-md" />
        </div>
      ) : query.isError ? (
        <ErrorState error={query.error} what="the changes" onRetry={() => query.refetch()} className="py-6" />
      ) : (
        <DashboardDiffView diff={query.data} pageTitle={pageTitle} />
      )}
    </section>
  );
}
