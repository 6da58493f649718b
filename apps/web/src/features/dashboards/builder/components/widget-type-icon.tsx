import type { WidgetTypeInfo } from '@cdp/contracts';
import {
  Activity,
  ChartArea,
  ChartColumn,
  ChartLine,
  ChartPie,
  ChartScatter,
  Earth,
  Gauge,
  type LucideIcon,
  Stethoscope,
  Table2,
  Workflow,
} from 'lucide-react';
import { cn } from '../../../../lib/cn.ts';

const BY_CATEGORY: Record<WidgetTypeInfo['category'], LucideIcon> = {
  metric: Gauge,
  chart: ChartColumn,
  table: Table2,
  clinical: Stethoscope,
  map: Earth,
  flow: Workflow,
};

/** Chart types are told apart by their name; the rest share their category's icon. */
const BY_NAME: [RegExp, LucideIcon][] = [
  [/pie|donut/, ChartPie],
  [/line|trend|over-time|cumulative/, ChartLine],
  [/area/, ChartArea],
  [/scatter|shift|edish/, ChartScatter],
  [/swimmer|timeline|waterfall|spider/, Activity],
];

export function widgetTypeIcon(type: Pick<WidgetTypeInfo, 'type' | 'category'>): LucideIcon {
  return BY_NAME.find(([pattern]) => pattern.test(type.type))?.[1] ?? BY_CATEGORY[type.category];
}

export const CATEGORY_LABELS: Record<WidgetTypeInfo['category'], string> = {
  metric: 'Metrics',
  chart: 'Charts',
  table: 'Tables',
  clinical: 'Clinical',
  map: 'Maps',
  flow: 'Flow',
};

export function WidgetTypeIcon({
  type,
  className,
}: {
  type: Pick<WidgetTypeInfo, 'type' | 'category'>;
  className?: string;
}) {
  const Icon = widgetTypeIcon(type);
  return (
    <span
      className={cn(
        'flex size-8 shrink-0 items-center justify-center rounded-md border border-teal-100 bg-primary-soft text-primary',
        className,
      )}
      aria-hidden
    >
      <Icon className="size-4" />
    </span>
  );
}
