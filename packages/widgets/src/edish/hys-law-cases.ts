import type { WidgetType } from '../types.ts';
import { EdishOptions, edishFields, peakRows, peaksQuery } from './peaks.ts';
import { QUADRANTS } from './quadrants.ts';

/**
 * The subjects in eDISH's Hy's-law quadrant (peak transaminase ≥ 3 × ULN and peak bilirubin
 * ≥ 2 × ULN), from the same query as the plot, so the two never disagree. Each row names its
 * subject: the web app links it to the subject's profile.
 */
export const hysLawCases: WidgetType<EdishOptions> = {
  type: 'hys-law-cases',
  name: "Hy's law cases",
  description: "Subjects in eDISH's Hy's law range: peak ALT/AST ≥ 3 × ULN and peak bilirubin ≥ 2 × ULN.",
  category: 'clinical',
  fields: edishFields,
  datasets: ['ADLBHY', 'ADLB', 'LB'],
  needsPopulation: true,
  optionsVersion: 1,
  options: EdishOptions,
  defaultOptions: EdishOptions.parse({}),
  defaultSize: { w: 6, h: 6 },

  buildQueries(ctx) {
    return { peaks: peaksQuery(ctx) };
  },

  toTable(results, ctx) {
    const table = peakRows(results.peaks, ctx);
    const quadrant = table.columns.findIndex((c) => c.name === 'quadrant');
    // With the x axis on ALT alone (or AST alone) its peak column repeats the x column: drop it.
    const repeated = ctx.options.transaminase === 'ALT' ? 'alt' : ctx.options.transaminase === 'AST' ? 'ast' : null;
    const keep = table.columns.map((c, i) => (c.name === repeated ? -1 : i)).filter((i) => i >= 0);
    const rows = table.rows.filter((row) => row[quadrant] === QUADRANTS.hysLaw).map((row) => keep.map((i) => row[i]));
    return {
      ...table,
      columns: keep.map((i) => table.columns[i] as (typeof table.columns)[number]),
      rows,
      total: rows.length,
    };
  },
};
