import type { DashboardDiff } from '@cdp/contracts';
import { ArrowRight, Minus, MoveRight, PencilLine, Plus } from 'lucide-react';
import type { ReactNode } from 'react';
import { cn } from '../../../../lib/cn.ts';

type Tone = 'added' | 'removed' | 'changed';

const toneClasses: Record<Tone, string> = {
  added: 'bg-success-soft text-success-soft-foreground border-emerald-200',
  removed: 'bg-destructive-soft text-destructive-soft-foreground border-red-200',
  changed: 'bg-info-soft text-info-soft-foreground border-blue-200',
};

const toneIcons = { added: Plus, removed: Minus, changed: PencilLine } as const;

interface Entry {
  key: string;
  tone: Tone;
  text: ReactNode;
  detail?: ReactNode;
}

/** What changed between two saved versions, as added, removed and changed items. */
export function DashboardDiffView({ diff, pageTitle }: { diff: DashboardDiff; pageTitle: (pageId: string) => string }) {
  const entries: Entry[] = [];
  if (diff.nameChanged) {
    entries.push({
      key: 'name',
      tone: 'changed',
      text: (
        <>
          Renamed “{diff.nameChanged.from}” <ArrowRight className="inline size-3" aria-label="to" /> “
          {diff.nameChanged.to}”
        </>
      ),
    });
  }
  // Added and removed pages come as their titles.
  for (const title of diff.pages.added) entries.push({ key: `pa-${title}`, tone: 'added', text: `Page “${title}”` });
  for (const title of diff.pages.removed)
    entries.push({ key: `pr-${title}`, tone: 'removed', text: `Page “${title}”` });
  for (const page of diff.pages.renamed) {
    entries.push({ key: `pn-${page.id}`, tone: 'changed', text: `Page “${page.from}” renamed “${page.to}”` });
  }
  for (const w of diff.widgets.added) {
    entries.push({ key: `wa-${w.id}`, tone: 'added', text: w.title, detail: `on ${pageTitle(w.pageId)}` });
  }
  for (const w of diff.widgets.removed) {
    entries.push({ key: `wr-${w.id}`, tone: 'removed', text: w.title, detail: `from ${pageTitle(w.pageId)}` });
  }
  for (const w of diff.widgets.changed) {
    entries.push({
      key: `wc-${w.id}`,
      tone: 'changed',
      text: w.title,
      detail: w.paths.slice(0, 6).join(', ') + (w.paths.length > 6 ? ` and ${w.paths.length - 6} more` : ''),
    });
  }
  for (const w of diff.widgets.moved) {
    entries.push({
      key: `wm-${w.id}`,
      tone: 'changed',
      text: (
        <>
          {w.title} <MoveRight className="inline size-3" aria-hidden />
        </>
      ),
      detail: `moved or resized on ${pageTitle(w.pageId)}`,
    });
  }
  for (const f of diff.filters.added) entries.push({ key: `fa-${f}`, tone: 'added', text: `Filter ${f}` });
  for (const f of diff.filters.removed) entries.push({ key: `fr-${f}`, tone: 'removed', text: `Filter ${f}` });

  if (entries.length === 0) {
    return <p className="text-[13px] text-muted-foreground">These versions are the same.</p>;
  }
  const groups: [Tone, string][] = [
    ['added', 'Added'],
    ['removed', 'Removed'],
    ['changed', 'Changed'],
  ];
  return (
    <div className="space-y-4">
      {groups.map(([tone, label]) => {
        const items = entries.filter((e) => e.tone === tone);
        if (items.length === 0) return null;
        const Icon = toneIcons[tone];
        return (
          <section key={tone} aria-label={label} className="space-y-1.5">
            <h4 className="flex items-center gap-1.5 text-xs font-semibold text-muted-foreground">
              <span className={cn('flex size-4 items-center justify-center rounded border', toneClasses[tone])}>
                <Icon className="size-3" aria-hidden />
              </span>
              {label} ({items.length})
            </h4>
            <ul className="space-y-1">
              {items.map((entry) => (
                <li key={entry.key} className="rounded-md border border-border bg-surface px-3 py-2 text-[13px]">
                  <span className="font-medium">{entry.text}</span>
                  {entry.detail ? (
                    <span className="mt-0.5 block truncate font-mono text-xs text-muted-foreground">
                      {entry.detail}
                    </span>
                  ) : null}
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}
