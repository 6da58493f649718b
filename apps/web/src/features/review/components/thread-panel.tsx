import type { ReviewThreadDto } from '@cdp/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { MessageSquarePlus } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { Badge, type BadgeTone } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Select } from '../../../components/ui/select.tsx';
import { Textarea } from '../../../components/ui/textarea.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { useMe } from '../../auth/hooks/use-me.ts';
import {
  createThread,
  replyToThread,
  reviewAssigneesQuery,
  reviewKeys,
  reviewThreadQuery,
  reviewThreadsQuery,
  updateThread,
} from '../api/review-api.ts';

const STATUS_TONE: Record<ReviewThreadDto['status'], BadgeTone> = {
  open: 'warning',
  answered: 'info',
  closed: 'muted',
};

export function ThreadStatusBadge({ status }: { status: ReviewThreadDto['status'] }) {
  return <Badge tone={STATUS_TONE[status]}>{status[0]?.toUpperCase() + status.slice(1)}</Badge>;
}

/**
 * Notes and queries on one subject (or one of its records): the list, a form to open one, and
 * the open thread's messages with reply, status and its assignee (a picker of the study's users
 * who may act on it). `canWrite`: review:perform.
 */
export function ThreadPanel({
  studyId,
  usubjid,
  record,
  canWrite,
}: {
  studyId: string;
  usubjid: string;
  record?: { dataset: string; key: Record<string, string | number>; label: string };
  canWrite: boolean;
}) {
  const queryClient = useQueryClient();
  const threads = useQuery(reviewThreadsQuery(studyId, { usubjid }));
  const [openId, setOpenId] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [kind, setKind] = useState<'query' | 'note'>('query');
  const [assignee, setAssignee] = useState('');
  const refresh = () => queryClient.invalidateQueries({ queryKey: reviewKeys.all(studyId) });
  const create = useMutation({
    mutationFn: () =>
      createThread(studyId, {
        kind,
        usubjid,
        ...(record ? { dataset: record.dataset, key: record.key } : {}),
        title: title.trim(),
        body: body.trim(),
        ...(assignee ? { assignedTo: assignee } : {}),
      }),
    onSuccess: async ({ data }) => {
      setTitle('');
      setBody('');
      setAssignee('');
      setOpenId(data.id);
      await refresh();
      toast.success(kind === 'query' ? 'Query opened' : 'Note added');
    },
    onError: (error) => toast.error(errorMessage(error)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const list = threads.data?.data ?? [];
  return (
    <section aria-label={`Notes and queries on ${usubjid}`} className="space-y-3">
      {threads.isPending ? (
        <p className="text-sm text-muted-foreground">Loading notes and queries…</p>
      ) : list.length === 0 ? (
        <p className="text-sm text-muted-foreground">No notes or queries on {usubjid} yet.</p>
      ) : (
        <ul className="divide-y divide-border rounded-md border border-border">
          {list.map((thread) => (
            <li key={thread.id}>
              <button
                type="button"
                className="flex w-full flex-wrap items-center gap-2 px-3 py-2 text-left text-sm hover:bg-surface-muted"
                onClick={() => setOpenId(openId === thread.id ? null : thread.id)}
                aria-expanded={openId === thread.id}
              >
                <ThreadStatusBadge status={thread.status} />
                <span className="font-medium">{thread.title}</span>
                <span className="text-xs text-muted-foreground">
                  {thread.kind} · {thread.recordKey ? `${thread.dataset} ${thread.recordKey}` : 'subject'}
                  {thread.assignedToName ? ` · assigned to ${thread.assignedToName}` : ''}
                </span>
              </button>
              {openId === thread.id ? (
                <ThreadDetail studyId={studyId} threadId={thread.id} canWrite={canWrite} />
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {canWrite ? (
        <form onSubmit={submit} className="space-y-2 rounded-md border border-border p-3">
          <p className="text-sm font-medium">
            New {kind} on {record ? record.label : usubjid}
          </p>
          <div className="flex flex-col gap-2 sm:flex-row">
            <Select
              aria-label="Kind"
              value={kind}
              onChange={(e) => setKind(e.target.value as 'query' | 'note')}
              className="sm:w-32"
            >
              <option value="query">Query</option>
              <option value="note">Note</option>
            </Select>
            <Input
              aria-label="Title"
              placeholder="Title"
              value={title}
              maxLength={200}
              onChange={(e) => setTitle(e.target.value)}
              required
            />
          </div>
          <Textarea
            aria-label="Message"
            placeholder="What should be checked?"
            value={body}
            onChange={(e) => setBody(e.target.value)}
            required
          />
          <AssigneeSelect studyId={studyId} value={assignee} onChange={setAssignee} label="Assign to" />
          <Button type="submit" size="sm" loading={create.isPending} disabled={!title.trim() || !body.trim()}>
            <MessageSquarePlus />
            {kind === 'query' ? 'Open query' : 'Add note'}
          </Button>
        </form>
      ) : null}
    </section>
  );
}

function ThreadDetail({ studyId, threadId, canWrite }: { studyId: string; threadId: string; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const me = useMe();
  const query = useQuery(reviewThreadQuery(studyId, threadId));
  const [reply, setReply] = useState('');
  const refresh = () => queryClient.invalidateQueries({ queryKey: reviewKeys.all(studyId) });
  const send = useMutation({
    mutationFn: () => replyToThread(studyId, threadId, reply.trim()),
    onSuccess: async () => {
      setReply('');
      await refresh();
    },
    onError: (error) => toast.error(errorMessage(error)),
  });
  const change = useMutation({
    mutationFn: (body: Parameters<typeof updateThread>[2]) => updateThread(studyId, threadId, body),
    onSuccess: refresh,
    onError: (error) => toast.error(errorMessage(error)),
  });
  const thread = query.data?.data;
  if (!thread) return <p className="px-3 pb-3 text-sm text-muted-foreground">Loading…</p>;
  return (
    <div className="space-y-2 px-3 pb-3">
      <ol className="space-y-2">
        {(thread.messages ?? []).map((m) => (
          <li key={m.id} className="rounded-md bg-surface-muted px-3 py-2 text-sm">
            <p className="text-xs text-muted-foreground">
              {m.userName ?? 'API key'} · {formatDateTime(m.createdAt)}
            </p>
            <p className="whitespace-pre-wrap break-words">{m.body}</p>
          </li>
        ))}
      </ol>
      {canWrite ? (
        <div className="space-y-2">
          {thread.status !== 'closed' ? (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                send.mutate();
              }}
              className="flex flex-col gap-2 sm:flex-row"
            >
              <Textarea aria-label="Reply" rows={2} value={reply} onChange={(e) => setReply(e.target.value)} />
              <Button type="submit" size="sm" loading={send.isPending} disabled={!reply.trim()}>
                Reply
              </Button>
            </form>
          ) : null}
          <div className="flex flex-wrap gap-2">
            {thread.status !== 'closed' ? (
              <Button size="sm" variant="secondary" onClick={() => change.mutate({ status: 'closed' })}>
                Close
              </Button>
            ) : (
              <Button size="sm" variant="secondary" onClick={() => change.mutate({ status: 'open' })}>
                Reopen
              </Button>
            )}
            {thread.assignedTo !== me.user.id ? (
              <Button size="sm" variant="ghost" onClick={() => change.mutate({ assignedTo: me.user.id })}>
                Assign to me
              </Button>
            ) : null}
          </div>
          <AssigneeSelect
            studyId={studyId}
            value={thread.assignedTo ?? ''}
            current={
              thread.assignedTo ? { id: thread.assignedTo, name: thread.assignedToName ?? 'Unknown user' } : null
            }
            onChange={(id) => change.mutate({ assignedTo: id || null })}
            label="Assigned to"
            disabled={change.isPending}
          />
        </div>
      ) : null}
    </div>
  );
}

/**
 * The study's users who may act on a query (they see the study and hold review:perform), by name.
 * The current assignee stays listed even if they no longer qualify, so the select shows the truth.
 */
function AssigneeSelect({
  studyId,
  value,
  current = null,
  onChange,
  label,
  disabled,
}: {
  studyId: string;
  value: string;
  current?: { id: string; name: string } | null;
  onChange: (userId: string) => void;
  label: string;
  disabled?: boolean;
}) {
  const assignees = useQuery(reviewAssigneesQuery(studyId));
  const people = assignees.data?.data ?? [];
  const listed = current && !people.some((p) => p.id === current.id) ? [...people, current] : people;
  return (
    <div className="flex flex-col gap-1 text-xs font-medium text-muted-foreground sm:flex-row sm:items-center sm:gap-2">
      <span aria-hidden>{label}</span>
      <Select
        aria-label={label}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        disabled={disabled || assignees.isPending}
        className="sm:w-64"
      >
        <option value="">Nobody</option>
        {listed.map((person) => (
          <option key={person.id} value={person.id}>
            {person.name}
          </option>
        ))}
      </Select>
      {assignees.isError ? <span className="text-destructive">Could not load the study’s reviewers.</span> : null}
    </div>
  );
}
