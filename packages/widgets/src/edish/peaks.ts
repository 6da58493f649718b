import type { QueryFilter, QueryMeasure, QueryResult, QuerySpec, WidgetColumn } from '@cdp/contracts';
import { z } from 'zod';
import { orderArms } from '../demographics/arms.ts';
import { field } from '../fields.ts';
import { formatCount, toNumber } from '../format.ts';
import { armOf, onTreatmentFilters, populationFilters, populationOptions } from '../labs/lab-scope.ts';
import { baseSpec, col } from '../query-helpers.ts';
import { restrict } from '../subject-flow/restrict.ts';
import { records, textOrNull } from '../subject-listing/records.ts';
import type { WidgetContext, WidgetTable } from '../types.ts';
import { QUADRANT_ORDER, quadrantOf } from './quadrants.ts';

/** What eDISH and its Hy's-law table share: options, fields, the per-subject peaks and their rows. */

export const EdishOptions = z.object({
  transaminase: z
    .enum(['ALT', 'AST', 'max'])
    .default('ALT')
    .describe("The X axis: peak ALT, peak AST, or the larger of the two (each as a multiple of its own record's ULN)"),
  onTreatmentOnly: z
    .boolean()
    .default(false)
    .describe(
      'Only values on or after the first dose (the on-treatment flag when mapped, else lab date ≥ first dose date)',
    ),
  altCodes: z.array(z.string()).default(['ALT', 'SGPT']).describe('Test codes that are ALT'),
  astCodes: z.array(z.string()).default(['AST', 'SGOT']).describe('Test codes that are AST'),
  bilirubinCodes: z.array(z.string()).default(['BILI', 'TBILI']).describe('Test codes that are total bilirubin'),
  ...populationOptions,
});
export type EdishOptions = z.infer<typeof EdishOptions>;

export const edishFields = [
  field('subject_id', true),
  field('arm', true, { description: "The subject's arm in the population (ADSL TRT01A, DM ACTARM)" }),
  field('lab_test_code', true),
  field('lab_value', true),
  field('lab_uln', true, { description: "Each record's own upper limit of normal (LBSTNRHI, A1HI, ANRHI)" }),
  field('population_flag', false),
  field('on_treatment_flag', false),
  field('lab_date', false, { description: 'With the first treatment date: which values are on treatment' }),
  field('treatment_start', false),
];

/**
 * One row per subject: the peak of value ÷ ULN for ALT, AST and bilirubin, each over the subject's
 * records of that test (the `per` ratio is taken record by record, so a ULN that changes between
 * labs or visits never mixes one record's value with another's limit).
 */
export function peaksQuery(ctx: WidgetContext<EdishOptions>): QuerySpec {
  const { options } = ctx;
  const code = col(ctx, 'lab_test_code');
  const value = col(ctx, 'lab_value');
  const uln = col(ctx, 'lab_uln');
  const arm = armOf(ctx);
  const peak = (as: string, codes: string[]): QueryMeasure => ({
    op: 'max',
    column: value,
    per: uln,
    as,
    where: [{ column: code, op: 'in', value: codes }],
  });
  const conditions: QueryFilter[] = [
    ...populationFilters(ctx),
    { column: code, op: 'in', value: [...options.altCodes, ...options.astCodes, ...options.bilirubinCodes] },
    ...(options.onTreatmentOnly ? onTreatmentFilters(ctx) : []),
  ];
  // The arm comes from the population, so it is joined: an on-treatment condition can read the first dose there.
  return {
    ...restrict(ctx, baseSpec(ctx, { uses: [arm] }), conditions),
    groupBy: [
      { column: col(ctx, 'subject_id'), as: 'subject_id' },
      { column: arm, as: 'arm' },
    ],
    measures: [peak('alt', options.altCodes), peak('ast', options.astCodes), peak('bili', options.bilirubinCodes)],
    orderBy: [{ key: 'subject_id' }],
  };
}

/** The X value of a subject as the options define it. */
function transaminaseOf(options: EdishOptions, alt: number | null, ast: number | null): number | null {
  if (options.transaminase === 'ALT') return alt;
  if (options.transaminase === 'AST') return ast;
  if (alt === null) return ast;
  return ast === null ? alt : Math.max(alt, ast);
}

export function xLabel(options: EdishOptions): string {
  return options.transaminase === 'max' ? 'Peak ALT or AST (× ULN)' : `Peak ${options.transaminase} (× ULN)`;
}

const COLUMNS = (options: EdishOptions): WidgetColumn[] => [
  { name: 'subject_id', label: 'Subject', type: 'string', field: 'subject_id' },
  { name: 'arm', label: 'Arm', type: 'string' },
  { name: 'x', label: xLabel(options), type: 'number' },
  { name: 'y', label: 'Peak total bilirubin (× ULN)', type: 'number' },
  { name: 'alt', label: 'Peak ALT (× ULN)', type: 'number' },
  { name: 'ast', label: 'Peak AST (× ULN)', type: 'number' },
  { name: 'quadrant', label: 'Quadrant', type: 'string' },
];

const round = (value: number | null) => (value === null ? null : Math.round(value * 1000) / 1000);

/**
 * The subjects' points, most concerning first (quadrant order, then the transaminase peak). A
 * subject without both a transaminase and a bilirubin value (or with one that is not positive,
 * which a log axis cannot place) is left out and counted in a note.
 */
export function peakRows(peaks: QueryResult | undefined, ctx: WidgetContext<EdishOptions>): WidgetTable {
  const { options } = ctx;
  const points: Array<{ row: unknown[]; rank: number; x: number; subject: string }> = [];
  let missing = 0;
  for (const r of records(peaks)) {
    const subject = textOrNull(r.subject_id);
    if (subject === null) continue;
    const alt = toNumber(r.alt);
    const ast = toNumber(r.ast);
    const x = transaminaseOf(options, alt, ast);
    const y = toNumber(r.bili);
    if (x === null || y === null || x <= 0 || y <= 0) {
      missing++;
      continue;
    }
    const quadrant = quadrantOf(x, y);
    points.push({
      row: [subject, textOrNull(r.arm), round(x), round(y), round(alt), round(ast), quadrant],
      rank: QUADRANT_ORDER.indexOf(quadrant),
      x,
      subject,
    });
  }
  points.sort((a, b) => a.rank - b.rank || b.x - a.x || a.subject.localeCompare(b.subject));
  const notes: string[] = [];
  if (peaks?.truncated)
    notes.push(`Only the first ${formatCount(records(peaks).length)} subjects are shown: filter to see the rest.`);
  if (missing > 0) {
    const what = options.transaminase === 'max' ? 'ALT or AST' : options.transaminase;
    notes.push(
      `${formatCount(missing)} subject${missing === 1 ? '' : 's'} without a positive ${what} and bilirubin value left out`,
    );
  }
  if (options.onTreatmentOnly) notes.push('On-treatment values only');
  return { columns: COLUMNS(options), rows: points.map((p) => p.row), notes };
}

/** Arms present in the rows, in the options' order. */
export function armsOf(table: WidgetTable, options: EdishOptions): string[] {
  const arm = table.columns.findIndex((c) => c.name === 'arm');
  return orderArms(
    table.rows.map((row) => textOrNull(row[arm]) ?? '(missing)'),
    options.armOrder,
  );
}
