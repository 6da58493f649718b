import type { DashboardDocument } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { defaultKind, mappedFields } from './dashboard-filters.ts';

const widget = (mapping: Record<string, string>) => ({
  type: 'bar',
  title: 'w',
  optionsVersion: 1,
  options: {},
  data: { dataset: 'AE', mapping, filters: [] },
});

describe('dashboard filters in the builder', () => {
  it.each([
    ['age', 'age-group'],
    ['enrollment_date', 'date-range'],
    ['date', 'date-range'],
    ['arm', 'multi'],
    ['ae_serious', 'multi'],
  ])('a filter on %s starts as %s', (field, kind) => {
    expect(defaultKind(field)).toBe(kind);
  });

  it('offers the fields the widgets map, not the chart-drawing ones', () => {
    const document = {
      schemaVersion: 2,
      filters: [],
      pages: [
        {
          id: 'p',
          title: 'P',
          layout: [],
          widgets: {
            a: widget({ subject_id: 'USUBJID', category: 'AEBODSYS', arm: 'DM.ARM' }),
            b: widget({ ae_serious: 'AESER', arm: 'DM.ARM', value: 'AGE' }),
          },
        },
      ],
    } as unknown as DashboardDocument;
    expect(mappedFields(document)).toEqual(['ae_serious', 'arm']);
  });
});
