import type { DataVersionStamp } from '@cdp/contracts';
import { Database } from 'lucide-react';
import { cn } from '../../../lib/cn.ts';
import { formatDateTime, formatRelative } from '../../../lib/format.ts';

const HOW: Record<DataVersionStamp['activation'], string> = {
  first: 'active since',
  activated: 'activated',
  rolled_back: 'rolled back to',
};

/** "Loaded … by …; activated … by …" as words, for the line and its tooltip. */
export function describeDataVersion(stamp: DataVersionStamp, exact = false): string {
  const when = (iso: string) => (exact ? formatDateTime(iso) : formatRelative(iso));
  const source = stamp.source.kind === 'demo' ? 'generated demo data' : stamp.source.fileName;
  const loaded = `loaded ${when(stamp.loadedAt)}${stamp.loadedBy ? ` by ${stamp.loadedBy}` : ''}`;
  const activated = `${HOW[stamp.activation]} ${when(stamp.activatedAt)}${stamp.activatedBy ? ` by ${stamp.activatedBy}` : ''}`;
  return `${source} · ${loaded} · ${activated}`;
}

/**
 * Which data the numbers come from: the study's active version, its source, when it was loaded and
 * when (and by whom) it was made active. Shown in a dashboard's header and in the drill-down sheet.
 */
export function DataVersionLine({ stamp, className }: { stamp: DataVersionStamp; className?: string }) {
  return (
    // A span, not a paragraph: the page header puts it inside its description paragraph.
    <span
      data-version-stamp={stamp.id}
      className={cn('flex min-w-0 items-start gap-1.5 text-xs text-muted-foreground', className)}
      title={`Data version ${stamp.label}: ${describeDataVersion(stamp, true)}`}
    >
      <Database className="mt-0.5 size-3.5 shrink-0" aria-hidden />
      <span className="min-w-0">
        <span className="font-medium text-foreground">
          Data <span className="font-mono">{stamp.label}</span>
        </span>{' '}
        · {describeDataVersion(stamp)}
      </span>
    </span>
  );
}
