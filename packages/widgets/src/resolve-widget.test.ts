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
