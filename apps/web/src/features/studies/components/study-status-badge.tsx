import type { StudyStatus } from '@cdp/contracts';
import { Archive, CircleDashed, Lock, PlayCircle } from 'lucide-react';
import { Badge, type BadgeTone } from '../../../components/ui/badge.tsx';

const LOOK: Record<StudyStatus, { label: string; tone: BadgeTone; Icon: typeof Lock }> = {
  draft: { label: 'Draft', tone: 'neutral', Icon: CircleDashed },
  active: { label: 'Active', tone: 'success', Icon: PlayCircle },
  locked: { label: 'Locked', tone: 'warning', Icon: Lock },
  archived: { label: 'Archived', tone: 'muted', Icon: Archive },
};

export function studyStatusLabel(status: StudyStatus): string {
  return LOOK[status].label;
}

export function StudyStatusBadge({ status }: { status: StudyStatus }) {
  const { label, tone, Icon } = LOOK[status];
  return (
    <Badge tone={tone}>
      <Icon aria-hidden />
      {label}
    </Badge>
  );
}
