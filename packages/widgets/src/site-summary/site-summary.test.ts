import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { siteSummary } from './index.ts';

type Options = typeof siteSummary.defaultOptions;
const DM = (column: string) => ({ dataset: 'DM', column });
const DS = (column: string) => ({ dataset: 'DS', column });
const AE = (column: string) => ({ dataset: 'AE', column });
const ADSL = (column: string) => ({ dataset: 'ADSL', column });
const ADAE = (column: string) => ({ dataset: 'ADAE', column });

/** The demo study as the mapping suggests it (DM, with DS and AE semi-joined). */
const SDTM: WidgetContext<Options> = {
  dataset: 'DM',
  population: 'DM',
  fields: {
    subject_id: DM('USUBJID'),
    site: DM('SITEID'),
    country: DM('COUNTRY'),
    arm: DM('ARM'),
    screen_failure: DM('ARMCD'),
    enrollment_date: DM('RFSTDTC'),
    disposition: DS('DSDECOD'),
    disposition_category: DS('DSCAT'),
    ae_term: AE('AEDECOD'),
    ae_serious: AE('AESER'),
  },
  filters: [],
  options: siteSummary.options.parse({}),
};

const ADAM: WidgetContext<Options> = {
  dataset: 'ADSL',
  population: 'ADSL',
  fields: {
    subject_id: ADSL('USUBJID'),
    site: ADSL('SITEID'),
    arm: ADSL('TRT01A'),
    disposition: ADSL('DCDECOD'),
    ae_term: ADAE('AEDECOD'),
    ae_serious: ADAE('AESER'),
    ae_treatment_emergent: ADAE('TRTEMFL'),
  },
  filters: [],
  options: siteSummary.options.parse({}),
};

const NOT_DISCONTINUED = [
  'COMPLETED',
  'Screen Failure',
  'SCRNFAIL',
  'SCREEN FAILURE',
  'INFORMED CONSENT OBTAINED',
  'RANDOMIZED',
  'ONGOING',
  '',
];

describe('site-summary queries', () => {
  it('SDTM: counts from DM; AEs and dispositions as semi-joins on AE and DS rows', () => {
    const queries = siteSummary.buildQueries(SDTM);
    const groupBy = [
      { column: DM('SITEID'), as: 'site' },
      { column: DM('COUNTRY'), as: 'country' },
    ];
    const measures = [{ op: 'count_distinct', column: DM('USUBJID'), as: 'subjects' }];
    const base = { from: 'DM', joins: [], where: [], exists: [], groupBy, measures };
    const on = [{ left: DM('USUBJID'), right: 'USUBJID' }];
    const subjects = (as: string, where?: unknown[]) => ({
      op: 'count_distinct',
      column: DM('USUBJID'),
      as,
      ...(where ? { where } : {}),
    });
    // Counts on DM rows share one query (a count with its own FILTER each); AE and DS ones are semi-joins.
    expect(queries).toEqual({
      counts: {
        ...base,
        measures: [
          subjects('screened'),
          subjects('enrolled', [{ column: DM('RFSTDTC'), op: 'notnull' }]),
          subjects('screen_failures', [
            { column: DM('ARMCD'), op: 'in', value: ['Screen Failure', 'SCRNFAIL', 'SCREEN FAILURE'] },
          ]),
        ],
      },
      with_ae: { ...base, exists: [{ dataset: 'AE', on, where: [{ column: AE('USUBJID'), op: 'notnull' }] }] },
      with_sae: {
        ...base,
        exists: [
          {
            dataset: 'AE',
            on,
            where: [
              { column: AE('USUBJID'), op: 'notnull' },
              { column: AE('AESER'), op: 'in', value: ['Y'] },
            ],
          },
        ],
      },
      discontinued: {
        ...base,
        exists: [
          {
            dataset: 'DS',
            on,
            where: [
              { column: DS('DSCAT'), op: 'eq', value: 'DISPOSITION EVENT' },
              { column: DS('DSDECOD'), op: 'notnull' },
              { column: DS('DSDECOD'), op: 'nin', value: NOT_DISCONTINUED },
            ],
          },
        ],
      },
    });
  });

  it('ADaM: enrolled = not a screen-failure arm; DCDECOD in ADSL is a WHERE; treatment-emergent AEs only', () => {
    const queries = siteSummary.buildQueries(ADAM);
    // Everything but the AE counts is on ADSL rows: one query.
    expect(Object.keys(queries)).toEqual(['counts', 'with_ae', 'with_sae']);
    const measure = (as: string) => queries.counts?.measures?.find((m) => m.as === as);
    expect(queries.counts?.measures?.map((m) => m.as)).toEqual([
      'screened',
      'enrolled',
      'screen_failures',
      'discontinued',
    ]);
    expect(measure('enrolled')?.where).toEqual([
      { column: ADSL('TRT01A'), op: 'nin', value: ['Screen Failure', 'SCRNFAIL', 'SCREEN FAILURE'] },
    ]);
    expect(measure('discontinued')?.where).toEqual([
      { column: ADSL('DCDECOD'), op: 'notnull' },
      { column: ADSL('DCDECOD'), op: 'nin', value: NOT_DISCONTINUED },
    ]);
    expect(queries.with_ae?.exists).toEqual([
      {
        dataset: 'ADAE',
        on: [{ left: ADSL('USUBJID'), right: 'USUBJID' }],
        where: [
          { column: ADAE('USUBJID'), op: 'notnull' },
          { column: ADAE('TRTEMFL'), op: 'eq', value: 'Y' },
        ],
      },
    ]);
  });
});

const counts = (rows: unknown[][]): QueryResult => ({
  columns: [
    { name: 'site', type: 'string' },
    { name: 'subjects', type: 'integer' },
  ],
  rows,
  truncated: false,
});

describe('site-summary table', () => {
  const results = {
    screened: counts([
      ['710', 10],
      ['701', 20],
      ['1001', 5],
    ]),
    screen_failures: counts([
      ['701', 4],
      ['1001', 1],
    ]),
    with_ae: counts([['701', 12]]),
    discontinued: counts([['710', 2]]),
  };

  // No enrolled query: enrolled is screened − screen failures.
  it.each([
    {
      sortBy: 'site' as const,
      rows: [
        ['701', 20, 16, 4, 12, 0],
        ['710', 10, 10, 0, 0, 2],
        ['1001', 5, 4, 1, 0, 0],
      ],
    },
    {
      sortBy: 'enrolled' as const,
      rows: [
        ['701', 20, 16, 4, 12, 0],
        ['710', 10, 10, 0, 0, 2],
        ['1001', 5, 4, 1, 0, 0],
      ],
    },
    {
      sortBy: 'discontinued' as const,
      rows: [
        ['710', 10, 10, 0, 0, 2],
        ['701', 20, 16, 4, 12, 0],
        ['1001', 5, 4, 1, 0, 0],
      ],
    },
  ])('one row per site, sorted by $sortBy', ({ sortBy, rows }) => {
    const ctx = { ...ADAM, options: siteSummary.options.parse({ sortBy }) };
    const table = siteSummary.toTable(results, ctx);
    expect(table.columns.map((c) => [c.name, c.label, c.field ?? null])).toEqual([
      ['site', 'Site', 'site'],
      ['screened', 'Screened', null],
      ['enrolled', 'Enrolled', null],
      ['screen_failures', 'Screen failures', null],
      ['with_ae', 'Subjects with AEs', null],
      ['discontinued', 'Discontinued', null],
    ]);
    expect(table.rows).toEqual(rows);
  });

  it('reads the counts on subject rows from the one counts query as from their own queries', () => {
    const together: QueryResult = {
      columns: [
        { name: 'site', type: 'string' },
        { name: 'screened', type: 'integer' },
        { name: 'screen_failures', type: 'integer' },
        { name: 'discontinued', type: 'integer' },
      ],
      rows: [
        ['710', 10, 0, 2],
        ['701', 20, 4, 0],
        ['1001', 5, 1, 0],
      ],
      truncated: false,
    };
    const ctx = { ...ADAM, options: siteSummary.options.parse({}) };
    const merged = siteSummary.toTable({ counts: together, with_ae: results.with_ae }, ctx);
    expect(merged).toEqual(siteSummary.toTable(results, ctx));
    expect(merged.rows).toEqual([
      ['701', 20, 16, 4, 12, 0],
      ['710', 10, 10, 0, 0, 2],
      ['1001', 5, 4, 1, 0, 0],
    ]);
  });
});
