import { STUDY_PHASES, type Study } from '@cdp/contracts';
import { Link } from '@tanstack/react-router';
import { ArrowUpRight } from 'lucide-react';
import { StudyStatusBadge } from './study-status-badge.tsx';

export function StudyCard({ study }: { study: Study }) {
  return (
    <Link
      to="/studies/$studyId"
      params={{ studyId: study.id }}
      className="group flex flex-col rounded-lg border border-border bg-surface p-4 shadow-card transition-[border-color,box-shadow] hover:border-border-strong hover:shadow-overlay focus-visible:outline-2 focus-visible:outline-ring"
    >
      <div className="flex items-center justify-between gap-2">
        <span className="font-mono text-xs font-semibold text-primary">{study.code}</span>
        <StudyStatusBadge status={study.status} />
      </div>
      <p className="mt-2.5 line-clamp-2 text-[13px] leading-snug font-medium text-foreground">{study.name}</p>
      <div className="mt-auto flex items-center justify-between gap-2 pt-4 text-xs text-muted-foreground">
        <span className="truncate">
          {STUDY_PHASES[study.phase]}
          {study.therapeuticArea ? ` · ${study.therapeuticArea}` : ''}
        </span>
        <ArrowUpRight
          className="size-3.5 shrink-0 opacity-0 transition-opacity group-hover:opacity-100 group-focus-visible:opacity-100"
          aria-hidden
        />
      </div>
    </Link>
  );
}
