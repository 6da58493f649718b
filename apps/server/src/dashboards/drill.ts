import type { QueryEngine } from '@cdp/analytics';
import type { ColumnRef, QueryExists, QueryFilter, QuerySpec, SubjectListing } from '@cdp/contracts';
import type { ResolvedWidget } from '@cdp/widgets';
import { equals, FIELDS, scopeSpec } from '@cdp/widgets';
import { datasetOf, resolverOf, type VersionData } from '../data/version-data.ts';
import { widgetProblem } from './run-widget.ts';

/** The columns of a subject listing, in order, when the widget maps them. */
const LISTING_FIELDS = ['subject_id', 'site', 'country', 'arm', 'sex', 'age', 'race'] as const;

type Point = Record<string, string | number | boolean | null>;

function label(field: string): string {
  return (FIELDS as Record<string, { label: string } | undefined>)[field]?.label ?? field;
}

const GENERIC = new Set(['category', 'series', 'value', 'x', 'y', 'date', 'row_group', 'column_group']);

/** How a clicked field reads: a generic chart field by its column's label ("Body System or Organ Class"). */
function pointLabel(version: VersionData, field: string, ref: ColumnRef): string {
  if (!GENERIC.has(field)) return label(field);
  const column = datasetOf(version, ref.dataset)?.columns.find((c) => c.name === ref.column);
  return column?.label ?? ref.column;
}

/**
 * The subjects behind one aggregate of a widget: those in the population (or, without one, the
 * widget's dataset) that pass the widget's filters and the dashboard's, and have at least one row of
 * the widget's dataset matching the clicked point (`{ arm: "Placebo", ae_term: "NAUSEA" }`).
 * Filters on the widget's dataset go together into one semi-join, so "serious AND nausea" must hold
 * for the same event; filters on other datasets are semi-joins of their own.
 */
export async function drillSubjects(
  engine: QueryEngine,
  version: VersionData,
  resolved: ResolvedWidget,
  point: Point,
  page: { offset: number; limit: number },
): Promise<SubjectListing> {
  const { type, ctx } = resolved;
  if (!type || !ctx) throw widgetProblem(resolved.problem ?? 'This widget cannot be drawn.');
  const subject = ctx.fields.subject_id;
  if (!subject) throw widgetProblem('Map Subject to drill down to the subjects behind this widget.');

  const pointFilters: QueryFilter[] = [];
  const words: string[] = [];
  for (const [field, value] of Object.entries(point)) {
    const ref = ctx.fields[field];
    if (!ref) throw widgetProblem(`This widget has no field "${field}" to drill on.`, { field });
    pointFilters.push(equals(ref, value));
    words.push(`${pointLabel(version, field, ref)} = ${value ?? '(missing)'}`);
  }
  const filters = [...ctx.filters, ...(type.drillFilters?.(ctx) ?? []), ...pointFilters];

  const from = ctx.population ?? ctx.dataset;
  const subjectIn = (dataset: string): ColumnRef => ({ dataset, column: subject.column });
  const where: QueryFilter[] = [];
  const exists: QueryExists[] = [];
  const byDataset = new Map<string, QueryFilter[]>();
  for (const filter of filters) {
    if (filter.column.dataset.toUpperCase() === from.toUpperCase()) where.push(filter);
    else byDataset.set(filter.column.dataset, [...(byDataset.get(filter.column.dataset) ?? []), filter]);
  }
  // Subjects behind an event widget have at least one event, even when nothing else is filtered.
  if (ctx.dataset.toUpperCase() !== from.toUpperCase() && !byDataset.has(ctx.dataset)) byDataset.set(ctx.dataset, []);
  for (const [dataset, datasetFilters] of byDataset) {
    exists.push({ dataset, on: [{ left: subjectIn(from), right: subject.column }], where: datasetFilters });
  }

  const select = LISTING_FIELDS.flatMap((field) => {
    const ref = ctx.fields[field];
    if (field === 'subject_id') return [{ column: subjectIn(from), as: 'subject_id' }];
    return ref && ref.dataset.toUpperCase() === from.toUpperCase() ? [{ column: ref, as: field }] : [];
  });
  const spec: QuerySpec = {
    from,
    where,
    exists,
    select,
    distinct: true,
    orderBy: [{ key: 'subject_id', dir: 'asc' }],
    limit: page.limit,
    offset: page.offset,
    withTotal: true,
  };
  const scoped = scopeSpec(resolverOf(version), spec, resolved.scope, subject.column, resolved.subjects);
  const { result } = await engine.run(scoped, resolverOf(version), { cacheKey: version.cacheKey ?? version.id });
  return {
    columns: result.columns.map((c) => ({ name: c.name, label: label(c.name), type: c.type, field: c.name })),
    rows: result.rows,
    total: result.total ?? result.rows.length,
    description: words.length > 0 ? words.join(' · ') : 'All subjects behind this widget',
  };
}
