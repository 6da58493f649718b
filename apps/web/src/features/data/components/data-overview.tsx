import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Alert } from '../../../components/ui/alert.tsx';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { PageHeader } from '../../../components/ui/page-header.tsx';
import { TableSkeleton } from '../../../components/ui/skeleton.tsx';
import { useFeature } from '../../auth/hooks/use-me.ts';
import { SourcesCard } from '../../data-sources/components/sources-card.tsx';
import { PhiClassificationCard } from '../../phi/components/phi-classification-card.tsx';
import type { StudyWithPermissions } from '../../studies/api/studies-api.ts';
import { StudyStatusBadge } from '../../studies/components/study-status-badge.tsx';
import { StudyTabs } from '../../studies/components/study-tabs.tsx';
import { versionsQuery } from '../api/data-api.ts';
import { DataBreadcrumb } from './data-breadcrumb.tsx';
import { DatasetsCard } from './datasets-card.tsx';
import { UploadCard } from './upload-card.tsx';
import { VersionsCard } from './versions-card.tsx';

/** The study's Data tab: upload, the versions, and the datasets of the version picked. */
export function DataOverview({ result, versionId }: { result: StudyWithPermissions; versionId?: string }) {
  const { data: study, permissions } = result;
  const navigate = useNavigate();
  const query = useQuery(versionsQuery(study.id));
  // Data of a locked or archived study must not change; the server refuses it too.
  const frozen = study.status === 'locked' || study.status === 'archived';
  // Uploads switched off for the organization: the card is not offered (the API refuses too).
  const canUpload = useFeature('data_uploads') && permissions.includes('data:upload:assigned');
  const filesOn = useFeature('sftp_connector');
  const raveOn = useFeature('rave_connector');
  const sourcesOn = filesOn || raveOn;
  const versions = query.data?.data ?? [];
  const selected =
    versions.find((v) => v.id === versionId) ??
    versions.find((v) => v.id === query.data?.meta.activeVersionId) ??
    versions[0];

  return (
    <>
      <PageHeader
        eyebrow={<DataBreadcrumb study={study} />}
        title={
          <span className="flex flex-wrap items-center gap-3">
            <span className="font-mono">{study.code}</span>
            <StudyStatusBadge status={study.status} />
          </span>
        }
        description={study.name}
      />
      <StudyTabs studyId={study.id} permissions={permissions} />
      <div className="space-y-6">
        {frozen && canUpload ? (
          <Alert tone="warning" title={study.status === 'locked' ? 'This study is locked' : 'This study is archived'}>
            {study.status === 'locked'
              ? 'Its data cannot change: unlock the study to upload files or activate another version.'
              : 'Its data is read-only for good.'}
          </Alert>
        ) : null}
        {canUpload && !frozen ? <UploadCard studyId={study.id} /> : null}
        {sourcesOn ? (
          <SourcesCard studyId={study.id} canManage={permissions.includes('data:upload:assigned') && !frozen} />
        ) : null}
        {query.isPending ? (
          <Card>
            <CardHeader title="Versions" />
            <TableSkeleton rows={3} columns={6} />
          </Card>
        ) : query.isError ? (
          <Card>
            <CardHeader title="Versions" />
            <ErrorState
              error={query.error}
              what="the data versions"
              onRetry={() => query.refetch()}
              retrying={query.isFetching}
            />
          </Card>
        ) : (
          <>
            <VersionsCard
              studyId={study.id}
              versions={versions}
              selectedId={selected?.id}
              onSelect={(id) =>
                navigate({
                  to: '/studies/$studyId/data',
                  params: { studyId: study.id },
                  search: { version: id },
                  replace: true,
                  resetScroll: false,
                })
              }
              canActivate={canUpload && !frozen}
              canUpload={canUpload && !frozen}
            />
            {selected ? <DatasetsCard studyId={study.id} version={selected} /> : null}
            {versions.length > 0 ? (
              <PhiClassificationCard studyId={study.id} canDecide={permissions.includes('study:manage:assigned')} />
            ) : null}
          </>
        )}
      </div>
    </>
  );
}
