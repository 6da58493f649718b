import { quoteIdent } from '@cdp/formats';
import type { PipelineCheck, PipelineColumn, PipelineDefinitionError } from '../executor.ts';
import { duckTypeOf } from './column-types.ts';
import { defineStatements, parseSqlBody } from './define-statements.ts';
import { openLockedDuckDb } from './locked-duckdb.ts';

/** What a save-time check needs of an input: its name and columns (its file may not exist yet). */
export interface SqlCheckInput {
  name: string;
  columns: PipelineColumn[];
}

const CHECK_MEMORY_BYTES = 256 * 1024 ** 2;

/**
 * Checks a SQL pipeline against its inputs' schemas without reading any data: each input becomes an
 * empty table of its columns, each statement is checked and bound as a view, and the outputs' columns
 * come from DESCRIBE. Errors name the statement: `statements[1] "flags": no dataset "LB" …`.
 */
export async function checkSql(body: unknown, inputs: SqlCheckInput[]): Promise<PipelineCheck> {
  let parsed: ReturnType<typeof parseSqlBody>;
  try {
    parsed = parseSqlBody(body);
  } catch (error) {
    return { issues: (error as PipelineDefinitionError).issues, outputs: [] };
  }
  const db = await openLockedDuckDb({ allowedPaths: [], memoryBytes: CHECK_MEMORY_BYTES, threads: 1 });
  try {
    for (const input of inputs) {
      const columns = input.columns.map((c) => `${quoteIdent(c.name)} ${duckTypeOf(c.type)}`).join(', ');
      await db.connection.run(`CREATE TABLE ${quoteIdent(input.name)} (${columns || '"_" INTEGER'})`);
    }
    const defined = await defineStatements(
      db.connection,
      parsed,
      inputs.map((input) => input.name),
    );
    const outputs = (parsed.outputs ?? parsed.statements.map((s) => s.name)).flatMap((name) => {
      const index = parsed.statements.findIndex((s) => s.name.toLowerCase() === name.toLowerCase());
      const columns = defined.columns.get(index);
      return columns ? [{ name: parsed.statements[index]?.name ?? name, columns }] : [];
    });
    return { issues: defined.issues, outputs };
  } finally {
    db.close();
  }
}
