import type { QueryResult, QuerySpec, WidgetControl } from '@cdp/contracts';
import { maybeCol } from '../query-helpers.ts';
import { count, records } from '../subject-listing/records.ts';
import { termKey } from '../terms.ts';
import type { WidgetContext } from '../types.ts';

/** The options a reader changes on the AE explorer itself, the field each filters and how it reads. */
export const AE_READER_OPTIONS = ['serious', 'severity', 'relatedness', 'outcome'] as const;
type ReaderOption = (typeof AE_READER_OPTIONS)[number];

const FIELD_OF: Record<ReaderOption, string> = {
  serious: 'ae_serious',
  severity: 'ae_severity',
  relatedness: 'ae_related',
  outcome: 'ae_outcome',
};
const LABEL_OF: Record<ReaderOption, string> = {
  serious: 'Seriousness',
  severity: 'Severity',
  relatedness: 'Relatedness',
  outcome: 'Outcome',
};

/** Result names of the value lookups (`values_severity`, …). */
const VALUES = 'values_';

export interface AeFilterChoices {
  serious: 'all' | 'serious' | 'non-serious';
  severity: string[];
  relatedness: string[];
  outcome: string[];
}

/**
 * One lookup per mapped filter field: its distinct values among the events the explorer counts
 * before its own filters (population, treatment-emergence and the dashboard's filters applied), so
 * choosing MILD never hides MODERATE from the list. `events` is that spec.
 */
export function valueQueries(ctx: WidgetContext<AeFilterChoices>, events: QuerySpec): Record<string, QuerySpec> {
  const queries: Record<string, QuerySpec> = {};
  for (const option of AE_READER_OPTIONS) {
    const column = maybeCol(ctx, FIELD_OF[option]);
    if (!column) continue;
    queries[`${VALUES}${option}`] = {
      ...events,
      groupBy: [{ column, as: 'value' }],
      measures: [{ op: 'count', as: 'events' }],
    };
  }
  return queries;
}

/**
 * Distinct values as people read controlled terms (`Mild`, `MILD ` and `mild` are one), each shown
 * in its most frequent spelling, most frequent first; missing values are not offered.
 */
function distinct(result: QueryResult | undefined): string[] {
  const spellings = new Map<string, Map<string, number>>();
  for (const row of records(result)) {
    if (row.value === null || row.value === undefined) continue;
    const text = String(row.value).trim();
    if (text === '') continue;
    const forms = spellings.get(termKey(text)) ?? new Map<string, number>();
    forms.set(text, (forms.get(text) ?? 0) + count(row.events));
    spellings.set(termKey(text), forms);
  }
  return [...spellings.values()]
    .map((forms) => {
      const [best] = [...forms.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      const total = [...forms.values()].reduce((a, b) => a + b, 0);
      return { label: best?.[0] ?? '', total };
    })
    .sort((a, b) => b.total - a.total || a.label.localeCompare(b.label))
    .map((v) => v.label);
}

/** The reader's controls: one per mapped filter field, with the values the data offer and the current choice. */
export function aeControls(results: Record<string, QueryResult>, ctx: WidgetContext<AeFilterChoices>): WidgetControl[] {
  const controls: WidgetControl[] = [];
  for (const option of AE_READER_OPTIONS) {
    const result = results[`${VALUES}${option}`];
    if (!result) continue;
    const values = distinct(result);
    if (option === 'serious') {
      const present = new Set(values.map(termKey));
      controls.push({
        option,
        label: LABEL_OF[option],
        multiple: false,
        values: [
          ...(present.has('Y') ? [{ value: 'serious', label: 'Serious' }] : []),
          ...(present.has('N') ? [{ value: 'non-serious', label: 'Non-serious' }] : []),
        ],
        selected: ctx.options.serious === 'all' ? [] : [ctx.options.serious],
      });
      continue;
    }
    const selected = ctx.options[option];
    // A chosen value the data no longer hold stays offered, so the reader can see and clear it.
    const offered = [...values, ...selected.filter((s) => !values.some((v) => termKey(v) === termKey(s)))];
    controls.push({
      option,
      label: LABEL_OF[option],
      multiple: true,
      values: offered.map((value) => ({ value, label: value })),
      selected,
    });
  }
  return controls;
}

/** The explorer's own filters in words, for the note the screen and every export show. */
export function describeAeFilters(ctx: WidgetContext<AeFilterChoices>): string | null {
  const { options } = ctx;
  const parts: string[] = [];
  if (options.serious !== 'all' && maybeCol(ctx, 'ae_serious'))
    parts.push(options.serious === 'serious' ? 'serious events only' : 'non-serious events only');
  for (const option of ['severity', 'relatedness', 'outcome'] as const) {
    const values = options[option];
    if (values.length > 0 && maybeCol(ctx, FIELD_OF[option]))
      parts.push(`${LABEL_OF[option].toLowerCase()} ${values.join(' or ')}`);
  }
  return parts.length > 0
    ? `Events filtered on the widget: ${parts.join('; ')}. Denominators are every subject of each arm.`
    : null;
}
