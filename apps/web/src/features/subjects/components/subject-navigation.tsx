import { Link } from '@tanstack/react-router';
import { ChevronLeft, ChevronRight } from 'lucide-react';
import { buttonVariants } from '../../../components/ui/button.tsx';
import { cn } from '../../../lib/cn.ts';
import { neighbours, readSubjectList } from '../subject-links.ts';

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
  const list = readSubjectList(listKey);
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
    <nav aria-label="Subjects of this list" className="flex min-w-0 items-center gap-2">
      {step(place.previous, 'Previous', 'previous')}
      <span className="min-w-0 truncate text-[13px] text-muted-foreground" data-testid="subject-list-position">
        <span className="font-medium text-foreground tabular-nums">
          {place.index + 1} of {place.total}
        </span>{' '}
        · {list.label}
      </span>
      {step(place.next, 'Next', 'next')}
    </nav>
  );
}
