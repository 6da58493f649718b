import { useNavigate } from '@tanstack/react-router';
import type { MouseEvent, ReactNode } from 'react';
import { cn } from '../../../lib/cn.ts';
import { rememberSubjectList, type SubjectList, subjectProfilePath } from '../subject-links.ts';

/** Where a list of subjects (a table, a chart) links its subjects: the study, and the list for previous/next. */
export interface SubjectLinkTarget {
  studyId: string;
  /** The list the link is in, remembered when a link is followed (not for every row drawn). */
  list?: () => SubjectList;
  /**
   * When the links shown are one page of a longer list (a subject listing's page): where the whole
   * list is read from, where the page starts and how long the list is, for previous/next past the page.
   */
  whole?: Required<Pick<SubjectList, 'source' | 'offset' | 'total'>>;
}

/**
 * A subject id that opens the subject's profile. A plain click remembers the list it was shown in
 * (`list()`, read only then), so the profile offers previous/next; a new tab opens the profile alone.
 */
export function SubjectLink({
  studyId,
  subjectId,
  list,
  className,
  children,
}: {
  studyId: string;
  subjectId: string;
  list?: () => SubjectList;
  className?: string;
  children?: ReactNode;
}) {
  const navigate = useNavigate();
  const open = (event: MouseEvent<HTMLAnchorElement>) => {
    // Inside a selectable row or chart point: following the link does not also select it.
    event.stopPropagation();
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    const key = list ? rememberSubjectList(studyId, list()) : undefined;
    void navigate({
      to: '/studies/$studyId/subjects/$subjectId',
      params: { studyId, subjectId },
      search: key ? { list: key } : {},
    });
  };
  return (
    <a
      href={subjectProfilePath(studyId, subjectId)}
      onClick={open}
      className={cn('text-primary underline-offset-2 hover:underline', className)}
      title={`Open the profile of ${subjectId}`}
      data-subject-link={subjectId}
    >
      {children ?? subjectId}
    </a>
  );
}
