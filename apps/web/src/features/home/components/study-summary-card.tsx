import type { HomeStudy } from '@cdp/contracts';
import { Link } from '@tanstack/react-router';
import { AlertTriangle, CheckCircle2 } from 'lucide-react';
import { Badge } from '../../../components/ui/badge.tsx';
import { formatDateTime, formatRelative, plural } from '../../../lib/format.ts';
import { StudyStatusBadge } from '../../studies/components/study-status-badge.tsx';

const by = (name: string | null) => (name ? ` by ${name}` : '');

function Row({ term, children }: { term: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-[6.5rem_minmax(0,1fr)] gap-2 py-1.5">
      <dt className="text-xs text-muted-foreground">{term}</dt>
      <dd className="min-w-0 text-[13px]">{children}</dd>
    </div>
  );
}

function DataRows({ study, data }: { study: HomeStudy['study']; data: NonNullable<HomeStudy['data']> }) {
  const { activeVersion: version, subjects, lastUpload, openProblems } = data;
  return (
    <>
      <Row term="Active data">
        {version ? (
          <>
            <span className="font-medium">{version.label}</span>{' '}
            <span className="text-muted-foreground">
              · {version.source.kind === 'demo' ? 'generated demo data' : version.source.fileName}
            </span>
            <p className="text-xs text-muted-foreground" title={formatDateTime(version.loadedAt)}>
              Loaded {formatRelative(version.loadedAt)}
              {by(version.loadedBy)}
              {version.activatedAt && version.activatedAt !== version.loadedAt
                ? `; active since ${formatRelative(version.activatedAt)}${by(version.activatedBy)}`
                : ''}
            </p>
          </>
        ) : (
          <span className="text-muted-foreground">No data loaded yet</span>
        )}
      </Row>
      <Row term="Subjects">
        {subjects ? (
          <>
            <span className="font-medium tabular-nums">{subjects.count.toLocaleString('en-US')}</span>{' '}
            <span className="text-muted-foreground">in {subjects.dataset}</span>
          </>
        ) : (
          <span className="text-muted-foreground">{version ? 'No DM or ADSL with USUBJID' : '—'}</span>
        )}
      </Row>
      {openProblems ? (
        <>
          <Row term="Last upload">
            {lastUpload ? (
              <span title={formatDateTime(lastUpload.at)}>
                <span className="break-all">{lastUpload.fileName}</span>{' '}
                <span className="text-muted-foreground">
                  {lastUpload.outcome === 'failed' ? 'failed' : 'loaded'} {formatRelative(lastUpload.at)}
                  {by(lastUpload.by)}
                </span>
              </span>
            ) : (
              <span className="text-muted-foreground">None yet</span>
            )}
          </Row>
          <Row term="Problems">
            {openProblems.count === 0 ? (
              <span className="inline-flex items-center gap-1 text-muted-foreground">
                <CheckCircle2 className="size-3.5 text-emerald-600" aria-hidden /> None open
              </span>
            ) : (
              <div className="space-y-1">
                <Link to="/studies/$studyId/data" params={{ studyId: study.id }} className="hover:underline">
                  <Badge tone="danger">
                    <AlertTriangle aria-hidden />
                    {plural(openProblems.count, 'failed upload')}
                  </Badge>
                </Link>
                {openProblems.failedUploads.slice(0, 2).map((f) => (
                  <p
                    key={`${f.at}-${f.fileName}`}
                    className="line-clamp-2 text-xs text-muted-foreground"
                    title={f.message}
                  >
                    <span className="font-medium text-foreground">{f.fileName}</span>: {f.message}
                  </p>
                ))}
              </div>
            )}
          </Row>
        </>
      ) : null}
    </>
  );
}

/** One study on the home page: its data at a glance, what needs attention, and what happened last. */
export function StudySummaryCard({ summary }: { summary: HomeStudy }) {
  const { study, data, activity } = summary;
  return (
    <article
      className="flex min-w-0 flex-col rounded-lg border border-border bg-surface p-4 shadow-card"
      aria-labelledby={`home-study-${study.id}`}
    >
      <div className="flex items-center justify-between gap-2">
        <Link
          id={`home-study-${study.id}`}
          to="/studies/$studyId"
          params={{ studyId: study.id }}
          className="font-mono text-xs font-semibold text-primary hover:underline"
        >
          {study.code}
        </Link>
        <StudyStatusBadge status={study.status} />
      </div>
      <p className="mt-1.5 line-clamp-2 text-[13px] leading-snug font-medium">{study.name}</p>
      <dl className="mt-3 divide-y divide-border border-t border-border">
        {data ? (
          <DataRows study={study} data={data} />
        ) : (
          <Row term="Data">
            <span className="text-muted-foreground">Your role does not include this study’s data.</span>
          </Row>
        )}
      </dl>
      {activity.length > 0 ? (
        <div className="mt-3 border-t border-border pt-3">
          <h3 className="mb-1.5 text-xs font-medium text-muted-foreground">Recent activity</h3>
          <ul className="space-y-1">
            {activity.slice(0, 3).map((event) => (
              <li key={`${event.at}-${event.kind}-${event.text}`} className="flex gap-2 text-xs">
                <span className="min-w-0 flex-1 truncate" title={`${event.text}${by(event.by)}`}>
                  {event.text}
                </span>
                <time className="shrink-0 text-muted-foreground" dateTime={event.at} title={formatDateTime(event.at)}>
                  {formatRelative(event.at)}
                </time>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </article>
  );
}
