import { describe, expect, it } from 'vitest';
import { builtinTemplate, instantiateTemplate, presentBuiltin, type SchemaDataset } from './instantiate.ts';
import type { TemplateSpec } from './template-spec.ts';

const DM: SchemaDataset = {
  name: 'DM',
  columns: ['USUBJID', 'SITEID', 'ARM'].map((name) => ({ name, label: null, type: 'string' })),
};
const ADTTE: SchemaDataset = {
  name: 'ADTTE',
  columns: ['USUBJID', 'SITEID'].map((name) => ({ name, label: null, type: 'string' })),
};

const TEMPLATE: TemplateSpec = {
  id: 't',
  name: 'T',
  description: 'test',
  filters: [],
  pages: [
    {
      id: 'subjects',
      title: 'Subjects',
      widgets: [
        { id: 'sites', type: 'site-summary', title: 'Sites', at: { x: 0, y: 0, w: 6, h: 6 }, datasets: ['DM'] },
        {
          id: 'tte-sites',
          type: 'site-summary',
          title: 'Needs ADTTE',
          at: { x: 6, y: 0, w: 6, h: 6 },
          datasets: ['ADTTE'],
          onlyWithData: true,
        },
      ],
    },
    {
      id: 'tte',
      title: 'Time to event',
      widgets: [
        {
          id: 'km',
          type: 'site-summary',
          title: 'Only ADTTE',
          at: { x: 0, y: 0, w: 12, h: 6 },
          datasets: ['ADTTE'],
          onlyWithData: true,
        },
      ],
    },
  ],
};

describe('a template widget that needs its data (onlyWithData)', () => {
  it('is left out, with its layout item and a page it leaves empty, when the study has none of its datasets', () => {
    const { document, unmapped } = instantiateTemplate(TEMPLATE, [DM]);
    expect(document.pages.map((p) => p.id)).toEqual(['subjects']);
    expect(Object.keys(document.pages[0]?.widgets ?? {})).toEqual(['sites']);
    expect(document.pages[0]?.layout.map((l) => l.i)).toEqual(['sites']);
    expect(unmapped).toEqual([]);
  });

  it('is kept when the study has one of them', () => {
    const { document } = instantiateTemplate(TEMPLATE, [DM, ADTTE]);
    expect(document.pages.map((p) => p.id)).toEqual(['subjects', 'tte']);
    expect(document.pages[0]?.widgets['tte-sites']?.data.dataset).toBe('ADTTE');
  });
});

describe('the built-in review templates as the API lists them (standard SDTM and ADTTE names)', () => {
  it('Site monitoring and Safety review have every page, Kaplan-Meier included', () => {
    const monitoring = builtinTemplate('site-monitoring');
    const safety = builtinTemplate('safety-review');
    if (!monitoring || !safety) throw new Error('missing built-in template');
    expect(presentBuiltin(monitoring).pages.map((p) => [p.title, p.widgets])).toEqual([
      ['Site risk', 2],
      ['Sites', 4],
      ['Subjects', 1],
    ]);
    expect(presentBuiltin(safety).pages.map((p) => [p.title, p.widgets])).toEqual([
      ['Adverse events', 1],
      ['Liver (eDISH)', 2],
      ['Labs', 3],
      ['Time to event', 1],
    ]);
  });
});
