import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { FlaskConical, type LucideIcon } from 'lucide-react';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { TableSkeleton } from '../../../components/ui/skeleton.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { studiesQuery } from '../api/studies-api.ts';
import { StudyStatusBadge } from './study-status-badge.tsx';

interface UpcomingFeatureProps {
  icon: LucideIcon;
  headline: string;
  explanation: string;
  capabilities: string[];
  /** What each study will show here, e.g. "data loads". */
  perStudy: string;
}

/**
 * An honest page for a feature that is not built yet: what it will do, and the studies it will
 * apply to. No sample data and no placeholder widgets.
 */
export function UpcomingFeature({ icon: Icon, headline, explanation, capabilities, perStudy }: UpcomingFeatureProps) {
  const query = useQuery(studiesQuery());
  return (
    <div className="space-y-6">
      <Card>
        <div className="flex flex-col gap-5 p-6 sm:flex-row">
          <div className="flex size-11 shrink-0 items-center justify-center rounded-lg border border-teal-200 bg-primary-soft text-primary">
            <Icon className="size-5" aria-hidden />
          </div>
          <div className="space-y-3">
            <div>
              <p className="text-sm font-semibold">{headline}</p>
              <p className="mt-1 max-w-2xl text-[13px] leading-relaxed text-muted-foreground">{explanation}</p>
            </div>
            <ul className="grid gap-x-8 gap-y-1.5 text-[13px] sm:grid-cols-2">
              {capabilities.map((capability) => (
                <li key={capability} className="flex items-start gap-2">
                  <span className="mt-[7px] size-1.5 shrink-0 rounded-full bg-teal-500" aria-hidden />
                  {capability}
                </li>
              ))}
            </ul>
          </div>
        </div>
      </Card>
      <Card>
        <CardHeader title="Your studies" description={`Each study will list its ${perStudy} here.`} />
        {query.isPending ? (
          <TableSkeleton rows={3} columns={3} />
        ) : query.isError ? (
          <ErrorState error={query.error} what="your studies" onRetry={() => query.refetch()} />
        ) : query.data.data.length === 0 ? (
          <EmptyState
            icon={FlaskConical}
            title="No studies yet"
            description="Studies you are given access to appear here."
          />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Code</TableHead>
                <TableHead>Name</TableHead>
                <TableHead>Status</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {query.data.data.map((study) => (
                <TableRow key={study.id}>
                  <TableCell>
                    <Link
                      to="/studies/$studyId"
                      params={{ studyId: study.id }}
                      className="font-mono text-xs font-semibold text-primary hover:underline"
                    >
                      {study.code}
                    </Link>
                  </TableCell>
                  <TableCell className="max-w-xl">
                    <span className="line-clamp-1">{study.name}</span>
                  </TableCell>
                  <TableCell>
                    <StudyStatusBadge status={study.status} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
    </div>
  );
}
