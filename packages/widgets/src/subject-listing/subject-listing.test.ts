import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { subjectListing } from './index.ts';
import { listingSpec } from './listing-spec.ts';

type Options = typeof subjectListing.defaultOptions;
const ADSL = (column: string) => ({ dataset: 'ADSL', column });
const ADAE = (column: string) => ({ dataset: 'ADAE', column });

function context(
  options: Partial<Options> = {},
  overrides: Partial<WidgetContext<Options>> = {},
): WidgetContext<Options> {
  return {
    dataset: 'ADSL',
    population: 'ADSL',
    fields: { subject_id: ADSL('USUBJID'), age: ADSL('AGE'), arm: ADSL('TRT01A'), site: ADSL('SITEID') },
    filters: [],
    options: subjectListing.options.parse(options),
    ...overrides,
  };
}

describe('subject-listing queries', () => {
  const select = [
    { column: ADSL('USUBJID'), as: 'subject_id' },
    { column: ADSL('SITEID'), as: 'site' },
    { column: ADSL('TRT01A'), as: 'arm' },
    { column: ADSL('AGE'), as: 'age' },
  ];
  it.each([
    { options: {}, orderBy: [{ key: 'subject_id', dir: 'asc' }], limit: 50 },
    {
      options: { sortBy: 'age' as const, sortDir: 'desc' as const, pageSize: 10 },
      orderBy: [
        { key: 'age', dir: 'desc' },
        { key: 'subject_id', dir: 'asc' },
      ],
      limit: 10,
    },
    { options: { sortBy: 'race' as const }, orderBy: [{ key: 'subject_id', dir: 'asc' }], limit: 50 },
  ])('mapped fields in listing order, sorted by $options.sortBy', ({ options, orderBy, limit }) => {
    expect(subjectListing.buildQueries(context(options))).toEqual({
      subjects: {
        from: 'ADSL',
        joins: [],
        where: [],
        exists: [],
        select,
        distinct: true,
        orderBy,
        offset: 0,
        limit,
        withTotal: true,
      },
    });
  });

  it('drill-down pages through subjects, an AE filter as a semi-join', () => {
    const ctx = context({}, { filters: [{ column: ADAE('AEDECOD'), op: 'eq', value: 'NAUSEA' }] });
    expect(listingSpec(ctx, { offset: 200, limit: 100 })).toMatchObject({
      offset: 200,
      limit: 100,
      exists: [
        {
          dataset: 'ADAE',
          on: [{ left: ADSL('USUBJID'), right: 'USUBJID' }],
          where: [{ column: ADAE('AEDECOD'), op: 'eq', value: 'NAUSEA' }],
        },
      ],
    });
  });
});

describe('subject-listing table', () => {
  it('each column is a dimension named by its field', () => {
    const subjects: QueryResult = {
      columns: [
        { name: 'subject_id', type: 'string' },
        { name: 'age', type: 'integer' },
      ],
      rows: [
        ['01-701-1015', 63],
        ['01-701-1023', 64],
      ],
      total: 254,
      truncated: false,
    };
    expect(subjectListing.toTable({ subjects }, context())).toEqual({
      columns: [
        { name: 'subject_id', label: 'Subject', type: 'string', field: 'subject_id' },
        { name: 'age', label: 'Age', type: 'integer', field: 'age' },
      ],
      rows: subjects.rows,
      total: 254,
    });
  });
});
