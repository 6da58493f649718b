import type { QueryResult } from '@cdp/contracts';
import * as echarts from 'echarts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { FIELDS } from './fields.ts';
import { genericWidgets } from './generic.ts';
import type { WidgetContext, WidgetType } from './types.ts';

/** Column `name` of type `type` for a fake result. */
type Col = [string, QueryResult['columns'][number]['type']];
const result = (columns: Col[], rows: unknown[][]): QueryResult => ({
  columns: columns.map(([name, type]) => ({ name, type })),
  rows,
  truncated: false,
});

const ref = (column: string) => ({ dataset: 'ADSL', column });

/** For each chart type, a mapping and results such as the engine returns them. */
const CHARTS: Record<
  string,
  {
    fields: Record<string, ReturnType<typeof ref>>;
    options?: Record<string, unknown>;
    results: Record<string, QueryResult>;
  }
> = {
  line: {
    fields: { date: ref('RANDDT'), series: ref('ARM') },
    options: { cumulative: true },
    results: {
      points: result(
        [
          ['period', 'date'],
          ['series', 'string'],
          ['value', 'integer'],
        ],
        [
          ['2024-01-01', 'A', 2],
          ['2024-02-01', 'B', 3],
        ],
      ),
    },
  },
  bar: {
    fields: { category: ref('SITEID'), series: ref('SEX') },
    options: { mode: 'stacked', topN: 1, showLabels: true },
    results: {
      bars: result(
        [
          ['category', 'string'],
          ['series', 'string'],
          ['value', 'integer'],
        ],
        [
          ['Site 101 (Boston)', 'F', 2],
          ['Other', 'M', 3],
        ],
      ),
    },
  },
  pie: {
    fields: { category: ref('RACE') },
    options: { donut: true },
    results: {
      slices: result(
        [
          ['category', 'string'],
          ['value', 'integer'],
        ],
        [
          ['WHITE', 20],
          [null, 2],
          ['Other', 3],
        ],
      ),
    },
  },
  scatter: {
    fields: { x: ref('AGE'), y: ref('WEIGHTBL'), subject_id: ref('USUBJID') },
    results: {
      points: {
        ...result(
          [
            ['x', 'integer'],
            ['y', 'number'],
            ['subject_id', 'string'],
          ],
          [[50, 70.5, 'S1']],
        ),
        total: 1,
      },
    },
  },
  'box-plot': {
    fields: { value: ref('AGE'), category: ref('ARM') },
    results: {
      boxes: result(
        [
          ['category', 'string'],
          ['n', 'integer'],
          ['min', 'number'],
          ['q1', 'number'],
          ['median', 'number'],
          ['q3', 'number'],
          ['max', 'number'],
          ['mean', 'number'],
        ],
        [['A', 10, 1, 2, 3, 4, 5, 3.1]],
      ),
    },
  },
  histogram: {
    fields: { value: ref('AGE') },
    results: {
      bins: result(
        [
          ['value', 'integer'],
          ['count', 'integer'],
        ],
        [
          [20, 1],
          [35, 4],
          [70, 2],
        ],
      ),
    },
  },
};

const ctxOf = (
  type: WidgetType,
  fields: WidgetContext<unknown>['fields'],
  options: Record<string, unknown> = {},
): WidgetContext<Record<string, unknown>> => ({
  options: type.options.parse(options),
  dataset: 'ADSL',
  fields,
  filters: [],
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('generic widgets', () => {
  it('have unique types and every chart type has a fixture here', () => {
    const types = genericWidgets.map((t) => t.type);
    expect(new Set(types).size).toBe(types.length);
    expect(types).toEqual(['metric', 'line', 'bar', 'pie', 'scatter', 'box-plot', 'histogram', 'table', 'pivot']);
    expect(
      genericWidgets
        .filter((t) => t.toChartOption)
        .map((t) => t.type)
        .sort(),
    ).toEqual(Object.keys(CHARTS).sort());
  });

  it.each(genericWidgets.map((type) => ({ type: type.type, widget: type })))(
    '$type: a catalogue entry the builder can use',
    ({ widget }) => {
      expect(widget.options.parse({})).toEqual(widget.defaultOptions);
      expect(widget.options.parse(JSON.parse(JSON.stringify(widget.defaultOptions)))).toEqual(widget.defaultOptions);
      const schema = z.toJSONSchema(widget.options, { io: 'input', unrepresentable: 'any' }) as {
        properties?: Record<string, unknown>;
      };
      expect(Object.keys(schema.properties ?? {}).sort()).toEqual(Object.keys(widget.defaultOptions).sort());
      for (const field of widget.fields) expect(Object.keys(FIELDS)).toContain(field.key);
      expect(widget.defaultSize.w).toBeLessThanOrEqual(12);
      expect(widget.optionsVersion).toBe(1);
    },
  );

  it.each(Object.entries(CHARTS).map(([type, fixture]) => ({ type, ...fixture })))(
    '$type: the chart option is plain JSON that ECharts draws without a warning',
    ({ type, fields, options, results }) => {
      const widget = genericWidgets.find((t) => t.type === type);
      if (!widget?.toChartOption) throw new Error(`no chart for ${type}`);
      const ctx = ctxOf(widget, fields, options);
      const option = widget.toChartOption(widget.toTable(results, ctx), ctx.options);
      expect(JSON.parse(JSON.stringify(option))).toEqual(option);

      const warn = vi.spyOn(console, 'warn');
      const error = vi.spyOn(console, 'error');
      const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 600, height: 360 });
      chart.setOption({ ...option, animation: false });
      const svg = chart.renderToSVGString();
      chart.dispose();
      expect(warn).not.toHaveBeenCalled();
      expect(error).not.toHaveBeenCalled();
      expect(svg).toMatch(/^<svg/);
    },
  );
});
