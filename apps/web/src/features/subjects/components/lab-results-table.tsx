import type { SubjectMeasurement } from '@cdp/contracts';
import { Badge } from '../../../components/ui/badge.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { cn } from '../../../lib/cn.ts';
import { isAbnormal } from '../lib/measurement-model.ts';
import { DateCell, orMissing } from './profile-cells.tsx';
import { type ProfileReview, ReviewCell, ReviewHead, ReviewUnder } from './subject-review.tsx';

/** One test's results (labs or vital signs), a row per record, out-of-range ones flagged. */
export function LabResultsTable({
  results,
  label,
  review,
}: {
  results: SubjectMeasurement[];
  label: string;
  review?: ProfileReview | null;
}) {
  return (
    <Table aria-label={label}>
      <TableHeader>
        <TableRow>
          <TableHead>Visit</TableHead>
          <TableHead>Date</TableHead>
          <TableHead className="text-right">Result</TableHead>
          <ReviewHead review={review} />
          <TableHead>Unit</TableHead>
          <TableHead className="text-right">Low</TableHead>
          <TableHead className="text-right">High</TableHead>
          <TableHead>Flag</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {results.map((m, i) => {
          const abnormal = isAbnormal(m);
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: results without a sequence number repeat keys otherwise
            <TableRow key={`${m.dataset}-${m.seq ?? i}-${i}`} className={cn(abnormal && 'bg-destructive-soft/40')}>
              <TableCell className="py-2 whitespace-nowrap">
                {orMissing(m.visit)}
                {m.baseline ? (
                  <Badge tone="muted" className="ml-2">
                    Baseline
                  </Badge>
                ) : null}
                <ReviewUnder
                  review={review}
                  event={m}
                  label={`${m.dataset.toUpperCase()} ${m.seq ?? ''} ${m.test} ${m.visit ?? ''}`}
                />
              </TableCell>
              <TableCell className="py-2">
                <DateCell date={m.date} day={m.day} />
              </TableCell>
              <TableCell className={cn('py-2 text-right tabular-nums', abnormal && 'font-semibold')}>
                {m.value ?? orMissing(m.text)}
              </TableCell>
              <ReviewCell
                review={review}
                event={m}
                label={`${m.dataset.toUpperCase()} ${m.seq ?? ''} ${m.test} ${m.visit ?? ''}`}
              />
              <TableCell className="py-2 text-muted-foreground">{orMissing(m.unit)}</TableCell>
              <TableCell className="py-2 text-right text-muted-foreground tabular-nums">{orMissing(m.low)}</TableCell>
              <TableCell className="py-2 text-right text-muted-foreground tabular-nums">{orMissing(m.high)}</TableCell>
              <TableCell className="py-2">
                {abnormal ? (
                  <Badge tone={(m.flag ?? '').toUpperCase().startsWith('L') ? 'info' : 'danger'}>{m.flag}</Badge>
                ) : (
                  orMissing(m.flag ? <span className="text-muted-foreground">{m.flag}</span> : null)
                )}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
