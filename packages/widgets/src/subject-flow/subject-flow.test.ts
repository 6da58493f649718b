import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { type FlowLink, flowLinks } from './flow-links.ts';
import { subjectFlow } from './index.ts';

type Options = typeof subjectFlow.defaultOptions;
const DM = (column: string) => ({ dataset: 'DM', column });
const DS = (column: string) => ({ dataset: 'DS', column });
const ADSL = (column: string) => ({ dataset: 'ADSL', column });

const SDTM: WidgetContext<Options> = {
  dataset: 'DM',
  population: 'DM',
  fields: {
    subject_id: DM('USUBJID'),
    arm: DM('ARM'),
    screen_failure: DM('ARMCD'),
    enrollment_date: DM('RFSTDTC'),
    treatment_start: DM('RFXSTDTC'),
    disposition: DS('DSDECOD'),
    disposition_category: DS('DSCAT'),
    disposition_reason: DS('DSDECOD'),
  },
  filters: [],
  options: subjectFlow.options.parse({}),
};

const ADAM: WidgetContext<Options> = {
  dataset: 'ADSL',
  population: 'ADSL',
  fields: {
    subject_id: ADSL('USUBJID'),
    arm: ADSL('TRT01A'),
    treatment_start: ADSL('TRTSDT'),
    disposition: ADSL('EOSSTT'),
    disposition_reason: ADSL('DCSREAS'),
  },
  filters: [],
  options: subjectFlow.options.parse({}),
};

const SF = ['Screen Failure', 'SCRNFAIL', 'SCREEN FAILURE'];
const subjects = (dataset: string) => ({
  op: 'count_distinct',
  column: { dataset, column: 'USUBJID' },
  as: 'subjects',
});

describe('subject-flow queries', () => {
  it('SDTM: stages from DM, outcomes from the DS end-of-study record joined to DM', () => {
    const base = { from: 'DM', joins: [], where: [], exists: [], measures: [subjects('DM')] };
    const enrolled = { column: DM('RFSTDTC'), op: 'notnull' };
    // The four stage counts are one query (each a count with its own FILTER), not four.
    expect(subjectFlow.buildQueries(SDTM)).toEqual({
      stages: {
        ...base,
        measures: [
          { ...subjects('DM'), as: 'screened' },
          { ...subjects('DM'), as: 'screenFailures', where: [{ column: DM('ARMCD'), op: 'in', value: SF }] },
          { ...subjects('DM'), as: 'enrolled', where: [enrolled] },
          { ...subjects('DM'), as: 'treated', where: [enrolled, { column: DM('RFXSTDTC'), op: 'notnull' }] },
        ],
      },
      outcomes: {
        from: 'DM',
        joins: [{ dataset: 'DS', kind: 'left', on: [{ left: DM('USUBJID'), right: 'USUBJID' }] }],
        where: [enrolled, { column: DS('DSCAT'), op: 'eq', value: 'DISPOSITION EVENT' }],
        exists: [],
        groupBy: [
          { column: DS('DSDECOD'), as: 'outcome' },
          { column: DS('DSDECOD'), as: 'reason' },
        ],
        measures: [
          { ...subjects('DM'), as: 'treated', where: [{ column: DM('RFXSTDTC'), op: 'notnull' }] },
          { ...subjects('DM'), as: 'not_treated', where: [{ column: DM('RFXSTDTC'), op: 'null' }] },
        ],
      },
    });
  });

  it('ADaM: no screen failures to tell; EOSSTT with DCSREAS as the reason', () => {
    const queries = subjectFlow.buildQueries(ADAM);
    expect(Object.keys(queries)).toEqual(['stages', 'outcomes']);
    expect(queries.stages?.measures?.map((m) => m.as)).toEqual(['screened', 'screenFailures', 'enrolled', 'treated']);
    expect(queries.stages?.measures?.[2]?.where).toEqual([{ column: ADSL('TRT01A'), op: 'nin', value: SF }]);
    expect(queries.outcomes).toMatchObject({
      joins: [],
      where: [{ column: ADSL('TRT01A'), op: 'nin', value: SF }],
      groupBy: [
        { column: ADSL('EOSSTT'), as: 'outcome' },
        { column: ADSL('DCSREAS'), as: 'reason' },
      ],
    });
  });
});

const one = (value: number): QueryResult => ({
  columns: [{ name: 'subjects', type: 'integer' }],
  rows: [[value]],
  truncated: false,
});
const outcomes = (columns: string[], rows: unknown[][]): QueryResult => ({
  columns: columns.map((name) => ({ name, type: 'string' })),
  rows,
  truncated: false,
});

describe('subject-flow links', () => {
  it('SDTM demo: screened → screen failure / enrolled → treated → completed / discontinued by reason / ongoing', () => {
    const table = subjectFlow.toTable(
      {
        screened: one(120),
        screenFailures: one(20),
        enrolled: one(100),
        treated: one(97),
        outcomes: outcomes(
          ['outcome', 'reason', 'treated', 'not_treated'],
          [
            ['COMPLETED', 'COMPLETED', 70, 0],
            ['ADVERSE EVENT', 'ADVERSE EVENT', 10, 0],
            ['WITHDRAWAL BY SUBJECT', 'WITHDRAWAL BY SUBJECT', 12, 3],
          ],
        ),
      },
      SDTM,
    );
    expect(table.columns.map((c) => c.name)).toEqual(['from', 'to', 'subjects']);
    expect(table.rows).toEqual([
      [null, 'Screened', 120],
      ['Screened', 'Screen failure', 20],
      ['Screened', 'Enrolled', 100],
      ['Enrolled', 'Treated', 97],
      ['Enrolled', 'Not treated', 3],
      ['Treated', 'Completed', 70],
      ['Treated', 'Discontinued', 22],
      ['Treated', 'Ongoing', 5],
      ['Not treated', 'Discontinued', 3],
      ['Discontinued', 'WITHDRAWAL BY SUBJECT', 15],
      ['Discontinued', 'ADVERSE EVENT', 10],
    ]);
  });

  it('reads the stage counts from the one stages query as from four', () => {
    const stages: QueryResult = {
      columns: ['screened', 'screenFailures', 'enrolled'].map((name) => ({ name, type: 'integer' as const })),
      rows: [[120, 20, 100]],
      truncated: false,
    };
    const apart = subjectFlow.toTable({ screened: one(120), screenFailures: one(20), enrolled: one(100) }, SDTM);
    expect(subjectFlow.toTable({ stages }, SDTM).rows).toEqual(apart.rows);
    // Treated is not counted (no first-dose date): it stays out, as when its query was missing.
    expect(apart.rows).toEqual([
      [null, 'Screened', 120],
      ['Screened', 'Screen failure', 20],
      ['Screened', 'Enrolled', 100],
    ]);
  });

  const options = subjectFlow.options.parse({});
  it.each<{ name: string; counts: Parameters<typeof flowLinks>[0]; links: FlowLink[] }>([
    {
      name: 'without a screen-failure marker or dates: screened only',
      counts: { screened: 50, screenFailures: null, enrolled: null, treated: null, outcomes: undefined },
      links: [[null, 'Screened', 50]],
    },
    {
      name: 'enrolled as screened − screen failures; milestones and blanks are no outcome',
      counts: {
        screened: 50,
        screenFailures: 10,
        enrolled: null,
        treated: null,
        outcomes: outcomes(
          ['outcome', 'subjects'],
          [
            ['INFORMED CONSENT OBTAINED', 40],
            ['RANDOMIZED', 40],
            ['COMPLETED', 30],
            ['LOST TO FOLLOW-UP', 4],
            ['', 1],
          ],
        ),
      },
      links: [
        [null, 'Screened', 50],
        ['Screened', 'Screen failure', 10],
        ['Screened', 'Enrolled', 40],
        ['Enrolled', 'Completed', 30],
        ['Enrolled', 'Discontinued', 4],
        ['Enrolled', 'Ongoing', 6],
        ['Discontinued', 'LOST TO FOLLOW-UP', 4],
      ],
    },
    {
      name: 'subjects neither enrolled nor screen failures (still screening), a reason named like a stage',
      counts: {
        screened: 50,
        screenFailures: 5,
        enrolled: 40,
        treated: null,
        outcomes: outcomes(
          ['outcome', 'reason', 'subjects'],
          [
            ['DISCONTINUED', 'Completed', 2],
            ['ONGOING', null, 38],
          ],
        ),
      },
      links: [
        [null, 'Screened', 50],
        ['Screened', 'Screen failure', 5],
        ['Screened', 'Enrolled', 40],
        ['Screened', 'Not enrolled', 5],
        ['Enrolled', 'Discontinued', 2],
        ['Enrolled', 'Ongoing', 38],
        ['Discontinued', 'Completed (reason)', 2],
      ],
    },
    {
      name: 'outcomes in any case or padded with blanks are the same terms (Completed, ongoing )',
      counts: {
        screened: 10,
        screenFailures: 0,
        enrolled: 10,
        treated: null,
        outcomes: outcomes(
          ['outcome', 'subjects'],
          [
            ['Completed', 6],
            ['ongoing ', 3],
            ['Adverse Event', 1],
          ],
        ),
      },
      links: [
        [null, 'Screened', 10],
        ['Screened', 'Enrolled', 10],
        ['Enrolled', 'Completed', 6],
        ['Enrolled', 'Discontinued', 1],
        ['Enrolled', 'Ongoing', 3],
        ['Discontinued', 'Adverse Event', 1],
      ],
    },
  ])('$name', ({ counts, links }) => {
    expect(flowLinks(counts, options)).toEqual(links);
  });
});

describe('subject-flow charts', () => {
  const table = {
    columns: [
      { name: 'from', label: 'From', type: 'string' as const },
      { name: 'to', label: 'To', type: 'string' as const },
      { name: 'subjects', label: 'Subjects', type: 'integer' as const },
    ],
    rows: [
      [null, 'Screened', 120],
      ['Screened', 'Screen failure', 20],
      ['Screened', 'Enrolled', 100],
      ['Enrolled', 'Completed', 80],
      ['Enrolled', 'Discontinued', 20],
      ['Discontinued', 'ADVERSE EVENT', 12],
      ['Discontinued', 'WITHDRAWAL BY SUBJECT', 8],
    ],
  };

  it('sankey: a node per stage and reason, links in subjects, plain JSON', () => {
    const chart = subjectFlow.toChartOption?.(table, subjectFlow.options.parse({})) ?? {};
    expect(JSON.parse(JSON.stringify(chart))).toEqual(chart);
    const [series] = chart.series as Array<{ type: string; data: Array<{ name: string }>; links: unknown[] }>;
    expect(series?.type).toBe('sankey');
    expect(series?.data.map((node) => node.name)).toEqual([
      'Screened',
      'Screen failure',
      'Enrolled',
      'Completed',
      'Discontinued',
      'ADVERSE EVENT',
      'WITHDRAWAL BY SUBJECT',
    ]);
    expect(series?.links).toEqual([
      { source: 'Screened', target: 'Screen failure', value: 20 },
      { source: 'Screened', target: 'Enrolled', value: 100 },
      { source: 'Enrolled', target: 'Completed', value: 80 },
      { source: 'Enrolled', target: 'Discontinued', value: 20 },
      { source: 'Discontinued', target: 'ADVERSE EVENT', value: 12 },
      { source: 'Discontinued', target: 'WITHDRAWAL BY SUBJECT', value: 8 },
    ]);
  });

  it('consort: boxes by level, the main path on the left, reasons inside the Discontinued box', () => {
    const chart = subjectFlow.toChartOption?.(table, subjectFlow.options.parse({ style: 'consort' })) ?? {};
    expect(JSON.parse(JSON.stringify(chart))).toEqual(chart);
    const [series] = chart.series as Array<{ type: string; data: Array<Record<string, unknown>>; links: unknown[] }>;
    expect(series?.type).toBe('graph');
    expect(
      series?.data.map((node) => [node.name, node.x, node.y, (node.label as { formatter: string }).formatter]),
    ).toEqual([
      ['Screened', 0, 0, 'Screened\nn = 120'],
      ['Screen failure', 240, 110, 'Screen failure\nn = 20'],
      ['Enrolled', 0, 110, 'Enrolled\nn = 100'],
      ['Completed', 0, 220, 'Completed\nn = 80'],
      ['Discontinued', 240, 220, 'Discontinued\nn = 20\nADVERSE EVENT: 12\nWITHDRAWAL BY SUBJECT: 8'],
    ]);
    expect(series?.links).toEqual([
      { source: 'Screened', target: 'Screen failure' },
      { source: 'Screened', target: 'Enrolled' },
      { source: 'Enrolled', target: 'Completed' },
      { source: 'Enrolled', target: 'Discontinued' },
    ]);
  });
});
