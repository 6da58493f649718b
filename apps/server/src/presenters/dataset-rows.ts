import type { RowPage } from '@cdp/analytics';
import { DatasetRows } from '@cdp/contracts';
import type { VersionDataset } from '../data/version-data.ts';
import { presentDataset, withPhiMarks } from './data.ts';

/**
 * A reader's columns of a dataset as JSON, written once per protected dataset: `protectedVersion`
 * keeps one per reader's protection, so the columns (with their PHI marks) are presented and
 * checked against the contract once, not on every page.
 */
const columnsJson = new WeakMap<VersionDataset, string>();

/**
 * The body of a page of rows (`DatasetRows`), written as text from the rows' JSON: a page of 50 rows
 * by 26 columns no longer goes through the response schema cell by cell.
 */
export function datasetRowsBody(dataset: VersionDataset, page: RowPage): string {
  let columns = columnsJson.get(dataset);
  if (columns === undefined) {
    const presented = withPhiMarks(presentDataset(dataset.row).columns, dataset);
    columns = JSON.stringify(DatasetRows.parse({ columns: presented, rows: [], total: 0 }).columns);
    columnsJson.set(dataset, columns);
  }
  return `{"columns":${columns},"rows":[${page.rows.join(',')}],"total":${page.total}}`;
}
