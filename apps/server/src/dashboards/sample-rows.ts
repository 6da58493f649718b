import type { QueryEngine } from '@cdp/analytics';
import { QueryError } from '@cdp/analytics';
import type { ColumnRef, WidgetDefinition, WidgetPreviewResponse } from '@cdp/contracts';
import type { ResolvedWidget } from '@cdp/widgets';
import { datasetOf, resolverOf, type VersionData } from '../data/version-data.ts';

const SAMPLE_ROWS = 20;

/**
 * The first rows of the columns a widget maps, as the dataset has them (population columns joined on
 * the subject id), for the builder's preview. Unmapped or unknown columns are left out.
 */
export async function sampleRows(
  engine: QueryEngine,
  version: VersionData,
  widget: WidgetDefinition,
  resolved: ResolvedWidget,
): Promise<WidgetPreviewResponse['sample']> {
  const dataset = datasetOf(version, widget.data.dataset);
  const fields = resolved.ctx?.fields ?? {};
  const refs = Object.entries(fields).filter((entry): entry is [string, ColumnRef] => entry[1] !== undefined);
  if (!dataset || refs.length === 0) return { columns: [], rows: [] };
  const subject = fields.subject_id;
  const joined = new Set(refs.map(([, ref]) => ref.dataset).filter((d) => d !== dataset.name));
  if (joined.size > 0 && !subject) return { columns: [], rows: [] };
  try {
    const { result } = await engine.run(
      {
        from: dataset.name,
        joins: [...joined].map((name) => ({
          dataset: name,
          kind: 'left' as const,
          on: [{ left: { dataset: dataset.name, column: subject?.column ?? '' }, right: subject?.column ?? '' }],
        })),
        select: refs.map(([field, ref]) => ({ column: ref, as: field })),
        limit: SAMPLE_ROWS,
      },
      resolverOf(version),
      { cacheKey: version.cacheKey ?? version.id },
    );
    return {
      columns: result.columns.map((c) => {
        const ref = fields[c.name];
        return { name: c.name, label: ref ? `${ref.dataset}.${ref.column}` : c.name, type: c.type, field: c.name };
      }),
      rows: result.rows,
    };
  } catch (error) {
    if (error instanceof QueryError) return { columns: [], rows: [] };
    throw error;
  }
}
