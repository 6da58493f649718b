import type { DataVersion } from '@cdp/contracts';
import { CheckCircle2 } from 'lucide-react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Tooltip } from '../../../components/ui/tooltip.tsx';
import { formatDateTime, formatRelative } from '../../../lib/format.ts';

export function ActiveBadge() {
  return (
    <Badge tone="success">
      <CheckCircle2 aria-hidden />
      Active
    </Badge>
  );
}

/** "3 hours ago", with the exact time on hover and focus. */
export function RelativeTime({ iso }: { iso: string }) {
  return (
    <Tooltip content={formatDateTime(iso, true)}>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: focusable so keyboard users can read the exact time */}
      <time dateTime={iso} tabIndex={0} className="rounded-sm whitespace-nowrap">
        {formatRelative(iso)}
      </time>
    </Tooltip>
  );
}

/**
 * Who made the version: a person, CDP itself for the demo data it ships, or a data source's pull
 * (the only other way a version is made without a person; its file name starts with the source's name).
 */
export function versionAuthor(version: DataVersion): string {
  if (version.source.kind === 'demo') return 'CDP (demo data)';
  return version.createdBy?.name ?? 'CDP (data source pull)';
}

/** Whether activating `version` goes back in time from the active one (a roll back). */
export function isRollBack(version: DataVersion, active: DataVersion | undefined): boolean {
  return Boolean(active && Date.parse(version.createdAt) < Date.parse(active.createdAt));
}
