import path from 'node:path';
import { PipelineDefinitionError } from '@cdp/pipelines';
import { DuckDBInstance } from '@duckdb/node-api';
import type { PipelineEngine } from '../src/pipelines/executors.ts';

/**
 * A small engine for tests of the runtime's mechanics (queue, progress, cancel, retries, outputs):
 * real DuckDB over the real input Parquet files. Body: `{ steps: [{ sql, sleepMs? }], output }`;
 * each step makes table `step<i>` from its SQL (inputs are views by their names, earlier steps are
 * tables), the last step is written to `<output>.parquet`. `failOnce` throws an infrastructure
 * error on the first attempt of a run it names (to test retries).
 */
export interface TestBody {
  steps: { sql: string; sleepMs?: number }[];
  output: string;
  /** Throw a plain (infrastructure) error while this marker is in the set; it is removed when thrown. */
  failOnce?: string;
}

export const FAIL_ONCE = new Set<string>();

function quote(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

async function open(inputs: { name: string; path?: string; columns: { name: string; type: string }[] }[]) {
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
  const connection = await instance.connect();
  for (const input of inputs) {
    if (input.path) {
      await connection.run(`CREATE VIEW "${input.name}" AS SELECT * FROM read_parquet(${quote(input.path)})`);
    } else {
      const columns = input.columns.map(
        (c) =>
          `"${c.name}" ${c.type === 'string' ? 'VARCHAR' : c.type === 'integer' ? 'BIGINT' : c.type === 'number' ? 'DOUBLE' : c.type === 'date' ? 'DATE' : c.type === 'datetime' ? 'TIMESTAMP' : c.type === 'boolean' ? 'BOOLEAN' : 'VARCHAR'}`,
      );
      await connection.run(`CREATE TABLE "${input.name}" (${columns.join(', ')})`);
    }
  }
  return {
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

function asBody(body: unknown): TestBody {
  const b = body as TestBody;
  if (!b || !Array.isArray(b.steps) || typeof b.output !== 'string') {
    throw new PipelineDefinitionError([{ path: 'steps', message: 'steps and output are required' }]);
  }
  return b;
}

export const testEngine: PipelineEngine = {
  async check(body, inputs) {
    let b: TestBody;
    try {
      b = asBody(body);
    } catch (error) {
      return { issues: (error as PipelineDefinitionError).issues, outputs: [] };
    }
    const db = await open(inputs);
    try {
      let columns: { name: string; type: string }[] = [];
      for (const [i, step] of b.steps.entries()) {
        try {
          await db.connection.run(`CREATE TABLE step${i} AS SELECT * FROM (${step.sql}) LIMIT 0`);
          const described = await db.connection.runAndReadAll(`DESCRIBE step${i}`);
          columns = described.getRowsJson().map((r) => ({ name: String(r[0]), type: String(r[1]) }));
        } catch (error) {
          return {
            issues: [{ path: `steps[${i}].sql`, message: (error as Error).message.split('\n')[0] ?? '' }],
            outputs: [],
          };
        }
      }
      return { issues: [], outputs: [{ name: b.output, columns }] };
    } finally {
      db.close();
    }
  },

  async execute(request) {
    const b = asBody(request.body);
    const db = await open(request.inputs);
    const onAbort = () => db.connection.interrupt();
    request.signal.addEventListener('abort', onAbort);
    try {
      for (const [i, step] of b.steps.entries()) {
        request.onProgress({ step: i + 1, steps: b.steps.length, message: `step ${i + 1}` });
        const started = Date.now();
        for (let waited = 0; waited < (step.sleepMs ?? 0); waited += 50) {
          if (request.signal.aborted) throw new Error('aborted');
          await new Promise((r) => setTimeout(r, 50));
        }
        if (b.failOnce && FAIL_ONCE.delete(b.failOnce)) throw new Error(`simulated storage failure (${b.failOnce})`);
        try {
          await db.connection.run(`CREATE TABLE step${i} AS ${step.sql}`);
        } catch (error) {
          if (request.signal.aborted) throw error;
          throw new PipelineDefinitionError([
            { path: `steps[${i}].sql`, message: (error as Error).message.split('\n')[0] ?? '' },
          ]);
        }
        const rows = Number((await db.connection.runAndReadAll(`SELECT count(*) FROM step${i}`)).getRowsJson()[0]?.[0]);
        request.onLog({
          level: 'info',
          step: i,
          message: `step ${i + 1}: ${rows} rows out in ${Date.now() - started} ms`,
        });
      }
      const last = b.steps.length - 1;
      const file = path.join(request.outputDir, `${b.output}.parquet`);
      await db.connection.run(`COPY step${last} TO ${quote(file)} (FORMAT parquet)`);
      const described = await db.connection.runAndReadAll(`DESCRIBE step${last}`);
      const rows = Number(
        (await db.connection.runAndReadAll(`SELECT count(*) FROM step${last}`)).getRowsJson()[0]?.[0],
      );
      return {
        outputs: [
          {
            name: b.output,
            path: file,
            rows,
            columns: described.getRowsJson().map((r) => ({ name: String(r[0]), type: String(r[1]) })),
          },
        ],
      };
    } finally {
      request.signal.removeEventListener('abort', onAbort);
      db.close();
    }
  },
};
