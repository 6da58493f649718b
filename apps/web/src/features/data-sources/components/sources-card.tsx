import type { DataSource, DataSourcePull } from '@cdp/contracts';
import { formatBytes } from '@cdp/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Download, KeyRound, Pencil, Plus, Trash2 } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Badge, type BadgeTone } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog.tsx';
import { Dialog, DialogBody, DialogContent, DialogFooter } from '../../../components/ui/dialog.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { TableSkeleton } from '../../../components/ui/skeleton.tsx';
import { Switch } from '../../../components/ui/switch.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { dataKeys } from '../../data/api/data-api.ts';
import { ProgressBar } from '../../data/components/progress-bar.tsx';
import {
  cancelPull,
  deleteSource,
  pullNow,
  pullQuery,
  pullsQuery,
  replaceSecret,
  sourceKeys,
  studySourcesQuery,
  testSavedSource,
  updateSource,
} from '../api/data-sources-api.ts';
import { scheduleText } from '../lib/source-draft.ts';
import { AddSourceDialog } from './add-source-dialog.tsx';
import { EditSourceDialog } from './edit-source-dialog.tsx';

const TYPE_LABELS = { rave: 'Rave', sftp: 'sFTP', folder: 'Folder' } as const;

export function pullTone(status: string): BadgeTone {
  if (status === 'SUCCEEDED') return 'success';
  if (status === 'FAILED') return 'danger';
  if (status === 'UNCHANGED' || status === 'CANCELLED') return 'muted';
  return 'info';
}

export const STATUS_LABELS: Record<string, string> = {
  QUEUED: 'Queued',
  RUNNING: 'Pulling',
  SUCCEEDED: 'New version',
  UNCHANGED: 'No changes',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
};

export function whereOf(source: DataSource): string {
  const c = source.config as Record<string, string | number | undefined>;
  if (source.type === 'sftp') return `${c.username}@${c.host}:${c.port} ${c.remoteDir}/${c.pattern}`;
  if (source.type === 'folder') return `${c.path}/${c.pattern}`;
  return `${c.project}(${c.environment})`;
}

function duration(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A study's data sources, on its Data tab: status, next run, Pull now with live progress, history. */
export function SourcesCard({ studyId, canManage }: { studyId: string; canManage: boolean }) {
  const query = useQuery(studySourcesQuery(studyId));
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  // A pull that ended may have made a version: the versions list (and pulls' history) is read again.
  // Keyed on each source's last pull as well as the running one: a pull that ends before the list
  // is first read again (a small file, a quick folder) never shows as running, yet made a version.
  const pulls = query.data
    ? query.data.data
        .map((s) => `${s.id}:${s.activePullId ?? ''}:${s.lastPull?.at ?? ''}:${s.lastPull?.status ?? ''}`)
        .join(',')
    : null;
  const [seenPulls, setSeenPulls] = useState(pulls);
  useEffect(() => {
    if (pulls === seenPulls) return;
    setSeenPulls(pulls);
    // The first answer is what the page opened with, not a change.
    if (pulls === null || seenPulls === null) return;
    void queryClient.invalidateQueries({ queryKey: dataKeys.versions(studyId) });
    void queryClient.invalidateQueries({ queryKey: sourceKeys.all });
  }, [pulls, seenPulls, queryClient, studyId]);
  const [open, setOpen] = useState<string | null>(null);
  const sources = query.data?.data ?? [];
  return (
    <Card>
      <CardHeader
        title="Data sources"
        description="Rave, sFTP and watched folders that bring new versions in by themselves."
        actions={
          canManage ? (
            <Button size="sm" onClick={() => setAdding(true)}>
              <Plus aria-hidden /> Add source
            </Button>
          ) : null
        }
      />
      {query.isPending ? (
        <TableSkeleton rows={2} columns={5} />
      ) : query.isError ? (
        <ErrorState
          error={query.error}
          what="data sources"
          onRetry={() => query.refetch()}
          retrying={query.isFetching}
        />
      ) : sources.length === 0 ? (
        <EmptyState
          icon={Download}
          title="No data sources"
          description={
            canManage
              ? 'Add an sFTP server, a watched folder or a Rave study to pull data on a schedule.'
              : 'Nobody has set up a data source for this study.'
          }
        />
      ) : (
        <ul className="divide-y divide-border">
          {sources.map((source) => (
            <SourceRow
              key={source.id}
              studyId={studyId}
              source={source}
              canManage={canManage}
              expanded={open === source.id}
              onToggle={() => setOpen(open === source.id ? null : source.id)}
            />
          ))}
        </ul>
      )}
      {canManage ? <AddSourceDialog studyId={studyId} open={adding} onOpenChange={setAdding} /> : null}
    </Card>
  );
}

function SourceRow({
  studyId,
  source,
  canManage,
  expanded,
  onToggle,
}: {
  studyId: string;
  source: DataSource;
  canManage: boolean;
  expanded: boolean;
  onToggle: () => void;
}) {
  const queryClient = useQueryClient();
  const [secretOpen, setSecretOpen] = useState(false);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const keyUnconfirmed =
    source.type === 'sftp' && !(source.config as { hostKeyFingerprint?: string }).hostKeyFingerprint;
  const refresh = () => queryClient.invalidateQueries({ queryKey: sourceKeys.all });
  const pull = useMutation({
    mutationFn: () => pullNow(studyId, source.id),
    onSuccess: refresh,
    onError: (e) => toast.error(errorMessage(e)),
  });
  const test = useMutation({
    mutationFn: () => testSavedSource(studyId, source.id),
    onSuccess: (res) => {
      if (res.data.ok) return toast.success(res.data.message);
      // A key to confirm (first time, or a re-keyed server) is confirmed in the edit dialog.
      toast.error(
        res.data.hostKeyFingerprint ? `${res.data.message} Use Edit to compare and confirm the key.` : res.data.message,
      );
    },
    onError: (e) => toast.error(errorMessage(e)),
  });
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => updateSource(studyId, source.id, { enabled }),
    onSuccess: refresh,
    onError: (e) => toast.error(errorMessage(e)),
  });
  return (
    <li className="px-6 py-4" data-testid={`source-${source.name}`}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 space-y-1">
          <div className="flex flex-wrap items-center gap-2">
            <button type="button" className="text-sm font-semibold hover:underline" onClick={onToggle}>
              {source.name}
            </button>
            <Badge tone="neutral">{TYPE_LABELS[source.type]}</Badge>
            {!source.enabled ? <Badge tone="muted">Disabled</Badge> : null}
            {keyUnconfirmed ? <Badge tone="warning">Host key not confirmed</Badge> : null}
            {source.lastPull ? (
              <Badge tone={pullTone(source.lastPull.status)}>{STATUS_LABELS[source.lastPull.status]}</Badge>
            ) : (
              <Badge tone="muted">Never pulled</Badge>
            )}
          </div>
          <p className="break-all font-mono text-xs text-muted-foreground">{whereOf(source)}</p>
          <p className="text-xs text-muted-foreground">
            {source.lastPull ? `Last pull ${formatDateTime(source.lastPull.at)}` : 'Not pulled yet'}
            {' · '}
            {scheduleText(source)}
            {source.secret.masked ? ` · secret ${source.secret.masked}` : ''}
          </p>
          {source.lastPull?.message && !source.activePullId ? (
            <p
              className={
                source.lastPull.status === 'FAILED' ? 'text-xs text-destructive' : 'text-xs text-muted-foreground'
              }
            >
              {source.lastPull.message}
            </p>
          ) : null}
        </div>
        {canManage ? (
          <div className="flex flex-wrap items-center gap-2">
            <label htmlFor={`enabled-${source.id}`} className="flex items-center gap-1.5 text-xs text-muted-foreground">
              <Switch
                id={`enabled-${source.id}`}
                checked={source.enabled}
                onCheckedChange={(v) => toggle.mutate(v)}
                aria-label={`${source.name} enabled`}
              />
              Enabled
            </label>
            <Button size="sm" variant="secondary" onClick={() => setEditing(true)}>
              <Pencil aria-hidden /> Edit
            </Button>
            <Button size="sm" variant="secondary" onClick={() => test.mutate()} disabled={test.isPending}>
              {test.isPending ? 'Testing…' : 'Test'}
            </Button>
            {source.type !== 'folder' ? (
              <Button size="sm" variant="secondary" onClick={() => setSecretOpen(true)}>
                <KeyRound aria-hidden /> Replace secret
              </Button>
            ) : null}
            <Button
              size="sm"
              onClick={() => pull.mutate()}
              disabled={pull.isPending || Boolean(source.activePullId) || !source.enabled}
            >
              Pull now
            </Button>
            <Button size="sm" variant="ghost" aria-label={`Delete ${source.name}`} onClick={() => setDeleting(true)}>
              <Trash2 aria-hidden />
            </Button>
          </div>
        ) : null}
      </div>
      {source.activePullId ? (
        <LivePull studyId={studyId} sourceId={source.id} pullId={source.activePullId} canManage={canManage} />
      ) : null}
      {expanded ? <PullHistory studyId={studyId} sourceId={source.id} /> : null}
      <button type="button" className="mt-2 text-xs text-primary hover:underline" onClick={onToggle}>
        {expanded ? 'Hide history' : 'Show history'}
      </button>
      <ReplaceSecretDialog studyId={studyId} source={source} open={secretOpen} onOpenChange={setSecretOpen} />
      {canManage ? (
        <EditSourceDialog studyId={studyId} source={source} open={editing} onOpenChange={setEditing} />
      ) : null}
      <ConfirmDialog
        open={deleting}
        onOpenChange={setDeleting}
        title={`Delete ${source.name}?`}
        description="It stops pulling and its stored secret is erased. Versions it made stay."
        confirmLabel="Delete source"
        tone="destructive"
        onConfirm={async () => {
          await deleteSource(studyId, source.id);
          await refresh();
        }}
      />
    </li>
  );
}

/** The running pull: a progress bar that follows it (polled every second) and Cancel. */
function LivePull({
  studyId,
  sourceId,
  pullId,
  canManage,
}: {
  studyId: string;
  sourceId: string;
  pullId: string;
  canManage: boolean;
}) {
  const queryClient = useQueryClient();
  const query = useQuery(pullQuery(studyId, sourceId, pullId));
  const pull = query.data?.data;
  const progress = pull?.progress;
  const facts = [
    progress?.files != null ? `${progress.files} file${progress.files === 1 ? '' : 's'}` : null,
    progress?.bytes != null ? formatBytes(progress.bytes) : null,
    progress?.forms != null ? `${progress.forms} forms` : null,
    progress?.subjects != null ? `${progress.subjects} subjects` : null,
  ].filter(Boolean);
  return (
    <div className="mt-3 space-y-1.5 rounded-md border border-border bg-surface-muted p-3">
      <div className="flex items-center justify-between gap-2 text-xs">
        <span>
          {pull?.status === 'QUEUED' ? 'Waiting for a worker…' : (progress?.message ?? 'Pulling…')}
          {facts.length > 0 ? ` · ${facts.join(' · ')}` : ''}
        </span>
        {canManage ? (
          <Button
            size="sm"
            variant="ghost"
            onClick={async () => {
              await cancelPull(studyId, sourceId, pullId).catch((e) => toast.error(errorMessage(e)));
              await queryClient.invalidateQueries({ queryKey: sourceKeys.all });
            }}
          >
            Cancel
          </Button>
        ) : null}
      </div>
      <ProgressBar value={null} label="Pull in progress" />
    </div>
  );
}

function PullHistory({ studyId, sourceId }: { studyId: string; sourceId: string }) {
  const query = useQuery(pullsQuery(studyId, sourceId));
  const [logOf, setLogOf] = useState<DataSourcePull | null>(null);
  if (query.isPending) return <TableSkeleton rows={2} columns={5} />;
  if (query.isError) return <ErrorState error={query.error} what="pulls" onRetry={() => query.refetch()} />;
  const pulls = query.data.data;
  if (pulls.length === 0) return <p className="mt-3 text-xs text-muted-foreground">No pulls yet.</p>;
  return (
    <div className="mt-3 overflow-x-auto">
      <Table>
        <TableHeader>
          <TableRow>
            <TableHead>Started</TableHead>
            <TableHead>Trigger</TableHead>
            <TableHead>Outcome</TableHead>
            <TableHead className="text-right">Duration</TableHead>
            <TableHead>Message</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {pulls.map((p) => (
            <TableRow key={p.id}>
              <TableCell className="whitespace-nowrap">{formatDateTime(p.startedAt ?? p.queuedAt)}</TableCell>
              <TableCell>{p.trigger === 'schedule' ? 'Schedule' : 'By hand'}</TableCell>
              <TableCell>
                <Badge tone={pullTone(p.status)}>{STATUS_LABELS[p.status]}</Badge>
              </TableCell>
              <TableCell className="text-right tabular-nums">{duration(p.durationMs)}</TableCell>
              <TableCell className="max-w-md">
                <span className="line-clamp-2 text-xs">{p.message ?? '—'}</span>
                <button type="button" className="text-xs text-primary hover:underline" onClick={() => setLogOf(p)}>
                  Log
                </button>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {logOf ? (
        <PullLogDialog studyId={studyId} sourceId={sourceId} pull={logOf} onClose={() => setLogOf(null)} />
      ) : null}
    </div>
  );
}

function PullLogDialog({
  studyId,
  sourceId,
  pull,
  onClose,
}: {
  studyId: string;
  sourceId: string;
  pull: DataSourcePull;
  onClose: () => void;
}) {
  const query = useQuery(pullQuery(studyId, sourceId, pull.id));
  return (
    <Dialog open onOpenChange={(next) => !next && onClose()}>
      <DialogContent title="Pull log" description={formatDateTime(pull.queuedAt)} size="lg">
        <DialogBody>
          {query.isPending ? (
            <TableSkeleton rows={4} columns={2} />
          ) : query.isError ? (
            <ErrorState error={query.error} what="the log" />
          ) : (
            <ol className="space-y-1 font-mono text-xs">
              {query.data.data.log.map((line) => (
                <li key={line.seq} className={line.level === 'error' ? 'text-destructive' : undefined}>
                  <span className="text-muted-foreground">{formatDateTime(line.at, true)}</span> {line.message}
                </li>
              ))}
            </ol>
          )}
        </DialogBody>
      </DialogContent>
    </Dialog>
  );
}

function ReplaceSecretDialog({
  studyId,
  source,
  open,
  onOpenChange,
}: {
  studyId: string;
  source: DataSource;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const queryClient = useQueryClient();
  const [secret, setSecret] = useState('');
  const save = useMutation({
    mutationFn: () => replaceSecret(studyId, source.id, secret),
    onSuccess: async () => {
      setSecret('');
      await queryClient.invalidateQueries({ queryKey: sourceKeys.all });
      toast.success('Secret replaced');
      onOpenChange(false);
    },
  });
  const isKey = source.type === 'sftp' && (source.config as { auth?: string }).auth === 'private_key';
  return (
    <Dialog open={open} onOpenChange={(next) => !save.isPending && onOpenChange(next)}>
      <DialogContent
        title={`Replace the secret of ${source.name}`}
        description="The stored secret is never shown; the new one replaces it and is stored encrypted."
      >
        <DialogBody>
          <FormField label={isKey ? 'Private key' : 'Password or token'} required>
            {(c) => (
              <Input
                {...c}
                type="password"
                autoComplete="new-password"
                value={secret}
                onChange={(e) => setSecret(e.target.value)}
              />
            )}
          </FormField>
          <FormError message={save.error ? errorMessage(save.error) : undefined} />
        </DialogBody>
        <DialogFooter>
          <Button variant="secondary" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button disabled={!secret || save.isPending} onClick={() => save.mutate()}>
            Replace secret
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
