import { describe, expect, it } from 'vitest';
import { parseRouteLimits, ROUTE_LIMIT_DEFAULTS, routeLimitName } from './route-limits.ts';

describe('routeLimitName', () => {
  const cases: [string, string, string | null][] = [
    ['GET', '/api/studies', 'list_studies'],
    ['POST', '/api/studies', null],
    ['GET', '/api/studies/:id', 'get_study'],
    ['GET', '/api/studies/:id/dashboards/:did/data', 'dashboard_data'],
    ['GET', '/api/studies/:id/dashboards/:did/widgets/:wid/data', null],
    ['GET', '/api/studies/:id/versions/:vid/datasets/:name/rows', 'dataset_data'],
    ['GET', '/api/studies/:id/versions/:vid/datasets/:name/download', 'export'],
    ['POST', '/api/studies/:id/exports', 'export'],
    ['POST', '/api/studies/:id/uploads', 'upload'],
    ['POST', '/api/studies/:id/pipelines/:pid/runs', 'pipeline_run'],
  ];
  for (const [method, url, expected] of cases) {
    it(`${method} ${url} → ${expected}`, () => expect(routeLimitName(method, url)).toBe(expected));
  }
});

describe('parseRouteLimits', () => {
  it('defaults to the specification’s table', () => {
    expect(parseRouteLimits(undefined)).toEqual({
      list_studies: 100,
      get_study: 1000,
      dashboard_data: 100,
      export: 20,
      dataset_data: 50,
      upload: 10,
      pipeline_run: 10,
    });
  });
  it('overrides named routes', () => {
    expect(parseRouteLimits(' list_studies=500, upload=20 ')).toEqual({
      ...ROUTE_LIMIT_DEFAULTS,
      list_studies: 500,
      upload: 20,
    });
  });
  it('names an unknown route or a bad number', () => {
    expect(() => parseRouteLimits('studies=5')).toThrow(/unknown route "studies"/);
    expect(() => parseRouteLimits('upload=0')).toThrow(/upload needs a whole number/);
  });
});
