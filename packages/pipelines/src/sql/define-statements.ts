import { SqlPipelineBody } from '@cdp/contracts';
import { duckMessage, quoteIdent } from '@cdp/formats';
import type { DuckDBConnection } from '@duckdb/node-api';
import { type PipelineColumn, PipelineDefinitionError } from '../executor.ts';
import { manifestTypeOf } from './column-types.ts';
import { statementProblem } from './validate-statement.ts';

type Issue = { path: string; message: string };

/** `statements[1] "flags"`: how an error names a statement. */
export function statementPath(index: number, name: string): string {
  return `statements[${index}] "${name}"`;
}

/** The body as its schema defines it, or a definition error naming each problem's path. */
export function parseSqlBody(body: unknown): SqlPipelineBody {
  const parsed = SqlPipelineBody.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new PipelineDefinitionError(
    parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
  );
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
    '',
  );
}

export interface DefinedStatements {
  issues: Issue[];
  /** Columns of each statement that was defined, by statement index. */
  columns: Map<number, PipelineColumn[]>;
}

/**
 * Creates one view per statement, in order, on a connection where the inputs already exist under
 * `inputNames`. A statement that fails its checks or does not bind is reported and not created; the
 * ones after it that read it then report it as unknown, which is what the user needs to hear.
 */
export async function defineStatements(
  connection: DuckDBConnection,
  body: SqlPipelineBody,
  inputNames: string[],
): Promise<DefinedStatements> {
  const issues: Issue[] = [];
  const columns = new Map<number, PipelineColumn[]>();
  const datasets = new Set(inputNames.map((name) => name.toLowerCase()));
  for (const [index, statement] of body.statements.entries()) {
    const path = statementPath(index, statement.name);
    if (inputNames.some((name) => name.toLowerCase() === statement.name.toLowerCase())) {
      issues.push({ path, message: `"${statement.name}" is the name of an input; name the statement differently` });
      continue;
    }
    const problem = await statementProblem(connection, statement.sql, datasets);
    if (problem) {
      issues.push({ path, message: problem });
      continue;
    }
    try {
      await connection.run(`CREATE VIEW ${quoteIdent(statement.name)} AS ${statement.sql}`);
      const described = await connection.runAndReadAll(`DESCRIBE ${quoteIdent(statement.name)}`);
      columns.set(
        index,
        described.getRowObjectsJson().map((row) => ({
          name: String(row.column_name),
          type: manifestTypeOf(String(row.column_type)),
        })),
      );
      datasets.add(statement.name.toLowerCase());
    } catch (error) {
      issues.push({ path, message: duckMessage(error) });
    }
  }
  return { issues, columns };
}
