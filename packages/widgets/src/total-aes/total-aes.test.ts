import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { totalAes } from './index.ts';

type Options = typeof totalAes.defaultOptions;
const ADAE = (column: string) => ({ dataset: 'ADAE', column });

function context(fields: WidgetContext<Options>['fields'], options: Partial<Options> = {}): WidgetContext<Options> {
  return {
    dataset: 'ADAE',
    population: 'ADSL',
    fields: { subject_id: ADAE('USUBJID'), ...fields },
    filters: [{ column: { dataset: 'ADSL', column: 'SEX' }, op: 'eq', value: 'F' }],
    options: totalAes.options.parse(options),
  };
}

const sexFilter = { column: { dataset: 'ADSL', column: 'SEX' }, op: 'eq', value: 'F' };
const joinAdsl = { dataset: 'ADSL', kind: 'left', on: [{ left: ADAE('USUBJID'), right: 'USUBJID' }] };
const measures = [
  { op: 'count', as: 'events' },
  { op: 'count_distinct', column: ADAE('USUBJID'), as: 'subjects' },
];

describe('total-aes queries', () => {
  it.each([
    {
      name: 'treatment-emergent events (TRTEMFL mapped), per month of onset',
      ctx: context({ ae_treatment_emergent: ADAE('TRTEMFL'), ae_start_date: ADAE('ASTDT') }),
      where: [sexFilter, { column: ADAE('TRTEMFL'), op: 'eq', value: 'Y' }],
      trend: true,
    },
    { name: 'all events when the flag is not mapped (SDTM AE)', ctx: context({}), where: [sexFilter], trend: false },
    {
      name: 'all events when the option is off',
      ctx: context({ ae_treatment_emergent: ADAE('TRTEMFL') }, { treatmentEmergentOnly: false }),
      where: [sexFilter],
      trend: false,
    },
  ])('$name', ({ ctx, where, trend }) => {
    const queries = totalAes.buildQueries(ctx);
    const spec = { from: 'ADAE', joins: [joinAdsl], where, exists: [] };
    expect(queries.total).toEqual({ ...spec, measures });
    expect(queries.trend).toEqual(
      trend
        ? {
            ...spec,
            groupBy: [{ column: ADAE('ASTDT'), as: 'period', bucket: 'month' }],
            measures: [{ op: 'count', as: 'value' }],
          }
        : undefined,
    );
    expect(totalAes.drillFilters?.(ctx)).toEqual(where.slice(1));
  });
});

describe('total-aes table', () => {
  it('events as the value, subjects with an AE as the comparison, events per month as the trend', () => {
    const result = (columns: string[], rows: unknown[][]): QueryResult => ({
      columns: columns.map((name) => ({ name, type: 'integer' })),
      rows,
      truncated: false,
    });
    const table = totalAes.toTable(
      {
        total: result(['events', 'subjects'], [[1191, 217]]),
        trend: result(
          ['period', 'value'],
          [
            ['2013-12-01', 5],
            ['2014-02-01', 7],
          ],
        ),
      },
      context({}),
    );
    expect(table.metric).toEqual({
      value: 1191,
      format: 'integer',
      comparison: { label: 'Subjects with ≥1 AE', value: 217 },
      trend: [
        { period: '2013-12', value: 5 },
        { period: '2014-01', value: 0 },
        { period: '2014-02', value: 7 },
      ],
    });
  });
});
