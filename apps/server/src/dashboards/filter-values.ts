import type { QueryEngine } from '@cdp/analytics';
import type { ColumnRef, DashboardDocument, FilterValues } from '@cdp/contracts';
import { datasetOf, resolverOf, type VersionData } from '../data/version-data.ts';
import { AppError } from '../lib/app-error.ts';

const MAX_VALUES = 500;

/**
 * Where a dashboard filter's field lives: the column the dashboard's widgets map it to, preferring a
 * widget's population (one row per subject), so the counts are subjects.
 */
export function columnFor(
  version: VersionData,
  document: DashboardDocument,
  field: string,
): { ref: ColumnRef; subject?: string } | null {
  let best: { ref: ColumnRef; subject?: string; score: number } | null = null;
  for (const page of document.pages) {
    for (const widget of Object.values(page.widgets)) {
      const path = widget.data.mapping[field];
      if (!path) continue;
      const dot = path.indexOf('.');
      const dataset = datasetOf(version, dot >= 0 ? path.slice(0, dot) : widget.data.dataset);
      const name = dot >= 0 ? path.slice(dot + 1) : path;
      const column = dataset?.columns.find((c) => c.name.toUpperCase() === name.toUpperCase());
      if (!dataset || !column) continue;
      const subjectPath = widget.data.mapping.subject_id;
      const subjectName = subjectPath?.slice(subjectPath.indexOf('.') + 1);
      const subject = dataset.columns.find((c) => c.name.toUpperCase() === subjectName?.toUpperCase())?.name;
      const population = widget.data.population?.toUpperCase();
      const score = (dataset.name.toUpperCase() === population ? 2 : 0) + (subject ? 1 : 0);
      if (!best || score > best.score)
        best = { ref: { dataset: dataset.name, column: column.name }, ...(subject ? { subject } : {}), score };
    }
  }
  return best;
}

/** The values of a dashboard filter's field, with how many subjects have each. */
export async function filterValues(
  engine: QueryEngine,
  version: VersionData,
  document: DashboardDocument,
  field: string,
): Promise<FilterValues> {
  const found = columnFor(version, document, field);
  if (!found) {
    throw new AppError(
      'INVALID_QUERY',
      `No widget of this dashboard maps the field "${field}", so the filter has no values.`,
    );
  }
  const { ref, subject } = found;
  const count = subject
    ? { op: 'count_distinct' as const, column: { dataset: ref.dataset, column: subject }, as: 'n' }
    : { op: 'count' as const, as: 'n' };
  const resolver = resolverOf(version);
  const [values, range] = await Promise.all([
    engine.run(
      {
        from: ref.dataset,
        where: [{ column: ref, op: 'notnull' }],
        groupBy: [{ column: ref, as: 'value' }],
        measures: [count],
        orderBy: [{ key: 'value', dir: 'asc' }],
        limit: MAX_VALUES,
      },
      resolver,
      { cacheKey: version.cacheKey ?? version.id },
    ),
    engine.run(
      {
        from: ref.dataset,
        measures: [
          { op: 'min', column: ref, as: 'min' },
          { op: 'max', column: ref, as: 'max' },
        ],
      },
      resolver,
      { cacheKey: version.cacheKey ?? version.id },
    ),
  ]);
  const [min, max] = (range.result.rows[0] ?? [null, null]) as [string | number | null, string | number | null];
  return {
    field,
    values: values.result.rows.map(([value, n]) => ({ value: value as string | number | boolean, count: Number(n) })),
    min: min ?? null,
    max: max ?? null,
  };
}
