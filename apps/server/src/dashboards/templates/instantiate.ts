import {
  DASHBOARD_SCHEMA_VERSION,
  type DashboardDocument,
  type DashboardTemplate,
  type WidgetDefinition,
  type WidgetFilter,
} from '@cdp/contracts';
import { suggestMapping, widgetType } from '@cdp/widgets';
import { CLINICAL_STUDY_OVERVIEW } from './clinical-study-overview.ts';
import { SAFETY_REVIEW } from './safety-review.ts';
import { SITE_MONITORING } from './site-monitoring.ts';
import type { TemplateSpec, TemplateWidget } from './template-spec.ts';

const GENERIC_FIELDS = ['category', 'category_order', 'series', 'value', 'x', 'y', 'date', 'row_group', 'column_group'];

export const BUILTIN_TEMPLATES: readonly TemplateSpec[] = [CLINICAL_STUDY_OVERVIEW, SITE_MONITORING, SAFETY_REVIEW];

/** What the mapping suggestions see of a data version. */
export interface SchemaDataset {
  name: string;
  label?: string | null;
  columns: Array<{ name: string; label: string | null; type: string }>;
}

/**
 * The standard SDTM and ADaM datasets the built-in templates are written for: used to show a
 * template's document before any study data is known.
 */
const REFERENCE_SCHEMA: SchemaDataset[] = [
  {
    name: 'DM',
    columns: [
      'USUBJID',
      'SITEID',
      'COUNTRY',
      'ARM',
      'ARMCD',
      'ACTARM',
      'AGE',
      'SEX',
      'RACE',
      'ETHNIC',
      'RFSTDTC',
      'RFICDTC',
      'RFXSTDTC',
    ].map((name) => ({ name, label: null, type: name === 'AGE' ? 'number' : 'string' })),
  },
  {
    name: 'DS',
    columns: ['USUBJID', 'DSCAT', 'DSDECOD', 'DSTERM', 'DSSTDTC'].map((name) => ({
      name,
      label: null,
      type: 'string',
    })),
  },
  {
    name: 'AE',
    columns: ['USUBJID', 'AETERM', 'AEDECOD', 'AEBODSYS', 'AESER', 'AESEV', 'AESTDTC'].map((name) => ({
      name,
      label: null,
      type: 'string',
    })),
  },
  {
    name: 'LB',
    columns: [
      { name: 'USUBJID', label: null, type: 'string' },
      { name: 'LBTEST', label: null, type: 'string' },
      { name: 'LBSTRESN', label: null, type: 'number' },
      { name: 'LBSTNRHI', label: null, type: 'number' },
      { name: 'LBSTNRLO', label: null, type: 'number' },
      { name: 'VISIT', label: null, type: 'string' },
      { name: 'VISITNUM', label: null, type: 'number' },
      { name: 'LBDTC', label: null, type: 'string' },
      { name: 'LBTESTCD', label: null, type: 'string' },
      { name: 'LBNRIND', label: null, type: 'string' },
      { name: 'LBBLFL', label: null, type: 'string' },
    ],
  },
  {
    // ADaM time-to-event, so a template's survival page shows in its description.
    name: 'ADTTE',
    columns: [
      { name: 'USUBJID', label: null, type: 'string' },
      { name: 'PARAMCD', label: null, type: 'string' },
      { name: 'PARAM', label: null, type: 'string' },
      { name: 'AVAL', label: null, type: 'number' },
      { name: 'CNSR', label: null, type: 'number' },
    ],
  },
];

export interface Instantiated {
  document: DashboardDocument;
  /** Widgets whose required fields could not all be mapped, with the fields. */
  unmapped: Array<{ pageId: string; widgetId: string; title: string; fields: string[] }>;
}

/**
 * The first candidate dataset the data has. When it has none, the candidate of the data's own
 * standard (ADLB for ADaM, LB for SDTM), so the widget says "no dataset LB" to an SDTM study.
 */
function pickDataset(widget: TemplateWidget, datasets: SchemaDataset[]): string {
  const candidates = widget.datasets ?? widgetType(widget.type)?.datasets ?? [];
  const present = candidates.find((name) => datasets.some((d) => d.name.toUpperCase() === name.toUpperCase()));
  const found = datasets.find((d) => d.name.toUpperCase() === (present ?? '').toUpperCase());
  if (found) return found.name;
  const adam = datasets.some((d) => d.name.toUpperCase() === 'ADSL');
  const ofStandard = candidates.find((name) => name.toUpperCase().startsWith('AD') === adam);
  return ofStandard ?? candidates[0] ?? 'DM';
}

function pickPopulation(datasets: SchemaDataset[]): string | undefined {
  for (const name of ['ADSL', 'DM']) {
    const found = datasets.find((d) => d.name.toUpperCase() === name);
    if (found) return found.name;
  }
  return undefined;
}

/** One template widget, mapped onto the given datasets. */
function instantiateWidget(
  widget: TemplateWidget,
  datasets: SchemaDataset[],
  filterFields: string[],
): { definition: WidgetDefinition; missing: string[] } {
  const type = widgetType(widget.type);
  if (!type) throw new Error(`template widget ${widget.id}: unknown type ${widget.type}`);
  const dataset = pickDataset(widget, datasets);
  const population = pickPopulation(datasets);
  const bound = Object.values(widget.bind ?? {});
  const filterFieldsOfWidget = (widget.filters ?? []).flatMap((f) => (f.field ? [f.field] : []));
  const suggestion = suggestMapping({
    widget: type,
    datasets,
    dataset,
    ...(population ? { population } : {}),
    extraFields: [...new Set(['subject_id', ...filterFields, ...bound, ...filterFieldsOfWidget])],
  });
  const mapping: Record<string, string> = { ...suggestion.mapping };
  // A template says what its generic fields show; a guess (value → AGE) would change its numbers.
  for (const generic of GENERIC_FIELDS) if (!widget.bind?.[generic]) delete mapping[generic];
  for (const [generic, clinical] of Object.entries(widget.bind ?? {})) {
    const column = suggestion.mapping[clinical];
    if (column) mapping[generic] = column;
    else delete mapping[generic];
  }
  const filters: WidgetFilter[] = [];
  for (const filter of widget.filters ?? []) {
    if (filter.onlyFor && !filter.onlyFor.some((name) => name.toUpperCase() === dataset.toUpperCase())) continue;
    const column = filter.column ?? (filter.field ? suggestion.mapping[filter.field] : undefined);
    if (column) filters.push({ column, op: filter.op, value: filter.value });
  }
  const missing = type.fields.filter((f) => f.required && !mapping[f.key]).map((f) => f.key);
  return {
    definition: {
      type: widget.type,
      title: widget.title,
      ...(widget.subtitle ? { subtitle: widget.subtitle } : {}),
      optionsVersion: type.optionsVersion,
      options: type.options.parse({ ...type.defaultOptions, ...(widget.options ?? {}) }) as Record<string, unknown>,
      data: {
        dataset: suggestion.dataset ?? dataset,
        ...(type.needsPopulation || population ? { population: suggestion.population ?? population } : {}),
        mapping,
        filters,
      },
    },
    missing,
  };
}

/** Whether the data has one of the widget's candidate datasets. */
function hasCandidate(widget: TemplateWidget, datasets: SchemaDataset[]): boolean {
  const candidates = widget.datasets ?? widgetType(widget.type)?.datasets ?? [];
  return candidates.some((name) => datasets.some((d) => d.name.toUpperCase() === name.toUpperCase()));
}

/**
 * A template turned into a dashboard document for a study's datasets, with what is left to map.
 * Widgets marked `onlyWithData` are left out when the data has none of their datasets, and a page
 * left empty by that is left out too.
 */
export function instantiateTemplate(template: TemplateSpec, datasets: SchemaDataset[]): Instantiated {
  const filterFields = template.filters.map((f) => f.field);
  const unmapped: Instantiated['unmapped'] = [];
  const document: DashboardDocument = {
    schemaVersion: DASHBOARD_SCHEMA_VERSION,
    filters: template.filters,
    pages: template.pages.flatMap((page) => {
      const kept = page.widgets.filter((widget) => !widget.onlyWithData || hasCandidate(widget, datasets));
      if (kept.length === 0) return [];
      const widgets: Record<string, WidgetDefinition> = {};
      for (const widget of kept) {
        const { definition, missing } = instantiateWidget(widget, datasets, filterFields);
        widgets[widget.id] = definition;
        if (missing.length > 0)
          unmapped.push({ pageId: page.id, widgetId: widget.id, title: widget.title, fields: missing });
      }
      return {
        id: page.id,
        title: page.title,
        layout: kept.map((w) => ({ i: w.id, ...w.at })),
        widgets,
      };
    }),
  };
  return { document, unmapped };
}

export function builtinTemplate(id: string): TemplateSpec | undefined {
  return BUILTIN_TEMPLATES.find((t) => t.id === id);
}

/** A built-in template as the API lists it: its document mapped onto the standard SDTM names. */
export function presentBuiltin(template: TemplateSpec): DashboardTemplate {
  const { document } = instantiateTemplate(template, REFERENCE_SCHEMA);
  return {
    id: template.id,
    name: template.name,
    description: template.description,
    scope: 'builtin',
    pages: document.pages.map((p) => ({ id: p.id, title: p.title, widgets: Object.keys(p.widgets).length })),
    document,
    createdAt: null,
  };
}
