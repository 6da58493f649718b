import type { WidgetColumn } from '@cdp/contracts';
import { UserRound, Users } from 'lucide-react';
import { type RefObject, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Popover, PopoverAnchor, PopoverContent } from '../../../components/ui/popover.tsx';
import { SubjectLink, type SubjectLinkTarget } from '../../subjects/components/subject-link.tsx';
import type { DrillPoint } from '../api/dashboards-api.ts';
import { chartKey, type KeyedChart, mayHaveKey } from '../lib/chart-key.ts';
import { clickPoint, describePoint } from '../lib/chart-point.ts';
import { valueText } from '../lib/view-filters.ts';
import { ChartKeyList } from './chart-key-list.tsx';
import { type ChartClick, EChart } from './echart.tsx';

interface ChartWidgetProps {
  label: string;
  option: Record<string, unknown>;
  columns: WidgetColumn[];
  rows: unknown[][];
  onPoint?: (point: DrillPoint) => void;
  onDrill?: (point: DrillPoint) => void;
  /** A point that names a subject (eDISH) offers its profile. */
  subjects?: SubjectLinkTarget;
  onRendered: (option: Record<string, unknown>) => void;
  onError: (error: unknown) => void;
}

interface Clicked {
  point: DrillPoint;
  x: number;
  y: number;
}

/** The size of an element as its ResizeObserver reports it (whole pixels), null before the first report. */
function useBoxSize(
  element: RefObject<HTMLElement | null>,
  observe: boolean,
): { width: number; height: number } | null {
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  useEffect(() => {
    const el = element.current;
    if (!el || !observe) return;
    const observer = new ResizeObserver((entries) => {
      const rect = entries.at(-1)?.contentRect;
      if (!rect) return;
      const width = Math.floor(rect.width);
      const height = Math.floor(rect.height);
      setSize((old) => (old?.width === width && old.height === height ? old : { width, height }));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [element, observe]);
  return size;
}

/**
 * An ECharts widget. A click on a bar, slice or node filters the dashboard by what it stands for
 * (`onPoint`) and, where drilling is possible, offers "View subjects" right where the click was.
 * A pie or a flow whose labels cannot name every part at this size lists them under the chart
 * (`chartKey`); such a chart waits for its box to be measured (the same frame), so it is not drawn
 * twice, once with labels and once without.
 */
export function ChartWidget({
  label,
  option,
  columns,
  rows,
  onPoint,
  onDrill,
  subjects,
  onRendered,
  onError,
}: ChartWidgetProps) {
  const [clicked, setClicked] = useState<Clicked | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const keyable = mayHaveKey(option);
  const size = useBoxSize(box, keyable);
  // The keyed option depends on the box only through the decision: a new size that decides the
  // same keeps the same object, so the chart is not set again (a sankey re-lays itself out then).
  const lastKeyed = useRef<{ option: Record<string, unknown>; keyed: KeyedChart | null } | null>(null);
  const keyed = useMemo(() => {
    const next = keyable && size ? chartKey(option, size.width, size.height) : null;
    const last = lastKeyed.current;
    if (last && last.option === option && JSON.stringify(last.keyed?.key) === JSON.stringify(next?.key))
      return last.keyed;
    lastKeyed.current = { option, keyed: next };
    return next;
  }, [keyable, option, size]);
  // The card waits for the option it gave to be drawn: the keyed one stands for it.
  const rendered = useCallback(
    (drawn: Record<string, unknown>) => onRendered(keyed && drawn === keyed.option ? option : drawn),
    [keyed, option, onRendered],
  );
  const interactive = Boolean(onPoint || onDrill || subjects);
  const subjectOf = (point: DrillPoint | undefined) =>
    subjects && typeof point?.subject_id === 'string' ? point.subject_id : undefined;
  const handleClick = useCallback(
    (click: ChartClick) => {
      const point = clickPoint(click, columns, rows);
      if (!point) return;
      onPoint?.(point);
      const names = subjects && typeof point.subject_id === 'string';
      if (onDrill || names) setClicked({ point, x: click.offsetX, y: click.offsetY });
    },
    [columns, rows, onPoint, onDrill, subjects],
  );
  const subject = subjectOf(clicked?.point);
  // The subjects of the chart, in table order, for previous/next on the profile.
  const listed = useMemo((): SubjectLinkTarget | undefined => {
    const at = columns.findIndex((c) => c.field === 'subject_id');
    if (!subjects || at < 0) return subjects;
    const ids = rows.map((row) => row[at]).filter((v): v is string => typeof v === 'string');
    return { ...subjects, list: () => ({ label, subjects: [...new Set(ids)] }) };
  }, [subjects, columns, rows, label]);
  return (
    <div ref={box} className="relative flex size-full min-h-0 flex-col">
      {!keyable || size ? (
        <div className="min-h-0 flex-1">
          <EChart
            option={keyed?.option ?? option}
            label={label}
            onClick={interactive ? handleClick : undefined}
            onRendered={rendered}
            onError={onError}
          />
        </div>
      ) : null}
      {keyed ? <ChartKeyList chartKey={keyed.key} label={label} /> : null}
      {onDrill || subjects ? (
        <Popover open={clicked !== null} onOpenChange={(open) => !open && setClicked(null)}>
          <PopoverAnchor asChild>
            <span
              className="pointer-events-none absolute size-px"
              style={{ left: clicked?.x ?? 0, top: clicked?.y ?? 0 }}
            />
          </PopoverAnchor>
          <PopoverContent
            className="w-auto max-w-72 space-y-2.5 p-3"
            side="top"
            align="center"
            aria-label="Chart point"
          >
            {clicked ? (
              <>
                <p className="text-[13px] leading-snug font-medium" title={describePoint(clicked.point, columns)}>
                  {Object.values(clicked.point).map(valueText).join(' · ')}
                </p>
                {subject && listed ? (
                  <Button asChild size="sm" className="w-full">
                    <SubjectLink
                      studyId={listed.studyId}
                      subjectId={subject}
                      list={listed.list}
                      className="hover:no-underline"
                    >
                      <UserRound />
                      Open subject profile
                    </SubjectLink>
                  </Button>
                ) : null}
                {onDrill && !subject ? (
                  <Button
                    size="sm"
                    variant="secondary"
                    className="w-full"
                    onClick={() => {
                      onDrill(clicked.point);
                      setClicked(null);
                    }}
                  >
                    <Users />
                    View subjects
                  </Button>
                ) : null}
              </>
            ) : null}
          </PopoverContent>
        </Popover>
      ) : null}
    </div>
  );
}
