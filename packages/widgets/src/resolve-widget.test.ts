import type { WidgetDefinition } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { type DatasetLookup, resolveWidget } from './resolve-widget.ts';
import { AE, DM } from './testing.ts';

const data: DatasetLookup = (name) => [AE, DM].find((d) => d.name === name.toUpperCase());

function totalAes(mapping: Record<string, string>, dataset = 'AE'): WidgetDefinition {
  return {
    type: 'total-aes',
    title: 'AEs',
    optionsVersion: 1,
    options: {},
    data: { dataset, mapping, filters: [] },
  } as WidgetDefinition;
}

describe('resolveWidget', () => {
  it.each([
    {
      name: 'a fully mapped widget resolves, names as stored',
      widget: totalAes({ subject_id: 'usubjid', arm: 'DM.ARM' }),
      problem: null,
      fields: { subject_id: { dataset: 'AE', column: 'USUBJID' }, arm: { dataset: 'DM', column: 'ARM' } },
    },
    {
      name: 'an unknown dataset blocks it',
      widget: totalAes({ subject_id: 'USUBJID' }, 'ADAE'),
      problem: 'The active data has no dataset ADAE.',
      fields: null,
    },
    {
      name: 'a missing required field blocks it',
      widget: totalAes({}),
      problem: 'Map Subject to a column.',
      fields: null,
    },
    {
      name: 'another dataset is only joined once the subject is mapped',
      widget: totalAes({ arm: 'DM.ARM' }),
      problem: 'Map Subject to a column.',
      fields: null,
    },
  ])('$name', ({ widget, problem, fields }) => {
    const resolved = resolveWidget(widget, data);
    expect(resolved.problem).toBe(problem);
    expect(resolved.ctx?.fields ?? null).toEqual(fields);
  });

  it('applies a dashboard filter through the mapping and reports the ones it cannot', () => {
    const resolved = resolveWidget(totalAes({ subject_id: 'USUBJID', arm: 'DM.ARM' }), data, [
      { field: 'arm', op: 'eq', value: 'Placebo' },
      { field: 'site', op: 'eq', value: '701' },
    ]);
    expect(resolved.applied).toEqual(['arm']);
    expect(resolved.ignored).toEqual(['site']);
    expect(resolved.ctx?.filters).toContainEqual({
      column: { dataset: 'DM', column: 'ARM' },
      op: 'eq',
      value: 'Placebo',
    });
  });
});

describe('resolveWidget: visits in time on widgets saved without a Category order', () => {
  const LB = {
    name: 'LB',
    label: 'Laboratory Test Results',
    columns: [
      { name: 'USUBJID', label: null, type: 'string' as const },
      { name: 'VISIT', label: null, type: 'string' as const },
      { name: 'VISITNUM', label: null, type: 'number' as const },
      { name: 'LBSTRESN', label: null, type: 'number' as const },
      { name: 'LBTEST', label: null, type: 'string' as const },
    ],
  };
  const lab: DatasetLookup = (name) => [LB, DM].find((d) => d.name === name.toUpperCase());
  const widget = (type: string, mapping: Record<string, string>) =>
    ({
      type,
      title: 'ALT by visit',
      optionsVersion: 1,
      options: {},
      data: { dataset: 'LB', mapping, filters: [] },
    }) as WidgetDefinition;

  it.each([
    {
      name: 'a box plot over VISIT is ordered by VISITNUM',
      widget: widget('box-plot', { subject_id: 'USUBJID', value: 'LBSTRESN', category: 'VISIT' }),
      order: { dataset: 'LB', column: 'VISITNUM' },
    },
    {
      name: 'a bar chart over VISIT too',
      widget: widget('bar', { subject_id: 'USUBJID', category: 'VISIT' }),
      order: { dataset: 'LB', column: 'VISITNUM' },
    },
    {
      name: 'a Category order the author chose is kept',
      widget: widget('box-plot', {
        subject_id: 'USUBJID',
        value: 'LBSTRESN',
        category: 'VISIT',
        category_order: 'LBSTRESN',
      }),
      order: { dataset: 'LB', column: 'LBSTRESN' },
    },
    {
      name: 'categories that are not visits get no order',
      widget: widget('box-plot', { subject_id: 'USUBJID', value: 'LBSTRESN', category: 'LBTEST' }),
      order: undefined,
    },
  ])('$name', ({ widget: definition, order }) => {
    const resolved = resolveWidget(definition, lab);
    expect(resolved.problem).toBeNull();
    expect(resolved.ctx?.fields.category_order).toEqual(order);
  });
});
