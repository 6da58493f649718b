import { z } from 'zod';
import { field } from '../fields.ts';
import { chartOption, PALETTE, tooltip } from '../format.ts';
import { baseSpec, col, maybeCol, subjectCount } from '../query-helpers.ts';
import { count, records, textOrNull } from '../subject-listing/records.ts';
import type { WidgetTable, WidgetType } from '../types.ts';
import { lookupCountry, WORLD_MAP_NAME } from './world.ts';

const Options = z.object({
  maxSymbolSize: z
    .number()
    .int()
    .min(4)
    .max(120)
    .default(40)
    .describe('Marker size in pixels of the country with the most subjects (marker area grows with subjects)'),
  minSymbolSize: z.number().int().min(2).max(60).default(8).describe('Marker size in pixels of the smallest country'),
  shadeCountries: z.boolean().default(true).describe('Shade the countries that have sites'),
});
type Options = z.infer<typeof Options>;

interface CountryEntry {
  country: unknown;
  subjects: number;
  sites: Array<{ site: string; subjects: number }>;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"'{}]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '{': '(', '}': ')' })[c] ?? c,
  );

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Sites placed by country on a world map: a marker per country sized by subjects, its sites in the tooltip. */
export const siteMap: WidgetType<Options> = {
  type: 'site-map',
  name: 'Sites on a world map',
  description: 'Countries with sites on a world map, markers sized by subjects; the tooltip lists the sites.',
  category: 'map',
  fields: [
    field('subject_id', true),
    field('country', true, { description: 'ISO 3166 alpha-3 (DM COUNTRY), alpha-2 or English name' }),
    field('site', false),
  ],
  datasets: ['DM', 'ADSL'],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 8, h: 10 },

  buildQueries(ctx) {
    const country = col(ctx, 'country');
    const site = maybeCol(ctx, 'site');
    const spec = baseSpec(ctx, { uses: [country, site] });
    return {
      sites: {
        ...spec,
        groupBy: [{ column: country, as: 'country' }, ...(site ? [{ column: site, as: 'site' }] : [])],
        measures: [subjectCount(ctx, spec.from)],
      },
    };
  },

  toTable(results, ctx) {
    const bySite = maybeCol(ctx, 'site') !== undefined;
    const countries = new Map<string, CountryEntry>();
    for (const row of records(results.sites)) {
      const key = textOrNull(row.country) ?? '';
      const entry = countries.get(key) ?? { country: textOrNull(row.country), subjects: 0, sites: [] };
      const subjects = count(row.subjects);
      entry.subjects += subjects;
      if (bySite) entry.sites.push({ site: textOrNull(row.site) ?? '(no site)', subjects });
      countries.set(key, entry);
    }
    const entries = [...countries.values()].sort(
      (a, b) => b.subjects - a.subjects || String(a.country).localeCompare(String(b.country)),
    );
    const table: WidgetTable = {
      columns: [
        { name: 'country', label: 'Country', type: 'string', field: 'country' },
        { name: 'country_name', label: 'Country name', type: 'string' },
        ...(bySite ? [{ name: 'sites', label: 'Sites', type: 'integer' as const }] : []),
        { name: 'subjects', label: 'Subjects', type: 'integer' },
        ...(bySite ? [{ name: 'site_list', label: 'Sites (subjects)', type: 'string' as const }] : []),
      ],
      rows: entries.map((entry) => {
        const name =
          entry.country === null ? null : (lookupCountry(String(entry.country))?.name ?? String(entry.country));
        const sites = [...entry.sites].sort(
          (a, b) => b.subjects - a.subjects || a.site.localeCompare(b.site, 'en', { numeric: true }),
        );
        return [
          entry.country,
          name,
          ...(bySite ? [sites.length] : []),
          entry.subjects,
          ...(bySite ? [sites.map((s) => `${s.site} (${s.subjects})`).join(', ')] : []),
        ];
      }),
    };
    const unplaced = entries.filter((entry) => entry.country === null || !lookupCountry(String(entry.country)));
    if (unplaced.length > 0) {
      const what = unplaced
        .map((entry) => `${entry.country ?? 'no country'} (${plural(entry.subjects, 'subject')})`)
        .join(', ');
      table.notes = [`Not on the map: ${what}`];
    }
    return table;
  },

  toChartOption(table, options) {
    const placed = records(table).flatMap((row) => {
      const country = row.country === null ? undefined : lookupCountry(String(row.country));
      return country ? [{ row, country }] : [];
    });
    const most = Math.max(1, ...placed.map(({ row }) => count(row.subjects)));
    const { minSymbolSize: min, maxSymbolSize: max } = options;
    return chartOption({
      tooltip: tooltip('item'),
      geo: {
        map: WORLD_MAP_NAME,
        roam: true,
        itemStyle: { areaColor: '#eef2f6', borderColor: '#cbd5e1', borderWidth: 0.5 },
        emphasis: { label: { show: false }, itemStyle: { areaColor: '#e2e8f0' } },
        regions: options.shadeCountries
          ? placed.map(({ country }) => ({ name: country.name, itemStyle: { areaColor: '#ccfbf1' } }))
          : [],
      },
      series: [
        {
          name: 'Subjects',
          type: 'scatter',
          coordinateSystem: 'geo',
          itemStyle: { color: PALETTE[0], opacity: 0.85, borderColor: '#ffffff', borderWidth: 1 },
          data: placed.map(({ row, country }) => {
            const subjects = count(row.subjects);
            const lines = [
              `<b>${escapeHtml(country.name)}</b>`,
              plural(subjects, 'subject'),
              ...(row.sites === undefined
                ? []
                : [`${plural(count(row.sites), 'site')}: ${escapeHtml(String(row.site_list ?? ''))}`]),
            ];
            return {
              name: country.name,
              value: [...country.centroid, subjects],
              symbolSize: Math.round(min + (max - min) * Math.sqrt(subjects / most)),
              tooltip: { formatter: lines.join('<br/>') },
              point: { country: row.country as string },
            };
          }),
        },
      ],
    });
  },
};
