import type { SubjectProfile } from '@cdp/contracts';
import { Badge } from '../../../components/ui/badge.tsx';
import { Card } from '../../../components/ui/card.tsx';
import { statusTone } from '../lib/severity.ts';
import { type ProfileReview, ReviewStatusCell } from './subject-review.tsx';

function Fact({ label, value }: { label: string; value: string | null }) {
  return (
    <div className="min-w-0 space-y-0.5">
      <dt className="text-xs font-medium text-muted-foreground">{label}</dt>
      <dd className="truncate text-[13px] font-medium text-foreground" title={value ?? undefined}>
        {value ?? <span className="font-normal text-subtle-foreground">—</span>}
      </dd>
    </div>
  );
}

/** Who the subject is at a glance: arm, site, demographics, exposure window and disposition. */
export function SubjectHeader({ profile, review }: { profile: SubjectProfile; review?: ProfileReview | null }) {
  const { summary } = profile;
  const aes = profile.events.filter((e) => e.kind === 'adverse_event');
  const serious = aes.filter((e) => e.serious).length;
  const demographics = [
    summary.sex,
    summary.age !== null ? `${summary.age} ${(summary.ageUnit ?? 'years').toLowerCase()}` : null,
    summary.race,
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <Card className="px-5 py-4" aria-label="Subject summary">
      <div className="flex flex-wrap items-center gap-2">
        {summary.arm ? <Badge tone="accent">{summary.arm}</Badge> : null}
        {summary.actualArm && summary.actualArm !== summary.arm ? (
          <Badge tone="info">Actual: {summary.actualArm}</Badge>
        ) : null}
        <Badge tone={statusTone(summary.status, summary.died)}>{summary.status ?? 'Disposition not recorded'}</Badge>
        {summary.died ? <Badge tone="danger">Died</Badge> : null}
        <Badge tone={serious > 0 ? 'danger' : aes.length > 0 ? 'warning' : 'muted'}>
          {aes.length} adverse event{aes.length === 1 ? '' : 's'}
          {serious > 0 ? ` · ${serious} serious` : ''}
        </Badge>
      </div>
      <dl className="mt-4 grid grid-cols-2 gap-x-6 gap-y-3 sm:grid-cols-3 lg:grid-cols-6">
        <Fact label="Site" value={summary.site} />
        <Fact label="Country" value={summary.country} />
        <Fact label="Demographics" value={demographics || null} />
        <Fact label="Ethnicity" value={summary.ethnicity} />
        <Fact label="First dose" value={summary.firstDose} />
        <Fact label="Last dose" value={summary.lastDose} />
      </dl>
      {review?.subject ? (
        <section aria-label="Subject review" className="mt-4 flex flex-wrap items-start gap-3 border-t pt-3">
          <span className="pt-0.5 text-xs font-medium text-muted-foreground">
            Subject review <span className="font-normal">({review.subject.dataset})</span>
          </span>
          <ReviewStatusCell review={review} record={review.subject} label={`subject ${profile.subjectId}`} />
        </section>
      ) : null}
    </Card>
  );
}
