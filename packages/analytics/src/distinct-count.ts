import type { DatasetStore, StoredDataset } from './dataset-store.ts';
import { datasetSource } from './protected-source.ts';
import { ident } from './values.ts';

/**
 * Distinct non-blank values of one column of a stored dataset (subjects: USUBJID of DM), or null
 * when the dataset has no such column. The name is looked up in the stored columns, never trusted.
 */
export async function distinctCount(store: DatasetStore, dataset: StoredDataset, name: string): Promise<number | null> {
  const column = dataset.columns.find((c) => c.name.toUpperCase() === name.toUpperCase());
  if (!column) return null;
  return store.withConnection(async (connection) => {
    const reader = await connection.runAndReadAll(
      `select count(distinct nullif(trim(${ident(column)}::varchar), '')) from ${datasetSource(dataset, { reads: [column.name] })}`,
    );
    return Number(reader.getRowsJson()[0]?.[0] ?? 0);
  });
}
