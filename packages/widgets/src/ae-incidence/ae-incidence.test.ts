import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { aeIncidence } from './index.ts';

type Options = typeof aeIncidence.defaultOptions;

const ADAE = (column: string) => ({ dataset: 'ADAE', column });
const ADSL = (column: string) => ({ dataset: 'ADSL', column });
const AE = (column: string) => ({ dataset: 'AE', column });
const DM = (column: string) => ({ dataset: 'DM', column });

/** The CDISC pilot as the mapping suggests it: ADSL copies in ADAE are mapped bare. */
const ADAM_FIELDS = {
  subject_id: ADAE('USUBJID'),
  arm: ADSL('TRT01A'),
  ae_body_system: ADAE('AEBODSYS'),
  ae_term: ADAE('AEDECOD'),
  ae_treatment_emergent: ADAE('TRTEMFL'),
  population_flag: ADAE('SAFFL'),
  treatment_start: ADAE('TRTSDT'),
};

function context(
  overrides: Omit<Partial<WidgetContext<Options>>, 'options'> & { options?: Partial<Options> } = {},
): WidgetContext<Options> {
  return {
    dataset: 'ADAE',
    population: 'ADSL',
    fields: ADAM_FIELDS,
    filters: [],
    ...overrides,
    options: aeIncidence.options.parse(overrides.options ?? {}),
  };
}

const EXCLUDED = ['Screen Failure', 'SCRNFAIL', 'Not Assigned', 'NOTASSGN', 'Not Treated', 'NOTTRT'];
const joinAdsl = { dataset: 'ADSL', kind: 'left', on: [{ left: ADAE('USUBJID'), right: 'USUBJID' }] };

describe('ae-incidence queries', () => {
  it('ADaM: denominators from ADSL (its own SAFFL and TRTSDT, not the ADAE copies), events from ADAE joined to ADSL', () => {
    const queries = aeIncidence.buildQueries(context());
    const population = [
      { column: ADSL('SAFFL'), op: 'eq', value: 'Y' },
      { column: ADSL('TRTSDT'), op: 'notnull' },
      { column: ADSL('TRT01A'), op: 'nin', value: EXCLUDED },
    ];
    expect(queries.denominators).toEqual({
      from: 'ADSL',
      joins: [],
      where: population,
      exists: [],
      groupBy: [{ column: ADSL('TRT01A'), as: 'arm' }],
      measures: [{ op: 'count_distinct', column: ADSL('USUBJID'), as: 'subjects' }],
    });
    const events = {
      from: 'ADAE',
      joins: [joinAdsl],
      where: [...population, { column: ADAE('TRTEMFL'), op: 'eq', value: 'Y' }],
      exists: [],
    };
    const measures = [
      { op: 'count_distinct', column: ADAE('USUBJID'), as: 'subjects' },
      { op: 'count', as: 'events' },
    ];
    const byArm = { column: ADSL('TRT01A'), as: 'arm' };
    const bySoc = { column: ADAE('AEBODSYS'), as: 'soc' };
    const byTerm = { column: ADAE('AEDECOD'), as: 'term' };
    expect(queries.any).toEqual({ ...events, groupBy: [byArm], measures });
    expect(queries.soc).toEqual({ ...events, groupBy: [byArm, bySoc], measures });
    expect(queries.pt).toEqual({ ...events, groupBy: [byArm, bySoc, byTerm], measures });
    expect(queries.anyTotal).toEqual({ ...events, measures });
    expect(queries.ptTotal).toEqual({ ...events, groupBy: [bySoc, byTerm], measures });
    expect(queries.denominatorTotal).toEqual({ ...queries.denominators, groupBy: undefined });
    expect(aeIncidence.drillFilters?.(context())).toEqual(events.where);
  });

  it.each([
    {
      name: 'an AE filter narrows the events, never the denominators',
      ctx: context({
        fields: { ...ADAM_FIELDS, population_flag: undefined, treatment_start: undefined },
        options: { excludeArms: [] },
        filters: [
          { column: ADAE('AESER'), op: 'eq', value: 'Y' },
          { column: ADSL('SEX'), op: 'eq', value: 'F' },
        ],
      }),
      denominators: [{ column: ADSL('SEX'), op: 'eq', value: 'F' }],
      events: [
        { column: ADAE('AESER'), op: 'eq', value: 'Y' },
        { column: ADSL('SEX'), op: 'eq', value: 'F' },
        { column: ADAE('TRTEMFL'), op: 'eq', value: 'Y' },
      ],
    },
    {
      name: 'SDTM: DM arm, treated subjects by RFXSTDTC, no TE flag',
      ctx: context({
        dataset: 'AE',
        population: 'DM',
        fields: {
          subject_id: AE('USUBJID'),
          arm: DM('ACTARM'),
          ae_body_system: AE('AEBODSYS'),
          ae_term: AE('AEDECOD'),
          treatment_start: DM('RFXSTDTC'),
        },
        options: { excludeArms: [] },
      }),
      denominators: [{ column: DM('RFXSTDTC'), op: 'notnull' }],
      events: [{ column: DM('RFXSTDTC'), op: 'notnull' }],
    },
    {
      name: 'options off: every event of every subject',
      ctx: context({
        options: { excludeArms: [], treatedOnly: false, populationFlag: false, treatmentEmergentOnly: false },
      }),
      denominators: [],
      events: [],
    },
  ])('$name', ({ ctx, denominators, events }) => {
    const queries = aeIncidence.buildQueries(ctx);
    expect(queries.denominators?.where).toEqual(denominators);
    expect(queries.pt?.where).toEqual(events);
  });

  it('events count under the treatment at the event when event_arm is mapped', () => {
    const queries = aeIncidence.buildQueries(
      context({ fields: { ...ADAM_FIELDS, event_arm: ADAE('TRTA') }, options: { showTotal: false } }),
    );
    expect(queries.soc?.groupBy?.[0]).toEqual({ column: ADAE('TRTA'), as: 'arm' });
    expect(queries.denominators?.groupBy).toEqual([{ column: ADSL('TRT01A'), as: 'arm' }]);
    expect(queries.soc?.where).toContainEqual({ column: ADAE('TRTA'), op: 'nin', value: EXCLUDED });
    expect(Object.keys(queries)).toEqual(['denominators', 'any', 'soc', 'pt']);
  });
});

function result(columns: string[], rows: unknown[][]): QueryResult {
  return { columns: columns.map((name) => ({ name, type: 'string' })), rows, truncated: false };
}

describe('ae-incidence table', () => {
  const GI = 'GASTROINTESTINAL DISORDERS';
  const SKIN = 'SKIN AND SUBCUTANEOUS TISSUE DISORDERS';
  const results = {
    denominators: result(
      ['arm', 'subjects'],
      [
        ['Placebo', 50],
        ['Xanomeline', 40],
      ],
    ),
    denominatorTotal: result(['subjects'], [[90]]),
    any: result(
      ['arm', 'subjects', 'events'],
      [
        ['Placebo', 20, 31],
        ['Xanomeline', 30, 60],
        [null, 1, 2],
      ],
    ),
    anyTotal: result(['subjects', 'events'], [[50, 91]]),
    soc: result(
      ['arm', 'soc', 'subjects', 'events'],
      [
        ['Placebo', GI, 10, 12],
        ['Xanomeline', GI, 5, 6],
        ['Placebo', SKIN, 4, 4],
        ['Xanomeline', SKIN, 20, 40],
      ],
    ),
    socTotal: result(
      ['soc', 'subjects', 'events'],
      [
        [GI, 15, 18],
        [SKIN, 24, 44],
      ],
    ),
    pt: result(
      ['arm', 'soc', 'term', 'subjects', 'events'],
      [
        ['Placebo', GI, 'NAUSEA', 8, 9],
        ['Xanomeline', GI, 'NAUSEA', 2, 2],
        ['Placebo', GI, 'VOMITING', 1, 3],
        ['Xanomeline', GI, 'VOMITING', 1, 1],
        ['Placebo', SKIN, 'PRURITUS', 4, 4],
        ['Xanomeline', SKIN, 'PRURITUS', 20, 40],
      ],
    ),
    ptTotal: result(
      ['soc', 'term', 'subjects', 'events'],
      [
        [GI, 'NAUSEA', 10, 11],
        [GI, 'VOMITING', 2, 4],
        [SKIN, 'PRURITUS', 24, 44],
      ],
    ),
  };

  it('Any AE, then body systems by frequency, each followed by its terms; n and % of the arm per arm and in total', () => {
    const table = aeIncidence.toTable(results, context());
    expect(table.columns.map((c) => [c.name, c.label, c.field ?? null])).toEqual([
      ['label', 'Body system / preferred term', null],
      ['ae_body_system', 'System organ class', 'ae_body_system'],
      ['ae_term', 'Preferred term', 'ae_term'],
      ['arm1_n', 'Placebo (N=50): n', null],
      ['arm1_pct', 'Placebo (N=50): %', null],
      ['arm2_n', 'Xanomeline (N=40): n', null],
      ['arm2_pct', 'Xanomeline (N=40): %', null],
      ['total_n', 'Total (N=90): n', null],
      ['total_pct', 'Total (N=90): %', null],
    ]);
    expect(table.rows).toEqual([
      ['Any adverse event', null, null, 20, 40, 30, 75, 50, 55.6],
      [SKIN, SKIN, null, 4, 8, 20, 50, 24, 26.7],
      ['PRURITUS', SKIN, 'PRURITUS', 4, 8, 20, 50, 24, 26.7],
      [GI, GI, null, 10, 20, 5, 12.5, 15, 16.7],
      ['NAUSEA', GI, 'NAUSEA', 8, 16, 2, 5, 10, 11.1],
      ['VOMITING', GI, 'VOMITING', 1, 2, 1, 2.5, 2, 2.2],
    ]);
    expect(table.notes).toEqual(['2 events of subjects outside the arms shown are counted in Total only']);
  });

  it.each([
    {
      name: 'alphabetical, with events, no total',
      options: { sort: 'alphabetical' as const, showEvents: true, showTotal: false },
      columns: [
        'label',
        'ae_body_system',
        'ae_term',
        'arm1_n',
        'arm1_pct',
        'arm1_events',
        'arm2_n',
        'arm2_pct',
        'arm2_events',
      ],
      rows: [
        ['Any adverse event', null, null, 20, 40, 31, 30, 75, 60],
        [GI, GI, null, 10, 20, 12, 5, 12.5, 6],
        ['NAUSEA', GI, 'NAUSEA', 8, 16, 9, 2, 5, 2],
        ['VOMITING', GI, 'VOMITING', 1, 2, 3, 1, 2.5, 1],
        [SKIN, SKIN, null, 4, 8, 4, 20, 50, 40],
        ['PRURITUS', SKIN, 'PRURITUS', 4, 8, 4, 20, 50, 40],
      ],
      notes: ['2 events of subjects outside the arms shown are left out'],
    },
    {
      name: 'terms under 5% in every arm hidden, body system kept with its full counts',
      options: { minPercent: 5, showTotal: false, armOrder: ['Xanomeline'] },
      columns: ['label', 'ae_body_system', 'ae_term', 'arm1_n', 'arm1_pct', 'arm2_n', 'arm2_pct'],
      rows: [
        ['Any adverse event', null, null, 30, 75, 20, 40],
        [SKIN, SKIN, null, 20, 50, 4, 8],
        ['PRURITUS', SKIN, 'PRURITUS', 20, 50, 4, 8],
        [GI, GI, null, 5, 12.5, 10, 20],
        ['NAUSEA', GI, 'NAUSEA', 2, 5, 8, 16],
      ],
      notes: [
        '1 preferred term below 5% in every arm hidden; body-system counts include them',
        '2 events of subjects outside the arms shown are left out',
      ],
    },
  ])('$name', ({ options, columns, rows, notes }) => {
    const table = aeIncidence.toTable(results, context({ options }));
    expect(table.columns.map((c) => c.name)).toEqual(columns);
    expect(table.rows).toEqual(rows);
    expect(table.notes).toEqual(notes);
  });

  it('shows zeros when no subject had an event', () => {
    const table = aeIncidence.toTable(
      { denominators: results.denominators, denominatorTotal: results.denominatorTotal },
      context(),
    );
    expect(table.rows).toEqual([['Any adverse event', null, null, 0, 0, 0, 0, 0, 0]]);
    expect(table.notes).toBeUndefined();
  });
});
