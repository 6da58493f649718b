import type { DatasetDiff } from '@cdp/contracts';
import { Link } from '@tanstack/react-router';
import { AlertTriangle, ArrowRight, ArrowUpRight, KeyRound } from 'lucide-react';
import type { ReactNode } from 'react';
import { Badge, type BadgeTone } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardBody, CardHeader } from '../../../components/ui/card.tsx';
import { cn } from '../../../lib/cn.ts';
import { plural } from '../../../lib/format.ts';
import { cellText } from '../lib/cells.ts';
import { ChangedValue, RecordTable } from './diff-values.tsx';

const STATUS: Record<DatasetDiff['status'], { label: string; tone: BadgeTone }> = {
  added: { label: 'Added', tone: 'success' },
  removed: { label: 'Removed', tone: 'danger' },
  changed: { label: 'Changed', tone: 'warning' },
  unchanged: { label: 'Unchanged', tone: 'muted' },
};

function RowCount({ rows }: { rows: DatasetDiff['rows'] }) {
  if (rows.from === null) return <>{plural(rows.to ?? 0, 'row')}</>;
  if (rows.to === null) return <>{plural(rows.from, 'row')}</>;
  const delta = rows.to - rows.from;
  return (
    <span className="inline-flex items-center gap-1.5">
      {rows.from.toLocaleString()}
      <ArrowRight className="size-3.5" aria-label="to" />
      {plural(rows.to, 'row')}
      {delta !== 0 ? (
        <span className={cn('font-medium', delta > 0 ? 'text-success-soft-foreground' : 'text-destructive')}>
          ({delta > 0 ? '+' : '−'}
          {Math.abs(delta).toLocaleString()})
        </span>
      ) : null}
    </span>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="space-y-2">
      <h4 className="text-xs font-semibold tracking-wide text-muted-foreground uppercase">{title}</h4>
      {children}
    </div>
  );
}

function ColumnChanges({ diff }: { diff: DatasetDiff }) {
  const none = diff.columnsAdded.length + diff.columnsRemoved.length + diff.columnsRetyped.length === 0;
  const storage = diff.columnsNumericStorage ?? [];
  const storageNote =
    storage.length > 0 ? (
      <p className="text-xs text-muted-foreground" data-numeric-storage>
        Same numbers, stored as {storage[0]?.to === 'number' ? 'float' : 'integer'} now:{' '}
        <span className="font-mono">{storage.map((c) => c.name).join(', ')}</span>
      </p>
    ) : null;
  if (none)
    return (
      <div className="space-y-1">
        <p className="text-[13px] text-muted-foreground">Same columns, same types.</p>
        {storageNote}
      </div>
    );
  return (
    <dl className="space-y-2 text-[13px]">
      {diff.columnsAdded.length > 0 ? (
        <div className="flex flex-wrap items-center gap-1.5">
          <dt className="w-20 shrink-0 text-muted-foreground">Added</dt>
          {diff.columnsAdded.map((c) => (
            <dd key={c}>
              <Badge tone="success" className="font-mono">
                + {c}
              </Badge>
            </dd>
          ))}
        </div>
      ) : null}
      {diff.columnsRemoved.length > 0 ? (
        <div className="flex flex-wrap items-center gap-1.5">
          <dt className="w-20 shrink-0 text-muted-foreground">Removed</dt>
          {diff.columnsRemoved.map((c) => (
            <dd key={c}>
              <Badge tone="danger" className="font-mono">
                − {c}
              </Badge>
            </dd>
          ))}
        </div>
      ) : null}
      {diff.columnsRetyped.length > 0 ? (
        <div className="flex flex-wrap items-center gap-1.5">
          <dt className="w-20 shrink-0 text-muted-foreground">Retyped</dt>
          {diff.columnsRetyped.map((c) => (
            <dd key={c.name}>
              <Badge tone="info" className="font-mono">
                {c.name}: {c.from} → {c.to}
              </Badge>
            </dd>
          ))}
        </div>
      ) : null}
      {storageNote ? <div>{storageNote}</div> : null}
    </dl>
  );
}

function KeyText({ record }: { record: Record<string, unknown> }) {
  return (
    <span className="flex flex-wrap gap-x-3 gap-y-0.5 font-mono text-xs">
      {Object.entries(record).map(([column, value]) => (
        <span key={column}>
          <span className="text-muted-foreground">{column}</span> {cellText(value)}
        </span>
      ))}
    </span>
  );
}

function Count({ value, sign, word, tone }: { value: number; sign: string; word: string; tone: string }) {
  return (
    <span className={cn('font-medium tabular-nums', value > 0 ? tone : 'text-muted-foreground')}>
      {sign}
      {value.toLocaleString()} {word}
    </span>
  );
}

function RowChanges({ diff }: { diff: DatasetDiff }) {
  const { samples } = diff;
  if (!diff.key) {
    return (
      <div className="flex gap-2.5 rounded-md border border-amber-200 bg-warning-soft px-3.5 py-3 text-[13px] text-warning-soft-foreground">
        <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden />
        <p>
          <span className="font-medium">Rows were not compared one by one.</span>{' '}
          {diff.keyProblem ?? 'No key identifies each row.'} Enter the key columns under “Match rows by” above.
        </p>
      </div>
    );
  }
  const keyColumns = diff.key;
  return (
    <div className="space-y-4">
      <p className="flex flex-wrap items-center gap-x-4 gap-y-1 text-[13px]">
        <span className="inline-flex items-center gap-1.5 text-muted-foreground">
          <KeyRound className="size-3.5" aria-hidden />
          Matched by <span className="font-mono text-foreground">{keyColumns.join(', ')}</span>
        </span>
        {diff.rowsAdded + diff.rowsRemoved + diff.rowsChanged === 0 ? (
          <span className="text-muted-foreground">No row was added, removed or changed.</span>
        ) : (
          <>
            <Count value={diff.rowsAdded} sign="+" word="added" tone="text-success-soft-foreground" />
            <Count value={diff.rowsRemoved} sign="−" word="removed" tone="text-destructive" />
            <Count value={diff.rowsChanged} sign="~" word="changed" tone="text-warning-soft-foreground" />
          </>
        )}
      </p>
      {samples.changed.length > 0 ? (
        <div className="space-y-1.5">
          <p className="text-xs text-muted-foreground">
            Changed rows
            {diff.rowsChanged > samples.changed.length
              ? `: ${samples.changed.length} of ${diff.rowsChanged.toLocaleString()}`
              : ''}
          </p>
          <ul
            className="divide-y divide-border rounded-md border border-border"
            aria-label={`Changed rows of ${diff.name}`}
          >
            {samples.changed.map((row) => (
              <li key={JSON.stringify(row.key)} className="grid gap-2 px-3 py-2.5 md:grid-cols-[minmax(0,14rem)_1fr]">
                <KeyText record={row.key} />
                <ul className="space-y-1">
                  {row.changes.map((change) => (
                    <li key={change.column} className="flex flex-wrap items-center gap-2 text-[13px]">
                      <span className="w-24 shrink-0 font-mono text-xs text-muted-foreground">{change.column}</span>
                      <ChangedValue from={change.from} to={change.to} />
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {samples.added.length > 0 ? (
        <div className="space-y-1.5">
          <p className="text-xs text-muted-foreground">
            Added rows
            {diff.rowsAdded > samples.added.length
              ? `: ${samples.added.length} of ${diff.rowsAdded.toLocaleString()}`
              : ''}
          </p>
          <RecordTable
            records={samples.added}
            keyColumns={keyColumns}
            tone="added"
            label={`Added rows of ${diff.name}`}
          />
        </div>
      ) : null}
      {samples.removed.length > 0 ? (
        <div className="space-y-1.5">
          <p className="text-xs text-muted-foreground">
            Removed rows
            {diff.rowsRemoved > samples.removed.length
              ? `: ${samples.removed.length} of ${diff.rowsRemoved.toLocaleString()}`
              : ''}
          </p>
          <RecordTable
            records={samples.removed}
            keyColumns={keyColumns}
            tone="removed"
            label={`Removed rows of ${diff.name}`}
          />
        </div>
      ) : null}
    </div>
  );
}

interface DatasetDiffCardProps {
  diff: DatasetDiff;
  studyId: string;
  from: string;
  to: string;
}

/** How one dataset differs between the two versions. */
export function DatasetDiffCard({ diff, studyId, from, to }: DatasetDiffCardProps) {
  const status = STATUS[diff.status];
  const both = diff.status === 'changed';
  // A removed dataset can only be opened in the version it was removed from.
  const versionId = diff.status === 'removed' ? from : to;
  return (
    <Card aria-label={`Dataset ${diff.name}`}>
      <CardHeader
        as="h3"
        title={
          <span className="flex items-center gap-2">
            <span className="font-mono">{diff.name}</span>
            <Badge tone={status.tone}>{status.label}</Badge>
          </span>
        }
        description={<RowCount rows={diff.rows} />}
        actions={
          <Button asChild variant="ghost" size="sm">
            <Link
              to="/studies/$studyId/data/versions/$versionId/$dataset"
              params={{ studyId, versionId, dataset: diff.name }}
            >
              Open {diff.name}
              <ArrowUpRight />
            </Link>
          </Button>
        }
      />
      {both ? (
        <CardBody className="space-y-5">
          <Section title="Columns">
            <ColumnChanges diff={diff} />
          </Section>
          <Section title="Rows">
            <RowChanges diff={diff} />
          </Section>
        </CardBody>
      ) : (
        <CardBody>
          <p className="text-[13px] text-muted-foreground">
            {diff.status === 'added'
              ? 'This dataset is new in the second version.'
              : 'This dataset is not in the second version.'}
          </p>
        </CardBody>
      )}
    </Card>
  );
}
