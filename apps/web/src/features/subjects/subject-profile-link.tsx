import { useRouter } from '@tanstack/react-router';
import type { MouseEvent, ReactNode } from 'react';
import { rememberSubjectList, type SubjectList, subjectProfilePath } from './subject-links.ts';

/** Where a list of subjects (a table, a chart) links its subjects: the study, and the list for previous/next. */
export interface SubjectLinkTarget {
  studyId: string;
  /** The list the link is in, remembered when a link is followed (not for every row drawn). */
  list?: () => SubjectList;
}

/** The profile path of `subjectId`, remembering the list it was picked from. */
export function profileHref(target: SubjectLinkTarget, subjectId: string): string {
  const list = target.list?.();
  const key = list && list.subjects.length > 0 ? rememberSubjectList(target.studyId, list) : undefined;
  return subjectProfilePath(target.studyId, subjectId, key);
}

/**
 * A subject id as a link to its profile. A plain click navigates in the app (and does not also
 * select the row); a modified click (new tab) follows the href, which carries no list.
 */
export function SubjectProfileLink({
  target,
  subjectId,
  children,
  className,
}: {
  target: SubjectLinkTarget;
  subjectId: string;
  children?: ReactNode;
  className?: string;
}) {
  const router = useRouter();
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    event.stopPropagation();
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    router.history.push(profileHref(target, subjectId));
  };
  return (
    <a
      href={subjectProfilePath(target.studyId, subjectId)}
      onClick={onClick}
      className={className ?? 'text-primary underline-offset-2 hover:underline'}
      data-subject-link={subjectId}
    >
      {children ?? subjectId}
    </a>
  );
}
