import type { SubjectMeasurement } from '@cdp/contracts';
import { useMemo, useState } from 'react';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { cn } from '../../../lib/cn.ts';
import { plural } from '../../../lib/format.ts';
import { EChart } from '../../dashboards/widget/echart.tsx';
import { measurementOption, testSeries } from '../lib/measurement-model.ts';
import { LabResultsTable } from './lab-results-table.tsx';
import type { ProfileReview } from './subject-review.tsx';

/**
 * Labs or vital signs over time: pick a test (those with out-of-range results first), see its
 * values against the reference range, and its records below.
 */
export function MeasurementsCard({
  title,
  noun,
  measurements,
  sources,
  review,
}: {
  title: string;
  noun: string;
  measurements: SubjectMeasurement[];
  sources: string[];
  review?: ProfileReview | null;
}) {
  const series = useMemo(() => testSeries(measurements), [measurements]);
  const [picked, setPicked] = useState<string | undefined>(undefined);
  const current = series.find((s) => s.testCode === picked) ?? series[0];
  const option = useMemo(() => (current ? measurementOption(current) : null), [current]);
  const abnormal = series.reduce((n, s) => n + s.abnormal, 0);
  const slug = noun.replace(/\s+/g, '-');
  return (
    <Card aria-labelledby={`${slug}-title`}>
      <CardHeader
        id={`${slug}-title`}
        title={title}
        description={
          series.length === 0
            ? `No ${noun} for this subject${sources.length === 0 ? ' (the study has no such dataset)' : ''}.`
            : `${plural(series.length, 'test')} · ${plural(measurements.length, 'result')} · ${abnormal} out of range · from ${sources.join(', ')}`
        }
      />
      {current && option ? (
        <div className="grid grid-cols-1 gap-0 lg:grid-cols-[15rem_minmax(0,1fr)] [&>*]:min-w-0">
          <nav
            aria-label={`${title}: tests`}
            className="flex gap-1 overflow-x-auto border-b border-border p-2 lg:max-h-[26rem] lg:flex-col lg:overflow-y-auto lg:border-r lg:border-b-0"
          >
            {series.map((s) => (
              <button
                key={s.testCode}
                type="button"
                aria-pressed={s === current}
                onClick={() => setPicked(s.testCode)}
                className={cn(
                  'flex shrink-0 items-center justify-between gap-3 rounded-md px-2.5 py-1.5 text-left text-[13px] hover:bg-surface-muted',
                  s === current && 'bg-primary-soft font-medium text-primary-soft-foreground hover:bg-primary-soft',
                )}
              >
                <span className="max-w-52 truncate" title={s.test}>
                  {s.test}
                </span>
                {s.abnormal > 0 ? (
                  <span
                    className="rounded-full bg-destructive-soft px-1.5 text-xs text-destructive-soft-foreground tabular-nums"
                    title={`${s.abnormal} out of range`}
                  >
                    {s.abnormal}
                  </span>
                ) : null}
              </button>
            ))}
          </nav>
          <div className="min-w-0">
            <div className="h-64 px-2 pt-2">
              <EChart option={option} label={`${current.test} over time`} className="h-full w-full" />
            </div>
            <div className="max-h-72 overflow-y-auto border-t border-border">
              <LabResultsTable results={current.results} label={`${current.test} results`} review={review} />
            </div>
          </div>
        </div>
      ) : null}
    </Card>
  );
}
