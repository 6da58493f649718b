import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { seriousAes } from './index.ts';

type Options = typeof seriousAes.defaultOptions;
const AE = (column: string) => ({ dataset: 'AE', column });
const ADAE = (column: string) => ({ dataset: 'ADAE', column });

function context(
  dataset: string,
  fields: WidgetContext<Options>['fields'],
  options: Partial<Options> = {},
): WidgetContext<Options> {
  return {
    dataset,
    population: dataset === 'AE' ? 'DM' : 'ADSL',
    fields,
    filters: [],
    options: seriousAes.options.parse(options),
  };
}

describe('serious-aes queries', () => {
  it.each([
    {
      name: 'SDTM: AESER = Y',
      ctx: context('AE', { subject_id: AE('USUBJID'), ae_serious: AE('AESER') }),
      where: [{ column: AE('AESER'), op: 'in', value: ['Y'] }],
    },
    {
      name: 'ADaM: serious and treatment-emergent',
      ctx: context('ADAE', {
        subject_id: ADAE('USUBJID'),
        ae_serious: ADAE('AESER'),
        ae_treatment_emergent: ADAE('TRTEMFL'),
      }),
      where: [
        { column: ADAE('AESER'), op: 'in', value: ['Y'] },
        { column: ADAE('TRTEMFL'), op: 'eq', value: 'Y' },
      ],
    },
    {
      name: 'other coding of seriousness',
      ctx: context('AE', { subject_id: AE('USUBJID'), ae_serious: AE('AESER') }, { seriousValues: ['Y', 'YES'] }),
      where: [{ column: AE('AESER'), op: 'in', value: ['Y', 'YES'] }],
    },
  ])('$name', ({ ctx, where }) => {
    const { total } = seriousAes.buildQueries(ctx);
    expect(total).toEqual({
      from: ctx.dataset,
      joins: [],
      where,
      exists: [],
      measures: [
        { op: 'count', as: 'events' },
        { op: 'count_distinct', column: { dataset: ctx.dataset, column: 'USUBJID' }, as: 'subjects' },
      ],
    });
    expect(seriousAes.drillFilters?.(ctx)).toEqual(where);
  });
});

describe('serious-aes table', () => {
  it('serious events, and subjects with one as the comparison', () => {
    const total: QueryResult = {
      columns: [
        { name: 'events', type: 'integer' },
        { name: 'subjects', type: 'integer' },
      ],
      rows: [[12, 9]],
      truncated: false,
    };
    const table = seriousAes.toTable({ total }, context('AE', { subject_id: AE('USUBJID'), ae_serious: AE('AESER') }));
    expect(table.metric).toEqual({
      value: 12,
      format: 'integer',
      comparison: { label: 'Subjects with ≥1 serious AE', value: 9 },
    });
    expect(table.columns).toEqual([
      { name: 'value', label: 'Serious adverse events', type: 'integer' },
      { name: 'comparison', label: 'Subjects with ≥1 serious AE', type: 'number' },
    ]);
  });
});
