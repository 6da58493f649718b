import type { Study, SubjectEvent, SubjectProfile } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { PageHeader } from '../../../components/ui/page-header.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { plural } from '../../../lib/format.ts';
import { StudyBreadcrumb } from '../../studies/components/study-breadcrumb.tsx';
import { subjectProfileQuery } from '../api/subject-profile-api.ts';
import { AdverseEventsTable } from './adverse-events-table.tsx';
import { DemographicsCard } from './demographics-card.tsx';
import { DispositionTable } from './disposition-table.tsx';
import { ExposureTable } from './exposure-table.tsx';
import { MeasurementsCard } from './measurements-card.tsx';
import { MedicalHistoryTable } from './medical-history-table.tsx';
import { MedicationsTable } from './medications-table.tsx';
import { SubjectDatasetsTabs } from './subject-datasets-tabs.tsx';
import { SubjectHeader } from './subject-header.tsx';
import { SubjectNavigation } from './subject-navigation.tsx';
import { useProfileReview } from './subject-review.tsx';
import { SubjectTimeline } from './subject-timeline.tsx';

/** One subject's whole story on one page, from the study's active data version. */
export function SubjectProfilePage({
  study,
  subjectId,
  listKey,
}: {
  study: Study;
  subjectId: string;
  listKey: string | undefined;
}) {
  const query = useQuery(subjectProfileQuery(study.id, subjectId));
  return (
    <div className="space-y-5" data-subject-profile={subjectId}>
      <PageHeader
        className="mb-0"
        eyebrow={<StudyBreadcrumb study={study} trail={['Patient profile']} />}
        title={
          <>
            Subject <span className="font-mono">{subjectId}</span>
          </>
        }
        description={query.data ? sourceLine(query.data.data) : undefined}
      />
      <SubjectNavigation studyId={study.id} subjectId={subjectId} listKey={listKey} />
      {query.isPending ? (
        <ProfileSkeleton />
      ) : query.isError ? (
        <Card>
          <ErrorState
            error={query.error}
            what={`subject ${subjectId}`}
            onRetry={() => query.refetch()}
            retrying={query.isFetching}
          />
        </Card>
      ) : (
        <ProfileBody study={study} profile={query.data.data} permissions={query.data.permissions} />
      )}
    </div>
  );
}

function sourceLine(profile: SubjectProfile): string {
  const datasets = profile.datasets.map((d) => d.name);
  return `${plural(datasets.length, 'dataset')} of the active data version hold this subject's rows.`;
}

function ofKind(events: SubjectEvent[], kind: SubjectEvent['kind']) {
  return events.filter((e) => e.kind === kind);
}

function Section({
  id,
  title,
  description,
  children,
}: {
  id: string;
  title: string;
  description: ReactNode;
  children: ReactNode;
}) {
  return (
    <Card aria-labelledby={`${id}-title`} data-section={id}>
      <CardHeader id={`${id}-title`} title={title} description={description} />
      {children}
    </Card>
  );
}

function countLine(count: number, noun: string, sources: string[] | undefined, extra?: string): string {
  const from = sources && sources.length > 0 ? ` · from ${sources.join(', ')}` : '';
  return `${plural(count, noun)}${extra ? ` · ${extra}` : ''}${from}`;
}

function ProfileBody({
  study,
  profile,
  permissions,
}: {
  study: Study;
  profile: SubjectProfile;
  permissions: readonly string[];
}) {
  const { events, sources } = profile;
  const review = useProfileReview(study.id, profile.subjectId, permissions, study.status === 'archived');
  // The dataset tabs read the dataset rows API, which needs data:view (a reviewer may lack it).
  const viewsRows = permissions.includes('data:view:assigned');
  const aes = ofKind(events, 'adverse_event');
  const serious = aes.filter((e) => e.serious).length;
  return (
    <>
      <SubjectHeader profile={profile} review={review} />
      {profile.truncated.length > 0 ? (
        <p role="note" className="rounded-md border border-amber-200 bg-warning-soft px-4 py-2 text-[13px]">
          {profile.truncated.join(', ')}: this subject has more rows than a profile reads
          {viewsRows ? '; the dataset tabs below hold them all.' : '.'}
        </p>
      ) : null}
      <Section
        id="timeline"
        title="Timeline"
        description="Visits, exposure, adverse events, medications, history and disposition on one time axis"
      >
        <SubjectTimeline events={events} subjectId={profile.subjectId} />
      </Section>
      <Section
        id="adverse-events"
        title="Adverse events"
        description={countLine(aes.length, 'event', sources.adverse_event, `${serious} serious`)}
      >
        <AdverseEventsTable events={aes} review={review} />
      </Section>
      <MeasurementsCard
        title="Laboratory results"
        noun="lab results"
        measurements={profile.labs}
        sources={sources.labs ?? []}
        review={review}
      />
      <MeasurementsCard
        title="Vital signs"
        noun="vital signs"
        measurements={profile.vitals}
        sources={sources.vitals ?? []}
        review={review}
      />
      <Section
        id="medications"
        title="Concomitant medications"
        description={countLine(ofKind(events, 'medication').length, 'medication', sources.medication)}
      >
        <MedicationsTable events={ofKind(events, 'medication')} review={review} />
      </Section>
      <Section
        id="medical-history"
        title="Medical history"
        description={countLine(ofKind(events, 'medical_history').length, 'condition', sources.medical_history)}
      >
        <MedicalHistoryTable events={ofKind(events, 'medical_history')} review={review} />
      </Section>
      <div className="grid grid-cols-1 gap-5 xl:grid-cols-2 [&>*]:min-w-0">
        <Section
          id="exposure"
          title="Exposure"
          description={countLine(ofKind(events, 'exposure').length, 'record', sources.exposure)}
        >
          <ExposureTable events={ofKind(events, 'exposure')} review={review} />
        </Section>
        <Section
          id="disposition"
          title="Disposition"
          description={countLine(ofKind(events, 'disposition').length, 'event', sources.disposition)}
        >
          <DispositionTable events={ofKind(events, 'disposition')} review={review} />
        </Section>
      </div>
      {profile.demographics ? <DemographicsCard demographics={profile.demographics} /> : null}
      {viewsRows ? (
        <Section
          id="datasets"
          title="All datasets"
          description="Every row of every dataset that names this subject, as the dataset viewer reads them"
        >
          <SubjectDatasetsTabs
            studyId={study.id}
            versionId={profile.versionId}
            subjectId={profile.subjectId}
            datasets={profile.datasets}
            review={review}
          />
        </Section>
      ) : null}
    </>
  );
}

function ProfileSkeleton() {
  return (
    <div role="status" aria-label="Loading the patient profile" className="space-y-5">
      <Skeleton className="h-28 rounded-lg" />
      <Skeleton className="h-64 rounded-lg" />
      <Skeleton className="h-48 rounded-lg" />
    </div>
  );
}
