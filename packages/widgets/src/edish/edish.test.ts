import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { hysLawCases } from './hys-law-cases.ts';
import { edish } from './index.ts';
import { quadrantOf } from './quadrants.ts';

/** The parts of an eDISH chart option the tests read. */
interface Item {
  name: string;
  value: unknown;
  point?: Record<string, unknown>;
  symbol?: string;
}
interface Series {
  name: string;
  silent?: boolean;
  data: Item[];
  markLine?: { data: Array<{ xAxis?: number; yAxis?: number; label: { formatter: string } }> };
}
interface Chart {
  xAxis: Record<string, unknown>;
  yAxis: Record<string, unknown>;
  legend: { data: string[] };
  series: Series[];
}

type Options = typeof edish.defaultOptions;

const LB = (column: string) => ({ dataset: 'LB', column });
const DM = (column: string) => ({ dataset: 'DM', column });

const FIELDS = {
  subject_id: LB('USUBJID'),
  arm: DM('ACTARM'),
  lab_test_code: LB('LBTESTCD'),
  lab_value: LB('LBSTRESN'),
  lab_uln: LB('LBSTNRHI'),
  lab_date: LB('LBDTC'),
  treatment_start: DM('RFXSTDTC'),
};

function context(
  options: Partial<Options> = {},
  fields: WidgetContext<Options>['fields'] = FIELDS,
): WidgetContext<Options> {
  return { dataset: 'LB', population: 'DM', fields, filters: [], options: edish.options.parse(options) };
}

/** Peaks as the engine returns them: subject, arm, ALT, AST and bilirubin × ULN. */
function peaks(rows: unknown[][]): Record<string, QueryResult> {
  return {
    peaks: {
      columns: [
        { name: 'subject_id', type: 'string' },
        { name: 'arm', type: 'string' },
        { name: 'alt', type: 'number' },
        { name: 'ast', type: 'number' },
        { name: 'bili', type: 'number' },
      ],
      rows,
      truncated: false,
    },
  };
}

const EXCLUDED = ['Screen Failure', 'SCRNFAIL', 'Not Assigned', 'NOTASSGN', 'Not Treated', 'NOTTRT'];

describe('eDISH quadrants', () => {
  it.each([
    [3, 2, "Hy's law range"],
    [2.99, 2, 'Cholestasis'],
    [3, 1.99, "Temple's corollary"],
    [0.5, 0.5, 'Normal range'],
    [12, 4, "Hy's law range"],
  ])('x %s, y %s is %s (a value at a threshold is above it)', (x, y, quadrant) => {
    expect(quadrantOf(x, y)).toBe(quadrant);
  });
});

describe('eDISH query', () => {
  it('one row per subject: the peak of value ÷ own-record ULN per test, arms from DM, screen failures out', () => {
    const { peaks: spec } = edish.buildQueries(context());
    const codeIn = (codes: string[]) => [{ column: LB('LBTESTCD'), op: 'in', value: codes }];
    expect(spec).toEqual({
      from: 'LB',
      joins: [{ dataset: 'DM', kind: 'left', on: [{ left: LB('USUBJID'), right: 'USUBJID' }] }],
      where: [
        { column: DM('ACTARM'), op: 'nin', value: EXCLUDED },
        { column: LB('LBTESTCD'), op: 'in', value: ['ALT', 'SGPT', 'AST', 'SGOT', 'BILI', 'TBILI'] },
      ],
      exists: [],
      groupBy: [
        { column: LB('USUBJID'), as: 'subject_id' },
        { column: DM('ACTARM'), as: 'arm' },
      ],
      measures: [
        { op: 'max', column: LB('LBSTRESN'), per: LB('LBSTNRHI'), as: 'alt', where: codeIn(['ALT', 'SGPT']) },
        { op: 'max', column: LB('LBSTRESN'), per: LB('LBSTNRHI'), as: 'ast', where: codeIn(['AST', 'SGOT']) },
        { op: 'max', column: LB('LBSTRESN'), per: LB('LBSTNRHI'), as: 'bili', where: codeIn(['BILI', 'TBILI']) },
      ],
      orderBy: [{ key: 'subject_id' }],
    });
  });

  it('on treatment: the on-treatment flag when mapped, else lab date on or after the first dose', () => {
    const byDate = edish.buildQueries(context({ onTreatmentOnly: true })).peaks;
    expect(byDate?.where).toContainEqual({ column: LB('LBDTC'), op: 'ge', against: { column: DM('RFXSTDTC') } });
    const byFlag = edish.buildQueries(
      context({ onTreatmentOnly: true }, { ...FIELDS, on_treatment_flag: LB('ONTRTFL') }),
    ).peaks;
    expect(byFlag?.where).toContainEqual({ column: LB('ONTRTFL'), op: 'eq', value: 'Y' });
    expect(byFlag?.where).not.toContainEqual(expect.objectContaining({ against: expect.anything() }));
  });

  it('on treatment without a flag or dates says what to map', () => {
    const { lab_date: _, treatment_start: __, ...bare } = FIELDS;
    expect(() => edish.buildQueries(context({ onTreatmentOnly: true }, bare))).toThrow(
      /on-treatment values need the on-treatment flag \(ONTRTFL\) or both the lab date and the first treatment date mapped/,
    );
  });
});

describe('eDISH points (hand-checked)', () => {
  // S1: ALT 5×, bili 2.5× → Hy's law. S2: ALT 4×, bili 1× → Temple. S3: ALT 1×, AST 3.5×, bili 2× →
  // cholestasis by ALT, Hy's law by max(ALT, AST). S4: no bilirubin. S5: normal.
  const results = peaks([
    ['S1', 'Drug', 5, 2, 2.5],
    ['S2', 'Drug', 4, 1, 1],
    ['S3', 'Placebo', 1, 3.5, 2],
    ['S4', 'Placebo', 6, 1, null],
    ['S5', 'Placebo', 0.5, 0.6, 0.4],
  ]);

  it("orders the subjects by quadrant, Hy's law first, and leaves out those without both peaks", () => {
    const table = edish.toTable(results, context());
    expect(table.rows).toEqual([
      ['S1', 'Drug', 5, 2.5, 5, 2, "Hy's law range"],
      ['S2', 'Drug', 4, 1, 4, 1, "Temple's corollary"],
      ['S3', 'Placebo', 1, 2, 1, 3.5, 'Cholestasis'],
      ['S5', 'Placebo', 0.5, 0.4, 0.5, 0.6, 'Normal range'],
    ]);
    expect(table.notes).toEqual(['1 subject without a positive ALT and bilirubin value left out']);
  });

  it("max of ALT and AST moves S3 into the Hy's law range", () => {
    const table = edish.toTable(results, context({ transaminase: 'max' }));
    expect(table.rows.slice(0, 2).map((r) => [r[0], r[2], r[6]])).toEqual([
      ['S1', 5, "Hy's law range"],
      ['S3', 3.5, "Hy's law range"],
    ]);
    expect(table.columns.find((c) => c.name === 'x')?.label).toBe('Peak ALT or AST (× ULN)');
  });

  it("the Hy's law table keeps only that quadrant, with subjects as links", () => {
    const table = hysLawCases.toTable(results, context({ transaminase: 'max' }));
    expect(table.rows.map((r) => r[0])).toEqual(['S1', 'S3']);
    expect(table.total).toBe(2);
    expect(table.columns[0]).toMatchObject({ name: 'subject_id', field: 'subject_id' });
    expect(hysLawCases.toChartOption).toBeUndefined();
  });

  it("the Hy's law table does not repeat the peak of the transaminase on the x axis", () => {
    const names = (transaminase: 'ALT' | 'AST' | 'max') =>
      hysLawCases.toTable(results, context({ transaminase })).columns.map((c) => c.name);
    expect(names('ALT')).toEqual(['subject_id', 'arm', 'x', 'y', 'ast', 'quadrant']);
    expect(names('AST')).toEqual(['subject_id', 'arm', 'x', 'y', 'alt', 'quadrant']);
    expect(names('max')).toEqual(['subject_id', 'arm', 'x', 'y', 'alt', 'ast', 'quadrant']);
    const alt = hysLawCases.toTable(results, context({ transaminase: 'ALT' }));
    // S1: peak ALT 5 × ULN is the x value; AST stays beside it.
    expect(alt.rows[0]?.slice(0, 3)).toEqual(['S1', 'Drug', 5]);
    expect(alt.rows.every((row) => row.length === 6)).toBe(true);
  });

  it('draws log axes, the 3×ULN and 2×ULN lines, the four quadrant names and one series per arm', () => {
    const options = context().options;
    const chart = edish.toChartOption?.(edish.toTable(results, context()), options) as unknown as Chart;
    expect(chart.xAxis).toMatchObject({ type: 'log', min: 0.1, max: 10, name: 'Peak ALT (× ULN)' });
    expect(chart.yAxis).toMatchObject({ type: 'log', min: 0.1, max: 10 });
    const [drug, placebo, quadrants] = chart.series as [Series, Series, Series];
    expect([drug.name, placebo.name]).toEqual(['Drug', 'Placebo']);
    expect(chart.legend.data).toEqual(['Drug', 'Placebo']);
    expect(drug.markLine?.data.map((d) => [d.xAxis, d.yAxis, d.label.formatter])).toEqual([
      [3, undefined, '3×ULN'],
      [undefined, 2, '2×ULN'],
    ]);
    expect(drug.data[0]).toMatchObject({ name: 'S1', value: [5, 2.5], point: { subject_id: 'S1' }, symbol: 'diamond' });
    expect(placebo.data.map((d) => d.name)).toEqual(['S3', 'S5']);
    expect(quadrants.silent).toBe(true);
    expect(quadrants.data.map((d) => [d.name, d.value])).toEqual([
      ["Hy's law range", [10, 10]],
      ['Cholestasis', [0.1, 10]],
      ["Temple's corollary", [10, 0.1]],
      ['Normal range', [0.1, 0.1]],
    ]);
    // JSON only: the same option goes to the browser and to the PDF/PPTX exporters.
    expect(JSON.parse(JSON.stringify(chart))).toEqual(chart);
  });

  it('widens a log axis to the power of ten around the data', () => {
    const wide = peaks([['S1', 'Drug', 25, 0.04, 0.05]]);
    const chart = edish.toChartOption?.(edish.toTable(wide, context()), context().options) as unknown as Chart;
    expect(chart.xAxis).toMatchObject({ min: 0.1, max: 100 });
    expect(chart.yAxis).toMatchObject({ min: 0.01, max: 10 });
  });
});
