import type {
  AppliedFilter,
  ColumnRef,
  MappingIssue,
  MappingReport,
  QueryFilter,
  WidgetDefinition,
  WidgetFieldSpec,
} from '@cdp/contracts';
import { FIELDS } from './fields.ts';
import { widgetType } from './registry.ts';
import { applyUnmappedFilter, type FieldSources, type SubjectScope, type SubjectSet } from './subject-scope.ts';
import type { StudySettings, WidgetContext, WidgetType } from './types.ts';

/** A dataset as far as resolving a widget needs it: its name and typed columns. */
export interface SchemaDataset {
  name: string;
  /** Types as stored: a `DatasetColumnType` (string, number, integer, date, …); `masked` for this reader (PHI). */
  columns: ReadonlyArray<{ name: string; type: string; masked?: boolean }>;
}

/**
 * The data a widget is resolved against: a dataset by name, case-insensitive. The server passes
 * a data version's datasets; an exporter passes the same, so both draw the same widget.
 */
export type DatasetLookup = (name: string) => SchemaDataset | undefined;

function datasetOf(lookup: DatasetLookup, name: string | undefined): SchemaDataset | undefined {
  return name ? lookup(name) : undefined;
}

/** A widget made ready to query against one data version, or the reasons it cannot be. */
export interface ResolvedWidget {
  type: WidgetType | null;
  ctx: WidgetContext<Record<string, unknown>> | null;
  report: MappingReport;
  /** Why the widget cannot be drawn, in words (first blocking issue), or null. */
  problem: string | null;
  /** Dashboard filters on fields of other datasets: they restrict every query to those subjects. */
  scope: SubjectScope[];
  /** Subject sets the server adds after resolving (a review-status filter): every query keeps or drops them. */
  subjects?: SubjectSet[];
  /** Dashboard filters applied / ignored (no mapping for their field, or no subject id to reach it). */
  applied: string[];
  ignored: string[];
}

type Kind = WidgetFieldSpec['types'][number];

function kindOf(type: string): Kind {
  if (type === 'number' || type === 'integer') return 'number';
  if (type === 'date' || type === 'datetime') return 'date';
  if (type === 'boolean') return 'boolean';
  return 'string';
}

function fieldSpec(type: WidgetType, field: string): Pick<WidgetFieldSpec, 'label' | 'types'> | undefined {
  return (
    type.fields.find((f) => f.key === field) ??
    (FIELDS as unknown as Record<string, WidgetFieldSpec | undefined>)[field]
  );
}

/** `COL` → column of `dataset`; `DS.COL` → column of DS. Names come back as stored. */
function lookupColumn(
  version: DatasetLookup,
  path: string,
  defaultDataset: SchemaDataset,
): { ref: ColumnRef; type: string; masked?: boolean } | { error: MappingIssue['kind']; message: string } {
  const dot = path.indexOf('.');
  const dataset = dot >= 0 ? datasetOf(version, path.slice(0, dot)) : defaultDataset;
  const name = dot >= 0 ? path.slice(dot + 1) : path;
  if (!dataset) return { error: 'unknown-dataset', message: `the data has no dataset ${path.slice(0, dot)}` };
  const column = dataset.columns.find((c) => c.name.toUpperCase() === name.toUpperCase());
  if (!column) return { error: 'unknown-column', message: `${dataset.name} has no column ${name}` };
  return {
    ref: { dataset: dataset.name, column: column.name },
    type: column.type,
    ...(column.masked ? { masked: true } : {}),
  };
}

/**
 * Checks a widget definition against a data version and turns it into the context its type builds
 * queries from. Dashboard filters are translated through the widget's mapping: a filter on a field
 * the widget does not map is ignored (and reported as such).
 */
/** A visit label column and the number that orders it in time, in SDTM (VISIT) and ADaM (AVISIT). */
const VISIT_ORDER: Record<string, string> = { VISIT: 'VISITNUM', AVISIT: 'AVISITN' };

/**
 * Dashboards saved before a widget could order its categories show visits A to Z (DAY 1,
 * FOLLOW-UP, SCREENING…). When a widget's categories are visits and its Category order is not
 * mapped, the visit number of the same dataset orders them, at read time: no stored document changes.
 */
function defaultVisitOrder(type: WidgetType, fields: Record<string, ColumnRef>, version: DatasetLookup) {
  const category = fields.category;
  if (!category || fields.category_order || !type.fields.some((f) => f.key === 'category_order')) return;
  const orderName = VISIT_ORDER[category.column.toUpperCase()];
  const column =
    orderName && datasetOf(version, category.dataset)?.columns.find((c) => c.name.toUpperCase() === orderName);
  if (column) fields.category_order = { dataset: category.dataset, column: column.name };
}

export function resolveWidget(
  widget: WidgetDefinition,
  version: DatasetLookup,
  appliedFilters: AppliedFilter[] = [],
  view?: WidgetContext<unknown>['view'],
  sources?: FieldSources,
  study?: StudySettings,
): ResolvedWidget {
  const issues: MappingIssue[] = [];
  const type = widgetType(widget.type) ?? null;
  const fail = (problem: string): ResolvedWidget => ({
    type,
    ctx: null,
    report: { coverage: 0, issues },
    problem,
    scope: [],
    applied: [],
    ignored: appliedFilters.map((f) => f.field),
  });
  if (!type) return fail(`Unknown widget type "${widget.type}".`);

  const parsed = type.options.safeParse(widget.options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(`Option ${issue?.path.join('.') || '(options)'}: ${issue?.message ?? 'invalid'}.`);
  }

  const dataset = datasetOf(version, widget.data.dataset);
  if (!dataset) {
    issues.push({
      field: 'subject_id',
      kind: 'unknown-dataset',
      message: `The data has no dataset ${widget.data.dataset}.`,
    });
    return fail(`The active data has no dataset ${widget.data.dataset}.`);
  }
  const population = widget.data.population ? datasetOf(version, widget.data.population) : undefined;
  if (widget.data.population && !population) {
    issues.push({
      field: 'subject_id',
      kind: 'unknown-dataset',
      message: `The data has no dataset ${widget.data.population}.`,
    });
  }
  if (type.needsPopulation && !population) {
    return fail(`This widget needs a population dataset (DM or ADSL) for its denominators.`);
  }

  const fields: Record<string, ColumnRef> = {};
  const masked: string[] = [];
  for (const [field, path] of Object.entries(widget.data.mapping)) {
    const found = lookupColumn(version, path, dataset);
    const label = fieldSpec(type, field)?.label ?? field;
    if ('error' in found) {
      issues.push({ field, kind: found.error, message: `${label}: ${found.message}.` });
      continue;
    }
    const accepted = fieldSpec(type, field)?.types ?? ['any'];
    const kind = kindOf(found.type);
    if (!accepted.includes('any') && !accepted.includes(kind)) {
      issues.push({
        field,
        kind: 'type-mismatch',
        message: `${label}: ${found.ref.dataset}.${found.ref.column} is ${found.type}, but this field needs ${accepted.join(' or ')}.`,
      });
      continue;
    }
    fields[field] = found.ref;
    if (found.masked) masked.push(field);
  }

  defaultVisitOrder(type, fields, version);

  // Columns of other datasets are joined on the subject id, which must then exist there too.
  const subject = fields.subject_id;
  for (const [field, ref] of Object.entries(fields)) {
    if (ref.dataset === dataset.name) continue;
    const other = datasetOf(version, ref.dataset);
    const label = fieldSpec(type, field)?.label ?? field;
    if (!subject) {
      issues.push({
        field,
        kind: 'missing',
        message: `${label}: map Subject first, to join ${ref.dataset} to ${dataset.name}.`,
      });
      delete fields[field];
    } else if (!other?.columns.some((c) => c.name.toUpperCase() === subject.column.toUpperCase())) {
      issues.push({
        field,
        kind: 'unknown-column',
        message: `${label}: ${ref.dataset} has no ${subject.column} to join it on.`,
      });
      delete fields[field];
    }
  }

  const required = type.fields.filter((f) => f.required);
  for (const spec of required) {
    if (!fields[spec.key] && !issues.some((i) => i.field === spec.key)) {
      issues.push({ field: spec.key, kind: 'missing', message: `Map ${spec.label} to a column.` });
    }
  }
  const mapped = required.filter((f) => fields[f.key]).length;
  const report: MappingReport = { coverage: required.length === 0 ? 1 : mapped / required.length, issues };
  const blocking = required.find((f) => !fields[f.key]);
  if (blocking) {
    const issue = issues.find((i) => i.field === blocking.key);
    return { ...fail(issue?.message ?? `Map ${blocking.label} to a column.`), report };
  }

  const filters: QueryFilter[] = [];
  for (const [i, filter] of widget.data.filters.entries()) {
    const found = lookupColumn(version, filter.column, dataset);
    if ('error' in found) return { ...fail(`Widget filter ${i + 1}: ${found.message}.`), report };
    filters.push({ column: found.ref, op: filter.op, value: filter.value });
  }
  const applied: string[] = [];
  const ignored: string[] = [];
  const scope: SubjectScope[] = [];
  const target = { dataset: dataset.name, population: population?.name, subject: fields.subject_id, filters, scope };
  for (const filter of appliedFilters) {
    const ref = fields[filter.field];
    if (!ref) {
      const reached = applyUnmappedFilter(target, sources?.(filter.field) ?? null, filter);
      (reached ? applied : ignored).push(filter.field);
      continue;
    }
    applied.push(filter.field);
    filters.push({ column: ref, op: filter.op, value: filter.value });
  }

  return {
    type,
    ctx: {
      options: parsed.data,
      dataset: dataset.name,
      ...(population ? { population: population.name } : {}),
      fields,
      filters,
      ...(masked.length > 0 ? { masked: masked.filter((f) => fields[f]) } : {}),
      ...(view ? { view } : {}),
      ...(study ? { study } : {}),
    },
    report,
    problem: null,
    scope,
    applied,
    ignored,
  };
}
