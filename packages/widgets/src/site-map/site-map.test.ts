import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { siteMap } from './index.ts';
import { countryCentroid, lookupCountry, WORLD_MAP_NAME, worldGeoJson } from './world.ts';

type Options = typeof siteMap.defaultOptions;
const DM = (column: string) => ({ dataset: 'DM', column });

function context(fields: WidgetContext<Options>['fields'] = { site: DM('SITEID') }): WidgetContext<Options> {
  return {
    dataset: 'DM',
    population: 'DM',
    fields: { subject_id: DM('USUBJID'), country: DM('COUNTRY'), ...fields },
    filters: [],
    options: siteMap.options.parse({}),
  };
}

describe('world map', () => {
  it('is GeoJSON with a name on every country, Antarctica left out', () => {
    const world = worldGeoJson();
    expect(world.type).toBe('FeatureCollection');
    expect(world.features.length).toBeGreaterThan(170);
    expect(world.features.every((f) => typeof f.properties.name === 'string')).toBe(true);
    expect(world.features.some((f) => f.properties.name === 'Antarctica')).toBe(false);
    expect(worldGeoJson()).toBe(world);
  });

  // Expected: the centre of each country's largest polygon (its mainland).
  it.each([
    { code: 'USA', name: 'United States of America', lon: -99, lat: 39.5 },
    { code: 'US', name: 'United States of America', lon: -99, lat: 39.5 },
    { code: '840', name: 'United States of America', lon: -99, lat: 39.5 },
    { code: 'United States', name: 'United States of America', lon: -99, lat: 39.5 },
    { code: 'FRA', name: 'France', lon: 2.3, lat: 46.6 },
    { code: 'deu', name: 'Germany', lon: 10.3, lat: 51.1 },
    { code: 'Germany', name: 'Germany', lon: 10.3, lat: 51.1 },
    { code: 'JPN', name: 'Japan', lon: 136.9, lat: 36 },
    { code: 'AUS', name: 'Australia', lon: 134.4, lat: -25.6 },
    { code: 'BRA', name: 'Brazil', lon: -53, lat: -10.8 },
    { code: 'RUS', name: 'Russia', lon: 99.9, lat: 61.7 },
  ])('$code is $name at about [$lon, $lat]', ({ code, name, lon, lat }) => {
    expect(lookupCountry(code)?.name).toBe(name);
    const [x, y] = countryCentroid(code) ?? [Number.NaN, Number.NaN];
    expect(x).toBeCloseTo(lon, 0);
    expect(y).toBeCloseTo(lat, 0);
  });

  it.each(['XYZ', '', 'Atlantis', '999'])('"%s" is not on the map', (code) => {
    expect(countryCentroid(code)).toBeUndefined();
  });
});

describe('site-map queries', () => {
  it.each([
    { fields: undefined, groupBy: ['country', 'site'] },
    { fields: {}, groupBy: ['country'] },
  ])('subjects by $groupBy', ({ fields, groupBy }) => {
    const { sites } = siteMap.buildQueries(context(fields));
    expect(sites?.groupBy?.map((g) => g.as)).toEqual(groupBy);
    expect(sites?.measures).toEqual([{ op: 'count_distinct', column: DM('USUBJID'), as: 'subjects' }]);
  });
});

describe('site-map table and chart', () => {
  const sites: QueryResult = {
    columns: [
      { name: 'country', type: 'string' },
      { name: 'site', type: 'string' },
      { name: 'subjects', type: 'integer' },
    ],
    rows: [
      ['DEU', '102', 5],
      ['USA', '101', 30],
      ['DEU', '110', 12],
      ['XKX', '120', 2],
      [null, '130', 1],
    ],
    truncated: false,
  };

  it('one row per country, most subjects first, sites listed; unplaceable countries in a note', () => {
    const table = siteMap.toTable({ sites }, context());
    expect(table.columns.map((c) => c.name)).toEqual(['country', 'country_name', 'sites', 'subjects', 'site_list']);
    expect(table.rows).toEqual([
      ['USA', 'United States of America', 1, 30, '101 (30)'],
      ['DEU', 'Germany', 2, 17, '110 (12), 102 (5)'],
      ['XKX', 'Kosovo', 1, 2, '120 (2)'],
      [null, null, 1, 1, '130 (1)'],
    ]);
    expect(table.notes).toEqual(['Not on the map: no country (1 subject)']);
  });

  it('draws the registered world map with a marker per country, sized by subjects, as plain JSON', () => {
    const options = siteMap.options.parse({});
    const chart = siteMap.toChartOption?.(siteMap.toTable({ sites }, context()), options) ?? {};
    expect(JSON.parse(JSON.stringify(chart))).toEqual(chart);
    expect(chart.geo).toMatchObject({ map: WORLD_MAP_NAME, roam: true });
    expect((chart.geo as { regions: unknown[] }).regions).toHaveLength(3);
    const [series] = chart.series as Array<{
      type: string;
      coordinateSystem: string;
      data: Array<Record<string, unknown>>;
    }>;
    expect(series).toMatchObject({ type: 'scatter', coordinateSystem: 'geo' });
    expect(series?.data.map((d) => [d.name, d.symbolSize, (d.value as number[])[2], d.point])).toEqual([
      ['United States of America', 40, 30, { country: 'USA' }],
      ['Germany', 32, 17, { country: 'DEU' }],
      ['Kosovo', 16, 2, { country: 'XKX' }],
    ]);
    expect(series?.data[1]?.tooltip).toEqual({
      formatter: '<b>Germany</b><br/>17 subjects<br/>2 sites: 110 (12), 102 (5)',
    });
  });

  it('escapes names in the tooltip', () => {
    const table = {
      columns: [
        { name: 'country', label: 'Country', type: 'string' as const },
        { name: 'subjects', label: 'Subjects', type: 'integer' as const },
        { name: 'sites', label: 'Sites', type: 'integer' as const },
        { name: 'site_list', label: 'Sites', type: 'string' as const },
      ],
      rows: [['FRA', 3, 1, '<b>{a}</b> (3)']],
    };
    const chart = siteMap.toChartOption?.(table, siteMap.options.parse({})) ?? {};
    const [series] = chart.series as Array<{ data: Array<{ tooltip: { formatter: string } }> }>;
    expect(series?.data[0]?.tooltip.formatter).toBe(
      '<b>France</b><br/>3 subjects<br/>1 site: &lt;b&gt;(a)&lt;/b&gt; (3)',
    );
  });
});
