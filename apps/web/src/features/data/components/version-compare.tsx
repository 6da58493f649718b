import type { DataVersion, VersionDiff } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { ArrowLeftRight, CheckCircle2, GitCompareArrows, KeyRound } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardBody, CardHeader } from '../../../components/ui/card.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { PageHeader } from '../../../components/ui/page-header.tsx';
import { Select } from '../../../components/ui/select.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { cn } from '../../../lib/cn.ts';
import type { StudyWithPermissions } from '../../studies/api/studies-api.ts';
import { diffQuery, versionsQuery } from '../api/data-api.ts';
import { DataBreadcrumb } from './data-breadcrumb.tsx';
import { DatasetDiffCard } from './dataset-diff-card.tsx';

export interface CompareSearch {
  from?: string;
  to?: string;
  /** Key columns for every dataset, comma-separated; each dataset's own key when absent. */
  key?: string;
}

function versionOption(v: DataVersion) {
  return (
    <option key={v.id} value={v.id}>
      {v.label}
      {v.active ? ' (active)' : ''}
    </option>
  );
}

function Stat({ label, value, tone }: { label: string; value: number; tone?: 'success' | 'danger' | 'warning' }) {
  return (
    <div className="px-5 py-4">
      <p className="text-xs font-medium text-muted-foreground">{label}</p>
      <p
        className={cn(
          'mt-1 text-xl font-semibold tabular-nums',
          value > 0 && tone === 'success' && 'text-success-soft-foreground',
          value > 0 && tone === 'danger' && 'text-destructive',
          value > 0 && tone === 'warning' && 'text-warning-soft-foreground',
        )}
      >
        {value.toLocaleString()}
      </p>
    </div>
  );
}

function DiffResult({ diff, studyId }: { diff: VersionDiff; studyId: string }) {
  const count = (status: string) => diff.datasets.filter((d) => d.status === status).length;
  const changed = diff.datasets.filter((d) => d.status !== 'unchanged');
  const unchanged = diff.datasets.filter((d) => d.status === 'unchanged');
  const order = { changed: 0, added: 1, removed: 2, unchanged: 3 } as const;
  return (
    <div className="space-y-6">
      <Card>
        <div className="grid grid-cols-2 divide-border sm:grid-cols-4 sm:divide-x">
          <Stat label="Datasets added" value={count('added')} tone="success" />
          <Stat label="Datasets removed" value={count('removed')} tone="danger" />
          <Stat label="Datasets changed" value={count('changed')} tone="warning" />
          <Stat label="Datasets unchanged" value={unchanged.length} />
        </div>
      </Card>
      {changed.length === 0 ? (
        <Card>
          <EmptyState
            icon={CheckCircle2}
            title="No differences"
            description="Both versions hold the same datasets, columns and rows."
          />
        </Card>
      ) : (
        [...changed]
          .sort((a, b) => order[a.status] - order[b.status] || a.name.localeCompare(b.name))
          .map((dataset) => (
            <DatasetDiffCard key={dataset.name} diff={dataset} studyId={studyId} from={diff.from} to={diff.to} />
          ))
      )}
      {unchanged.length > 0 && changed.length > 0 ? (
        <Card>
          <CardHeader as="h3" title="Unchanged datasets" description="Same columns and same rows in both versions." />
          <CardBody className="flex flex-wrap gap-1.5">
            {unchanged.map((d) => (
              <Badge key={d.name} tone="muted" className="font-mono">
                {d.name}
              </Badge>
            ))}
          </CardBody>
        </Card>
      ) : null}
    </div>
  );
}

interface CompareFormProps {
  versions: DataVersion[];
  value: { from: string; to: string; key: string };
  pending: boolean;
  onApply: (value: { from: string; to: string; key: string }) => void;
}

/** The two versions and the key override; the parent remounts it (via `key`) when the URL changes. */
function CompareForm({ versions, value, pending, onApply }: CompareFormProps) {
  const [draft, setDraft] = useState(value);
  const same = draft.from === draft.to;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!same) onApply(draft);
  };
  return (
    <form onSubmit={submit} aria-label="Versions to compare" className="px-5 py-4">
      <div className="grid items-start gap-4 lg:grid-cols-[minmax(0,1fr)_auto_minmax(0,1fr)_minmax(0,1fr)_auto]">
        <FormField label="From">
          {(control) => (
            <Select
              {...control}
              value={draft.from}
              onChange={(event) => setDraft({ ...draft, from: event.target.value })}
            >
              {versions.map(versionOption)}
            </Select>
          )}
        </FormField>
        <Button
          variant="ghost"
          size="icon"
          className="lg:mt-[22px]"
          onClick={() => onApply({ ...draft, from: draft.to, to: draft.from })}
          aria-label="Swap the two versions"
        >
          <ArrowLeftRight />
        </Button>
        <FormField label="To" error={same ? 'Choose two different versions.' : undefined}>
          {(control) => (
            <Select {...control} value={draft.to} onChange={(event) => setDraft({ ...draft, to: event.target.value })}>
              {versions.map(versionOption)}
            </Select>
          )}
        </FormField>
        <FormField label="Match rows by" hint="Key columns, comma-separated. Empty: each dataset’s own key.">
          {(control) => (
            <div className="relative">
              <KeyRound
                className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground"
                aria-hidden
              />
              <Input
                {...control}
                value={draft.key}
                onChange={(event) => setDraft({ ...draft, key: event.target.value })}
                placeholder="e.g. USUBJID, AESEQ"
                className="pl-9 font-mono text-[13px]"
              />
            </div>
          )}
        </FormField>
        <Button type="submit" className="lg:mt-[22px]" loading={pending}>
          {pending ? null : <GitCompareArrows />}
          Compare
        </Button>
      </div>
    </form>
  );
}

/** Two versions side by side: datasets, columns and rows added, removed or changed. */
export function VersionCompare({ result, search }: { result: StudyWithPermissions; search: CompareSearch }) {
  const { data: study } = result;
  const navigate = useNavigate();
  const versions = useQuery(versionsQuery(study.id));
  const list = versions.data?.data ?? [];
  const from = search.from ?? list[1]?.id ?? '';
  const to = search.to ?? list[0]?.id ?? '';
  const key = search.key ?? '';
  const ready = Boolean(from && to && from !== to);
  const diff = useQuery({ ...diffQuery(study.id, from, to, key), enabled: ready });

  const apply = (next: { from: string; to: string; key: string }) =>
    navigate({
      to: '/studies/$studyId/data/compare',
      params: { studyId: study.id },
      search: { from: next.from, to: next.to, key: next.key.trim() || undefined },
      replace: true,
    });

  return (
    <>
      <PageHeader
        eyebrow={<DataBreadcrumb study={study} trail={['Compare versions']} />}
        title="Compare versions"
        description="What changed between two versions of the study’s data. Rows are matched by their key columns."
      />
      <div className="space-y-6">
        {versions.isError ? null : (
          <Card>
            {versions.isPending ? (
              <div className="grid gap-4 px-5 py-4 sm:grid-cols-4" role="status" aria-label="Loading versions">
                <Skeleton className="h-14" />
                <Skeleton className="h-14" />
                <Skeleton className="h-14" />
                <Skeleton className="h-14" />
              </div>
            ) : (
              <CompareForm
                key={`${from}|${to}|${key}`}
                versions={list}
                value={{ from, to, key }}
                pending={ready && diff.isFetching}
                onApply={(next) => void apply(next)}
              />
            )}
          </Card>
        )}
        {versions.isError ? (
          <Card>
            <ErrorState error={versions.error} what="the data versions" onRetry={() => versions.refetch()} />
          </Card>
        ) : versions.isPending ? null : !ready ? (
          <Card>
            <EmptyState
              icon={GitCompareArrows}
              title={list.length < 2 ? 'Nothing to compare yet' : 'Choose two different versions'}
              description={
                list.length < 2
                  ? 'A comparison needs two versions. Upload another extract to compare it with the current one.'
                  : 'Pick an older version on the left and a newer one on the right.'
              }
            />
          </Card>
        ) : diff.isPending ? (
          <div className="space-y-6" role="status" aria-label="Comparing versions">
            <Skeleton className="h-20 rounded-lg" />
            <Skeleton className="h-72 rounded-lg" />
            <Skeleton className="h-48 rounded-lg" />
          </div>
        ) : diff.isError ? (
          <Card>
            <ErrorState
              error={diff.error}
              what="the comparison"
              onRetry={() => diff.refetch()}
              retrying={diff.isFetching}
            />
          </Card>
        ) : (
          <div className={diff.isPlaceholderData ? 'opacity-60 transition-opacity' : undefined}>
            <DiffResult diff={diff.data} studyId={study.id} />
          </div>
        )}
      </div>
    </>
  );
}
