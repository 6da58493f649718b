import type { WidgetDefinition } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import {
  ageBandOf,
  crossFilterPoint,
  describeValue,
  filtersForWidget,
  parseViewFilters,
  togglePoint,
  type ViewFilter,
  widgetSelection,
} from './view-filters.ts';

const arm = (values: (string | null)[], src?: string): ViewFilter => ({
  field: 'arm',
  op: 'in',
  value: values,
  ...(src ? { src } : {}),
});

describe('togglePoint', () => {
  const cases: { name: string; before: ViewFilter[]; point: Record<string, string | null>; after: ViewFilter[] }[] = [
    { name: 'adds an in filter', before: [], point: { arm: 'Placebo' }, after: [arm(['Placebo'], 'w1')] },
    {
      name: 'adds a second value',
      before: [arm(['Placebo'], 'w1')],
      point: { arm: 'Drug' },
      after: [arm(['Placebo', 'Drug'], 'w1')],
    },
    {
      name: 'a second click takes the value out',
      before: [arm(['Placebo', 'Drug'], 'w1')],
      point: { arm: 'Drug' },
      after: [arm(['Placebo'], 'w1')],
    },
    {
      name: 'the last value out removes the filter',
      before: [arm(['Placebo'], 'w1')],
      point: { arm: 'Placebo' },
      after: [],
    },
    {
      name: 'replaces a range filter on the field',
      before: [{ field: 'age', op: 'between', value: [65, 80] }],
      point: { age: 70 } as never,
      after: [{ field: 'age', op: 'in', value: [70], src: 'w1' }],
    },
    { name: 'keeps a missing value', before: [], point: { arm: null }, after: [arm([null], 'w1')] },
    {
      name: "keeps the filter bar's arm filter when a bar of that arm is clicked",
      before: [arm(['Placebo'])],
      point: { ae_body_system: 'GASTROINTESTINAL DISORDERS', arm: 'Placebo' },
      after: [
        arm(['Placebo']),
        { field: 'ae_body_system', op: 'in', value: ['GASTROINTESTINAL DISORDERS'], src: 'w1' },
      ],
    },
    {
      name: "a second click takes out only the click's own filter",
      before: [
        arm(['Placebo']),
        { field: 'ae_body_system', op: 'in', value: ['GASTROINTESTINAL DISORDERS'], src: 'w1' },
      ],
      point: { ae_body_system: 'GASTROINTESTINAL DISORDERS', arm: 'Placebo' },
      after: [arm(['Placebo'])],
    },
    {
      name: "leaves another chart's cross-filter alone",
      before: [arm(['Placebo', 'Drug'], 'pie')],
      point: { arm: 'Drug', ae_term: 'NAUSEA' },
      after: [arm(['Placebo', 'Drug'], 'pie'), { field: 'ae_term', op: 'in', value: ['NAUSEA'], src: 'w1' }],
    },
    {
      name: 'a click on a value the bar already filters to changes nothing',
      before: [arm(['Placebo'])],
      point: { arm: 'Placebo' },
      after: [arm(['Placebo'])],
    },
    {
      name: 'toggles every field of a stacked bar together',
      before: [arm(['Placebo'], 'w1'), { field: 'ae_term', op: 'in', value: ['NAUSEA'], src: 'w1' }],
      point: { arm: 'Placebo', ae_term: 'NAUSEA' },
      after: [],
    },
  ];
  it.each(cases)('$name', ({ before, point, after }) => {
    expect(togglePoint(before, point, 'w1')).toEqual(after);
  });
});

describe('filtersForWidget', () => {
  it('leaves out the cross-filters the widget made, and the src marker', () => {
    const filters = [arm(['Placebo'], 'bars'), { field: 'sex', op: 'in', value: ['F'] } as ViewFilter];
    expect(filtersForWidget(filters, 'bars')).toEqual([{ field: 'sex', op: 'in', value: ['F'] }]);
    expect(filtersForWidget(filters, 'pie')).toEqual([
      { field: 'arm', op: 'in', value: ['Placebo'] },
      { field: 'sex', op: 'in', value: ['F'] },
    ]);
  });
});

describe('parseViewFilters', () => {
  it('keeps valid filters, one per field (the last wins), and drops the rest', () => {
    expect(
      parseViewFilters([
        { field: 'arm', op: 'in', value: ['A'] },
        { field: 'Bad Field', op: 'in', value: ['x'] },
        { field: 'arm', op: 'in', value: ['B'] },
        'nonsense',
        { field: 'age', op: 'like', value: 1 },
      ]),
    ).toEqual([{ field: 'arm', op: 'in', value: ['B'] }]);
    expect(parseViewFilters('not an array')).toEqual([]);
  });
});

describe('age bands and chips', () => {
  it.each([
    [[null, 64], '<65'],
    [[65, 80], '65–80'],
    [[81, null], '>80'],
  ] as const)('%j is the band %s', (value, label) => {
    const filter: ViewFilter = { field: 'age', op: 'between', value: [...value] };
    expect(ageBandOf(filter)?.label).toBe(label);
    expect(describeValue(filter)).toBe(label);
  });
  it('describes other filters', () => {
    expect(describeValue({ field: 'd', op: 'between', value: ['2024-01-01', null] })).toBe('≥ 2024-01-01');
    expect(describeValue(arm(['A', 'B', 'C', 'D']))).toBe('A, B +2');
    expect(describeValue(arm([null]))).toBe('(missing)');
  });
});

describe('crossFilterPoint', () => {
  const widget = (mapping: Record<string, string>) =>
    ({
      type: 'bar',
      title: 'x',
      optionsVersion: 1,
      options: {},
      data: { dataset: 'ADAE', mapping, filters: [] },
    }) as WidgetDefinition;
  it('renames generic fields to the clinical field mapped to the same column', () => {
    const w = widget({
      subject_id: 'USUBJID',
      category: 'AEBODSYS',
      ae_body_system: 'AEBODSYS',
      series: 'TRTA',
      arm: 'TRTA',
    });
    expect(crossFilterPoint(w, { category: 'CARDIAC DISORDERS', series: 'Placebo' })).toEqual({
      ae_body_system: 'CARDIAC DISORDERS',
      arm: 'Placebo',
    });
  });
  it('drops a generic field that has no clinical meaning and keeps clinical ones', () => {
    const w = widget({ category: 'LBTEST', ae_term: 'AEDECOD' });
    expect(crossFilterPoint(w, { category: 'ALT', ae_term: 'NAUSEA' })).toEqual({ ae_term: 'NAUSEA' });
  });
});

describe('widgetSelection', () => {
  const widget = {
    type: 'bar',
    title: 'x',
    optionsVersion: 1,
    options: {},
    data: {
      dataset: 'ADAE',
      mapping: { category: 'AEBODSYS', ae_body_system: 'AEBODSYS', series: 'TRTA', arm: 'TRTA' },
      filters: [],
    },
  } as WidgetDefinition;
  const filters: ViewFilter[] = [
    { field: 'ae_body_system', op: 'in', value: ['CARDIAC'], src: 'bars' },
    arm(['Placebo']),
  ];
  it('selects points by the widget’s own cross-filters, through the generic fields', () => {
    const selected = widgetSelection(widget, filters, 'bars');
    expect(selected?.({ category: 'CARDIAC', series: 'Drug' })).toBe(true);
    expect(selected?.({ category: 'RENAL', series: 'Placebo' })).toBe(false);
    expect(selected?.({ visit: 'WEEK 2' })).toBeNull();
  });
  it('has nothing to select on another widget', () => {
    expect(widgetSelection(widget, filters, 'pie')).toBeUndefined();
  });
});
