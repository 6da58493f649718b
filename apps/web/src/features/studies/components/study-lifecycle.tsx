import type { StudyStatus } from '@cdp/contracts';
import { Check } from 'lucide-react';
import { cn } from '../../../lib/cn.ts';

const STEPS: { status: StudyStatus; label: string; text: string }[] = [
  { status: 'draft', label: 'Draft', text: 'Being set up' },
  { status: 'active', label: 'Active', text: 'Running: data and dashboards change' },
  { status: 'locked', label: 'Locked', text: 'Frozen, e.g. at database lock; can be unlocked' },
  { status: 'archived', label: 'Archived', text: 'Read-only for good' },
];

/** Where the study is in draft → active ⇄ locked → archived. */
export function StudyLifecycle({ status }: { status: StudyStatus }) {
  const currentIndex = STEPS.findIndex((s) => s.status === status);
  return (
    <ol className="space-y-0">
      {STEPS.map((step, index) => {
        const current = index === currentIndex;
        const past = index < currentIndex && !(status === 'archived' && step.status === 'locked');
        return (
          <li key={step.status} className="relative flex gap-3 pb-4 last:pb-0">
            {index < STEPS.length - 1 ? (
              <span className="absolute top-5 left-[9px] h-[calc(100%-12px)] w-px bg-border" aria-hidden />
            ) : null}
            <span
              className={cn(
                'relative z-10 mt-0.5 flex size-[19px] shrink-0 items-center justify-center rounded-full border text-[10px]',
                current && 'border-primary bg-primary text-primary-foreground',
                past && 'border-teal-300 bg-primary-soft text-primary',
                !current && !past && 'border-border-strong bg-surface',
              )}
              aria-hidden
            >
              {past ? <Check className="size-3" strokeWidth={3} /> : current ? '●' : null}
            </span>
            <div>
              <p className={cn('text-[13px] font-medium', !current && 'text-muted-foreground')}>
                {step.label}
                {current ? <span className="sr-only"> (current status)</span> : null}
              </p>
              <p className="text-xs text-muted-foreground">{step.text}</p>
            </div>
          </li>
        );
      })}
    </ol>
  );
}
