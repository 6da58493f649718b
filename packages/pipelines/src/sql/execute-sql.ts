import { rm } from 'node:fs/promises';
import path from 'node:path';
import { duckMessage, quoteIdent, quoteLiteral } from '@cdp/formats';
import {
  type ExecutePipelineRequest,
  type ExecutePipelineResult,
  PipelineDefinitionError,
  type PipelineExecutor,
  type PipelineOutputFile,
} from '../executor.ts';
import { defineStatements, parseSqlBody, statementPath } from './define-statements.ts';
import { openLockedDuckDb } from './locked-duckdb.ts';

const DEFAULT_WALL_CLOCK_SECONDS = 300;
const DEFAULT_MEMORY_BYTES = 1024 ** 3;
const THREADS = 2;

/**
 * Runs a SQL pipeline: the inputs become views over their Parquet files, each statement a view over
 * them, and every output statement is written to `outputDir/<name>.parquet`. The DuckDB has external
 * access off and its configuration locked (see `locked-duckdb.ts`); its only reachable files are the
 * inputs and the outputs. A cancel or the time limit interrupts DuckDB; on any failure the files
 * written so far are removed.
 */
export const executeSql: PipelineExecutor = async (request) => {
  const body = parseSqlBody(request.body);
  const outputNames = new Set((body.outputs ?? body.statements.map((s) => s.name)).map((n) => n.toLowerCase()));
  const targets = body.statements.map((statement) =>
    outputNames.has(statement.name.toLowerCase()) ? path.join(request.outputDir, `${statement.name}.parquet`) : null,
  );
  const seconds = request.limits?.wallClockSeconds ?? DEFAULT_WALL_CLOCK_SECONDS;
  const db = await openLockedDuckDb({
    allowedPaths: [...request.inputs.map((input) => input.path), ...targets.filter((t): t is string => t !== null)],
    memoryBytes: request.limits?.memoryBytes ?? DEFAULT_MEMORY_BYTES,
    threads: THREADS,
  });
  let timedOut = false;
  const interrupt = () => db.connection.interrupt();
  const timer = setTimeout(() => {
    timedOut = true;
    interrupt();
  }, seconds * 1000);
  request.signal.addEventListener('abort', interrupt);
  const written: string[] = [];
  let current = -1;
  try {
    request.signal.throwIfAborted();
    return await run(request, body, targets, written, (index) => {
      current = index;
    });
  } catch (error) {
    await Promise.all(written.map((file) => rm(file, { force: true })));
    if (request.signal.aborted) throw request.signal.reason ?? error;
    if (timedOut)
      throw new PipelineDefinitionError([{ path: 'statements', message: `time limit of ${seconds} s reached` }]);
    if (error instanceof PipelineDefinitionError) throw error;
    const statement = body.statements[current];
    if (statement)
      throw new PipelineDefinitionError([
        { path: statementPath(current, statement.name), message: duckMessage(error) },
      ]);
    throw error;
  } finally {
    clearTimeout(timer);
    request.signal.removeEventListener('abort', interrupt);
    db.close();
  }

  async function run(
    req: ExecutePipelineRequest,
    parsed: typeof body,
    files: (string | null)[],
    done: string[],
    at: (index: number) => void,
  ): Promise<ExecutePipelineResult> {
    const { connection } = db;
    for (const input of req.inputs) {
      await connection.run(
        `CREATE VIEW ${quoteIdent(input.name)} AS SELECT * FROM read_parquet(${quoteLiteral(input.path)})`,
      );
    }
    const defined = await defineStatements(
      connection,
      parsed,
      req.inputs.map((input) => input.name),
    );
    if (defined.issues.length > 0) throw new PipelineDefinitionError(defined.issues);

    const outputs: PipelineOutputFile[] = [];
    for (const [index, statement] of parsed.statements.entries()) {
      at(index);
      req.onProgress({ step: index + 1, steps: parsed.statements.length, message: statement.name });
      const file = files[index];
      if (!file) {
        req.onLog({ level: 'info', step: index, message: `${statement.name}: view defined (not an output)` });
        continue;
      }
      const started = performance.now();
      done.push(file);
      await connection.run(
        `COPY (SELECT * FROM ${quoteIdent(statement.name)}) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      const count = await connection.runAndReadAll(`SELECT count(*) FROM read_parquet(${quoteLiteral(file)})`);
      const rows = Number(count.getRows()[0]?.[0] ?? 0);
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      req.onProgress({ step: index + 1, steps: parsed.statements.length, rows, message: statement.name });
      req.onLog({
        level: 'info',
        step: index,
        message: `${statement.name}: ${rows.toLocaleString('en-US')} rows written in ${seconds} s`,
      });
      outputs.push({ name: statement.name, path: file, rows, columns: defined.columns.get(index) ?? [] });
    }
    return { outputs };
  }
};
