import type { WidgetDataResponse } from '@cdp/contracts';
import { ArrowDownRight, ArrowUpRight } from 'lucide-react';
import type { ReactNode } from 'react';
import { formatMetric } from '../lib/widget-cells.ts';
import { Sparkline } from './sparkline.tsx';

type Metric = NonNullable<WidgetDataResponse['metric']>;

const oneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/**
 * The line under the number. Widgets send a label and a value; the label says what kind of
 * comparison it is: "% of screened" (a percentage, 0–100), "vs. previous 30 days" (an earlier
 * value: shown as the change), "Target" (a goal: shown with how much of it is reached), or a
 * related count ("Subjects with ≥1 AE").
 */
function comparisonText(metric: Metric): ReactNode {
  const { comparison } = metric;
  if (!comparison) return null;
  const { label, value } = comparison;
  if (value === null) return `${label}: —`;
  if (label.startsWith('%')) {
    return (
      <>
        <span className="font-medium text-foreground tabular-nums">{oneDecimal.format(value)}%</span>{' '}
        {label.slice(1).trim()}
      </>
    );
  }
  if (/^vs\.?\s/i.test(label)) {
    if (metric.value === null) return label;
    const change = value === 0 ? null : (metric.value - value) / Math.abs(value);
    const Arrow = metric.value >= value ? ArrowUpRight : ArrowDownRight;
    return (
      <span className="inline-flex items-center gap-1">
        <Arrow className="size-3.5 text-foreground" aria-hidden />
        <span className="font-medium text-foreground tabular-nums">
          {change === null ? formatMetric(metric.value - value, metric.format) : formatMetric(change, 'percent')}
        </span>{' '}
        {label} ({formatMetric(value, metric.format)})
      </span>
    );
  }
  const share = /target|planned|goal/i.test(label) && value > 0 && metric.value !== null ? metric.value / value : null;
  return (
    <>
      {label}{' '}
      <span className="font-medium text-foreground tabular-nums">
        {formatMetric(value, metric.format === 'percent' ? 'percent' : 'number')}
      </span>
      {share !== null ? <span className="tabular-nums"> · {formatMetric(share, 'percent')} reached</span> : null}
    </>
  );
}

/** A headline number with its comparison and trend sparkline. */
export function MetricWidget({ metric, title }: { metric: Metric; title: string }) {
  const comparison = comparisonText(metric);
  return (
    <div className="flex h-full min-h-0 flex-col justify-end gap-1.5 px-4 pb-3">
      <div className="flex items-end justify-between gap-3">
        <p className="text-[28px] leading-none font-semibold tracking-tight tabular-nums" data-metric-value>
          {formatMetric(metric.value, metric.format)}
        </p>
        {metric.trend ? <Sparkline points={metric.trend} label={`${title} over time`} /> : null}
      </div>
      {/* An empty line without a comparison keeps the number level with its neighbours' in a row of cards. */}
      {comparison ? (
        <p className="truncate text-xs text-muted-foreground">{comparison}</p>
      ) : (
        <p className="text-xs" aria-hidden>
          {'\u00a0'}
        </p>
      )}
    </div>
  );
}
