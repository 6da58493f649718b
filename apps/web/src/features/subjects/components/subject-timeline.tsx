import type { SubjectEvent, SubjectEventKind } from '@cdp/contracts';
import { useMemo, useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { useMediaQuery } from '../../../lib/use-media-query.ts';
import { EChart } from '../../dashboards/widget/echart.tsx';
import '../lib/profile-echarts.ts';
import { escapeHtml } from '../lib/measurement-model.ts';
import { SEVERITY_COLOURS } from '../lib/severity.ts';
import { LANES, type TimelineItem, timelineModel } from '../lib/timeline-model.ts';

const ROW_HEIGHT = 22;

/** Lane names that fit beside a 390 px chart. */
const SHORT_LABELS: Record<string, string> = {
  'Adverse events': 'AEs',
  'Con. medications': 'Meds',
  'Medical history': 'History',
  Disposition: 'Disp.',
};
const shortLabel = (label: string) =>
  Object.entries(SHORT_LABELS).reduce((text, [long, short]) => text.replace(long, short), label);

function tooltipOf(item: TimelineItem): string {
  const e = item.event;
  const lane = LANES.find((l) => l.kind === e.kind)?.label ?? e.kind;
  const when = [e.start ?? '?', item.point ? null : (e.end ?? 'ongoing')].filter(Boolean).join(' → ');
  const days =
    e.startDay !== null ? ` (day ${e.startDay}${e.endDay !== null && !item.point ? `–${e.endDay}` : ''})` : '';
  const facts = [
    e.decod && e.decod !== e.term ? e.decod : null,
    e.category,
    e.severity ? `Severity: ${e.severity}` : null,
    e.serious ? 'Serious' : null,
    e.related ? `Related: ${e.related}` : null,
    e.outcome ? `Outcome: ${e.outcome}` : null,
    e.dose !== null ? `Dose: ${e.dose}${e.doseUnit ? ` ${e.doseUnit}` : ''}` : null,
    e.indication ? `For: ${e.indication}` : null,
  ].filter((f): f is string => Boolean(f));
  return [
    `<div style="font-size:11px;color:#64748b">${escapeHtml(lane)} · ${escapeHtml(e.dataset)}${e.seq !== null ? ` #${e.seq}` : ''}</div>`,
    `<div style="font-weight:600">${escapeHtml(e.term)}</div>`,
    `<div>${escapeHtml(when)}${days}</div>`,
    ...facts.map((f) => `<div>${escapeHtml(f)}</div>`),
  ].join('');
}

interface RenderApi {
  value: (dimension: number) => number;
  coord: (point: [number, number]) => [number, number];
  size: (value: [number, number]) => [number, number];
}

/**
 * The subject's story on one time axis: visits and disposition as marks, exposure, adverse events
 * (coloured by severity, serious ones outlined and starred), medications and history as bars.
 */
export function SubjectTimeline({ events, subjectId }: { events: SubjectEvent[]; subjectId: string }) {
  const [folding, setFolding] = useState<Partial<Record<SubjectEventKind, boolean>>>({});
  const narrow = !useMediaQuery('(min-width: 640px)');
  const model = useMemo(() => timelineModel(events, folding), [events, folding]);
  const option = useMemo(() => {
    const { items } = model;
    return {
      animation: false,
      // Room under the axis for the zoom slider: drag its handles (or scroll / pinch on the chart) to zoom in time.
      grid: { left: 8, right: narrow ? 12 : 16, top: 8, bottom: 58, containLabel: true },
      dataZoom: [
        { type: 'inside', xAxisIndex: 0, filterMode: 'none', zoomOnMouseWheel: 'shift', moveOnMouseWheel: false },
        {
          type: 'slider',
          xAxisIndex: 0,
          filterMode: 'none',
          height: 18,
          bottom: 6,
          showDetail: !narrow,
          labelFormatter: (value: number) => new Date(value).toISOString().slice(0, 10),
          brushSelect: true,
        },
      ],
      tooltip: {
        trigger: 'item',
        confine: true,
        formatter: (params: { dataIndex: number }) => {
          const item = items[params.dataIndex];
          return item ? tooltipOf(item) : '';
        },
      },
      xAxis: {
        type: 'time',
        min: model.min,
        max: model.max,
        axisLabel: { hideOverlap: true, fontSize: 11, ...(narrow ? { rotate: 0, margin: 6 } : {}) },
        splitLine: { show: true, lineStyle: { color: '#eef2f6' } },
      },
      yAxis: {
        type: 'category',
        inverse: true,
        data: model.rows.map((label, i) => (narrow ? shortLabel(label) : label) || '\u200b'.repeat(i + 1)),
        axisTick: { show: false },
        axisLine: { show: false },
        axisLabel: { fontSize: 11, color: '#475569', fontWeight: 500 },
        splitLine: { show: false },
      },
      series: [
        {
          type: 'custom',
          name: 'Events',
          clip: true,
          encode: { x: [0, 1], y: 2 },
          data: items.map((item) => [item.start, item.end, item.row]),
          renderItem: (params: { dataIndex: number }, api: RenderApi) => {
            const item = items[params.dataIndex];
            if (!item) return null;
            const [x0, y] = api.coord([api.value(0), api.value(2)]);
            const [x1] = api.coord([api.value(1), api.value(2)]);
            const height = Math.max(6, api.size([0, 1])[1] * 0.62);
            if (item.point) {
              const size = height * 0.8;
              return {
                type: 'path',
                shape: {
                  pathData: `M${x0},${y - size / 2}L${x0 + size / 2},${y}L${x0},${y + size / 2}L${x0 - size / 2},${y}Z`,
                },
                style: { fill: item.colour, stroke: '#fff', lineWidth: 1 },
              };
            }
            const width = Math.max(3, x1 - x0);
            return {
              type: 'group',
              children: [
                {
                  type: 'rect',
                  shape: { x: x0, y: y - height / 2, width, height, r: 2 },
                  style: {
                    fill: item.colour,
                    opacity: item.folded ? 0.45 : item.event.kind === 'medical_history' ? 0.55 : 0.9,
                    stroke: item.serious ? '#450a0a' : item.ongoing ? item.colour : 'transparent',
                    lineWidth: item.serious ? 2 : 1,
                    lineDash: item.ongoing ? [3, 2] : undefined,
                  },
                },
                ...(item.serious
                  ? [
                      {
                        type: 'text',
                        style: {
                          text: '★',
                          x: x0 + 3,
                          y: y - height / 2 + 1,
                          fill: '#fff',
                          fontSize: Math.min(11, height - 2),
                        },
                      },
                    ]
                  : []),
              ],
            };
          },
        },
      ],
    } as Record<string, unknown>;
  }, [model, narrow]);

  if (model.items.length === 0) {
    return <p className="px-5 py-6 text-[13px] text-muted-foreground">No dated events to draw for this subject.</p>;
  }
  const height = Math.max(180, model.rows.length * ROW_HEIGHT + 78);
  const foldable = model.lanes.filter((lane) => lane.packedRows > 1);
  return (
    <div>
      {foldable.length > 0 ? (
        <div className="flex flex-wrap items-center gap-2 px-5 pt-3 text-xs text-muted-foreground" data-timeline-lanes>
          <span>Lanes:</span>
          {foldable.map((lane) => (
            <Button
              key={lane.kind}
              variant="secondary"
              size="sm"
              aria-pressed={!lane.collapsed}
              onClick={() => setFolding((current) => ({ ...current, [lane.kind]: !lane.collapsed }))}
              title={
                lane.collapsed
                  ? `Show the ${lane.events} ${lane.label.toLowerCase()} on ${lane.packedRows} rows`
                  : `Fold the ${lane.label.toLowerCase()} into one row`
              }
            >
              {lane.collapsed ? 'Expand' : 'Fold'} {lane.label.toLowerCase()}
              <span className="text-muted-foreground tabular-nums">({lane.events})</span>
            </Button>
          ))}
        </div>
      ) : null}
      <div style={{ height }} className="px-2 pt-2" data-timeline-rows={model.rows.length}>
        <EChart option={option} label={`Timeline of subject ${subjectId}`} className="h-full w-full" />
      </div>
      <TimelineLegend undated={model.undated} />
    </div>
  );
}

function TimelineLegend({ undated }: { undated: number }) {
  const swatches: Array<[string, string]> = [
    ['Mild', SEVERITY_COLOURS.mild],
    ['Moderate', SEVERITY_COLOURS.moderate],
    ['Severe', SEVERITY_COLOURS.severe],
    ['Exposure', '#14b8a6'],
    ['Medication', '#6366f1'],
    ['History', '#94a3b8'],
  ];
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-1 border-t border-border px-5 py-2.5 text-xs text-muted-foreground">
      {swatches.map(([label, colour]) => (
        <span key={label} className="inline-flex items-center gap-1.5">
          <span className="h-2.5 w-4 rounded-sm" style={{ background: colour }} aria-hidden />
          {label}
        </span>
      ))}
      <span className="inline-flex items-center gap-1.5">
        <span className="h-2.5 w-4 rounded-sm border-2 border-red-950 bg-red-700" aria-hidden />
        Serious (★)
      </span>
      <span className="inline-flex items-center gap-1.5">
        <span className="h-2.5 w-4 rounded-sm border border-dashed border-slate-500" aria-hidden />
        Ongoing
      </span>
      {undated > 0 ? <span>{undated} undated event(s) are listed in the tables only.</span> : null}
    </div>
  );
}
