import { DuckDBInstance } from '@duckdb/node-api';
import { datasetFile } from '../src/lib/study-folders.ts';
import type { TestApp } from './harness.ts';

/*
 * A study's stored Parquet files and plain DuckDB SQL over them: what the real-data tests compute
 * their expected numbers with, apart from the widget and query-engine code.
 */

/** The stored Parquet file of each dataset of a study's versions, by upper-case dataset name. */
export async function storedDatasetFiles(t: TestApp, studyId: string): Promise<Record<string, string>> {
  const { rows } = await t.admin.query(
    `select d.name, d.file, d.org_id as "orgId", d.study_id as "studyId", v.label
       from datasets d join data_versions v on v.id = d.version_id where d.study_id = $1`,
    [studyId],
  );
  return Object.fromEntries(
    rows.map((r) => [String(r.name).toUpperCase(), datasetFile(t.ctx.config.dataDir, r, r.label)]),
  );
}

export interface ParquetSql {
  /** Rows of a query, as arrays; with `numbers`, strings of digits (DuckDB's BIGINT) as numbers. */
  sql(query: string): Promise<unknown[][]>;
  close(): void;
}

/**
 * Plain DuckDB SQL over stored Parquet files, apart from the widget and query-engine code: a view
 * per dataset named in lower case (`dm`, `ae`, …), for the numbers a test checks the API against.
 */
export async function parquetSql(
  files: Record<string, string>,
  names: readonly string[] = Object.keys(files),
  options: { numbers?: boolean } = {},
): Promise<ParquetSql> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  for (const name of names) {
    const file = files[name.toUpperCase()];
    if (!file) throw new Error(`no stored dataset ${name} (have ${Object.keys(files).join(', ')})`);
    await connection.run(
      `CREATE VIEW ${name.toLowerCase()} AS SELECT * FROM read_parquet('${file.replaceAll("'", "''")}')`,
    );
  }
  return {
    async sql(query) {
      const rows = (await connection.runAndReadAll(query)).getRowsJson() as unknown[][];
      if (!options.numbers) return rows;
      return rows.map((row) =>
        row.map((cell) => (typeof cell === 'string' && /^\d+$/.test(cell) ? Number(cell) : cell)),
      );
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
