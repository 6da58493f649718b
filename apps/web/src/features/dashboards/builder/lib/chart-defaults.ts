import type { DatasetSummary, WidgetDefinition } from '@cdp/contracts';

/**
 * Columns that hold a handful of values in CDISC data, best first: severity, reference-range
 * indicator, arm, sex, disposition, category… `--` stands for the dataset's two-letter prefix.
 * A bar of the count of subjects by one of them is a chart worth looking at; "count of LBSTRESN
 * by LBTEST" (one bar per lab test, counting results) rarely is.
 */
const FEW_VALUES = [
  '--SEV',
  '--TOXGR',
  '--NRIND',
  'ARM',
  'ACTARM',
  'TRT01A',
  'TRT01P',
  'SEX',
  'DSDECOD',
  '--CAT',
  '--OUT',
  '--SER',
  '--REL',
  '--ACN',
  'RACE',
  'ETHNIC',
  'COUNTRY',
  'EPOCH',
  '--SCAT',
  '--STAT',
  '--BLFL',
];

/** Column names that identify or describe one record: never a good axis of a count. */
const RECORD_LEVEL = /(^STUDYID$|^DOMAIN$|^USUBJID$|^SUBJID$|SEQ$|DTC$|DTM$|DT$|DY$|TERM$|ORRES$|STRESC$|ID$)/;

function matches(name: string, pattern: string): boolean {
  const upper = name.toUpperCase();
  if (!pattern.startsWith('--')) return upper === pattern;
  const suffix = pattern.slice(2);
  return upper.length === suffix.length + 2 && upper.endsWith(suffix);
}

/** The categorical column of `dataset` a count by category should start from, or undefined. */
export function fewValuesColumn(dataset: DatasetSummary): string | undefined {
  const text = dataset.columns.filter((c) => c.type === 'string');
  for (const pattern of FEW_VALUES) {
    const found = text.find((c) => matches(c.name, pattern));
    if (found) return found.name;
  }
  return text.find((c) => !RECORD_LEVEL.test(c.name.toUpperCase()) && (c.length ?? 0) <= 20)?.name;
}

const COUNT_BY_CATEGORY = new Set(['bar', 'pie']);

/**
 * A new bar (or pie) counts subjects by a column with few values: the category is that column
 * (unless the suggestion already chose one such), nothing is mapped to Value, the measure is a
 * count of subjects when a subject id is mapped, and the title says what is counted.
 */
export function countByCategoryDefaults(
  widget: WidgetDefinition,
  datasets: readonly DatasetSummary[],
  defaultTitle: string,
): WidgetDefinition {
  if (!COUNT_BY_CATEGORY.has(widget.type)) return widget;
  const dataset = datasets.find((d) => d.name.toUpperCase() === widget.data.dataset.toUpperCase());
  if (!dataset) return widget;
  const suggested = widget.data.mapping.category;
  const suggestedFew = suggested && FEW_VALUES.some((p) => matches(suggested.split('.').pop() ?? '', p));
  const category = suggestedFew ? suggested : (fewValuesColumn(dataset) ?? suggested);
  if (!category) return widget;
  const { value: _value, category: _category, ...mapping } = widget.data.mapping;
  const subjects = Boolean(mapping.subject_id);
  const column = dataset.columns.find((c) => c.name === category);
  const what = column?.label ?? category;
  return {
    ...widget,
    title: widget.title === defaultTitle ? `${subjects ? 'Subjects' : 'Records'} by ${what}` : widget.title,
    options: { ...widget.options, measure: 'count', countSubjects: subjects },
    data: { ...widget.data, mapping: { ...mapping, category } },
  };
}
