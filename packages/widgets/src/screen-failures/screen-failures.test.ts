import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { WidgetError } from '../query-helpers.ts';
import type { WidgetContext } from '../types.ts';
import { screenFailures } from './index.ts';

type Options = typeof screenFailures.defaultOptions;
const DM = (column: string) => ({ dataset: 'DM', column });
const DS = (column: string) => ({ dataset: 'DS', column });
const VALUES = ['Screen Failure', 'SCRNFAIL', 'SCREEN FAILURE'];

function context(fields: WidgetContext<Options>['fields'], options: Partial<Options> = {}): WidgetContext<Options> {
  return {
    dataset: 'DM',
    population: 'DM',
    fields: { subject_id: DM('USUBJID'), ...fields },
    filters: [],
    options: screenFailures.options.parse(options),
  };
}

const subjects = { op: 'count_distinct', column: DM('USUBJID'), as: 'subjects' };
const base = { from: 'DM', joins: [], where: [], exists: [] };

describe('screen-failures queries', () => {
  it.each([
    {
      name: 'by the arm (DM ARM)',
      ctx: context({ arm: DM('ARM') }),
      failures: { ...base, where: [{ column: DM('ARM'), op: 'in', value: VALUES }], measures: [subjects] },
    },
    {
      name: 'a marker wins over the arm',
      ctx: context({ arm: DM('ARM'), screen_failure: DM('ARMCD') }, { screenFailureValues: ['SCRNFAIL'] }),
      failures: { ...base, where: [{ column: DM('ARMCD'), op: 'in', value: ['SCRNFAIL'] }], measures: [subjects] },
    },
    {
      name: 'a DS marker applies as a semi-join',
      ctx: context({ screen_failure: DS('DSDECOD') }),
      failures: {
        ...base,
        exists: [
          {
            dataset: 'DS',
            on: [{ left: DM('USUBJID'), right: 'USUBJID' }],
            where: [{ column: DS('DSDECOD'), op: 'in', value: VALUES }],
          },
        ],
        measures: [subjects],
      },
    },
  ])('$name', ({ ctx, failures }) => {
    const queries = screenFailures.buildQueries(ctx);
    expect(queries).toEqual({ screened: { ...base, measures: [subjects] }, failures });
    expect(screenFailures.drillFilters?.(ctx)).toEqual(
      failures.where.length ? failures.where : failures.exists[0]?.where,
    );
  });

  it('trends screen failures by month of screening', () => {
    const queries = screenFailures.buildQueries(context({ arm: DM('ARM'), screening_date: DM('RFICDTC') }));
    expect(queries.trend).toEqual({
      ...base,
      where: [{ column: DM('ARM'), op: 'in', value: VALUES }],
      groupBy: [{ column: DM('RFICDTC'), as: 'period', bucket: 'month' }],
      measures: [{ ...subjects, as: 'value' }],
    });
  });

  it('says what to map when neither arm nor marker is', () => {
    expect(() => screenFailures.buildQueries(context({}))).toThrow(WidgetError);
    expect(() => screenFailures.buildQueries(context({}))).toThrow('map arm (DM ARM) or screen_failure');
  });
});

const result = (name: string, value: unknown): QueryResult => ({
  columns: [{ name, type: 'integer' }],
  rows: [[value]],
  truncated: false,
});

describe('screen-failures table', () => {
  it.each([
    { screened: 200, failed: 37, comparison: 18.5 },
    { screened: 0, failed: 0, comparison: null },
  ])('$failed of $screened screened', ({ screened, failed, comparison }) => {
    const table = screenFailures.toTable(
      { screened: result('subjects', screened), failures: result('subjects', failed) },
      context({ arm: DM('ARM') }),
    );
    expect(table.metric).toEqual({
      value: failed,
      format: 'integer',
      comparison: { label: '% of screened', value: comparison },
    });
    expect(table.columns.map((c) => c.label)).toEqual(['Screen failures', '% of screened']);
    expect(table.rows).toEqual([[failed, comparison]]);
  });
});
