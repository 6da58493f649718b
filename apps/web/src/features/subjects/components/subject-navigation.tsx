import type { ListingSubjectIdsResponse, SubjectListing } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { ChevronLeft, ChevronRight } from 'lucide-react';
import { buttonVariants } from '../../../components/ui/button.tsx';
import { api } from '../../../lib/api-client.ts';
import { cn } from '../../../lib/cn.ts';
import {
  isCapped,
  isPartial,
  MAX_SUBJECTS,
  neighbours,
  readSubjectList,
  type SubjectList,
  type SubjectPageReader,
  wholeSubjectList,
} from '../subject-links.ts';

/**
 * A page of a list's subject ids, in its order: from a drill-down (a listing of subjects with their
 * attributes) or from a subject listing widget's `subject-ids` route (the ids alone).
 */
const readSourcePage: SubjectPageReader = async (source, offset, limit) => {
  const answer = await api<SubjectListing | ListingSubjectIdsResponse>(source.path, {
    query: { ...source.query, offset, limit },
  });
  if ('data' in answer) return answer.data;
  const id = answer.columns.findIndex((c) => c.field === 'subject_id');
  return id < 0 ? [] : answer.rows.map((row) => String(row[id]));
};

/** The remembered list, read whole from its source when it was only a page of it. */
function useSubjectList(listKey: string | undefined): SubjectList | undefined {
  const remembered = readSubjectList(listKey);
  const whole = useQuery({
    queryKey: ['subject-list', listKey],
    queryFn: () => wholeSubjectList(listKey ?? '', remembered as SubjectList, readSourcePage),
    enabled: listKey !== undefined && isPartial(remembered),
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  return whole.data ?? remembered;
}

/** Previous / next subject of the list the reader came from ("3 of 12 · Subjects with NAUSEA"). */
export function SubjectNavigation({
  studyId,
  subjectId,
  listKey,
}: {
  studyId: string;
  subjectId: string;
  listKey: string | undefined;
}) {
  const list = useSubjectList(listKey);
  const place = neighbours(list, subjectId);
  if (!list || place.index < 0) return null;
  const step = (target: string | undefined, label: string, icon: 'previous' | 'next') =>
    target ? (
      <Link
        to="/studies/$studyId/subjects/$subjectId"
        params={{ studyId, subjectId: target }}
        search={{ list: listKey }}
        className={buttonVariants({ variant: 'secondary', size: 'sm' })}
        aria-label={`${label} subject: ${target}`}
        rel={icon === 'previous' ? 'prev' : 'next'}
      >
        {icon === 'previous' ? <ChevronLeft aria-hidden /> : null}
        <span className="hidden sm:inline">{label}</span>
        {icon === 'next' ? <ChevronRight aria-hidden /> : null}
      </Link>
    ) : (
      <span
        className={cn(buttonVariants({ variant: 'secondary', size: 'sm' }), 'pointer-events-none opacity-40')}
        aria-hidden
      >
        {icon === 'previous' ? <ChevronLeft /> : null}
        <span className="hidden sm:inline">{label}</span>
        {icon === 'next' ? <ChevronRight /> : null}
      </span>
    );
  return (
    <nav aria-label="Subjects of this list" className="flex w-full min-w-0 items-center gap-2">
      {step(place.previous, 'Previous', 'previous')}
      <span
        className="min-w-0 flex-1 truncate text-[13px] text-muted-foreground sm:flex-initial"
        data-testid="subject-list-position"
        title={list.label}
      >
        <span className="font-medium text-foreground tabular-nums">
          {place.index + 1} of {place.total}
        </span>{' '}
        · {list.label}
        {isCapped(list) ? ` · previous/next walk the first ${MAX_SUBJECTS.toLocaleString()}` : ''}
      </span>
      {step(place.next, 'Next', 'next')}
    </nav>
  );
}
