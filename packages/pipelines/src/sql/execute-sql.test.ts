import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { openDuckDb, quoteLiteral } from '@cdp/formats';
import { hasSharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineDefinitionError, type PipelineInput } from '../executor.ts';
import { filesIn, pilotInputs, pilotRows, recordingRequest, removeDir, tempDir } from '../testing.ts';
import { checkSql } from './check-sql.ts';
import { executeSql } from './execute-sql.ts';

async function readParquet(file: string): Promise<Record<string, unknown>[]> {
  const db = await openDuckDb();
  try {
    const reader = await db.connection.runAndReadAll(`SELECT * FROM read_parquet(${quoteLiteral(file)})`);
    return reader.getRowObjectsJson();
  } finally {
    db.close();
  }
}

describe.runIf(hasSharedData('SQL pipeline tests on the pilot SDTM', 'cdiscpilot01'))(
  'executeSql on the pilot SDTM',
  () => {
    let dir: string;
    let inputs: PipelineInput[];
    let run = 0;

    beforeAll(async () => {
      dir = await tempDir('cdp-sql-');
      inputs = await pilotInputs(path.join(dir, 'inputs'), ['dm', 'ae']);
    }, 60_000);
    afterAll(() => removeDir(dir));

    async function outputDir(): Promise<string> {
      const out = path.join(dir, `out-${++run}`);
      await mkdir(out);
      return out;
    }

    async function refusal(statements: { name: string; sql: string }[]): Promise<string> {
      const out = await outputDir();
      const error = await executeSql(
        recordingRequest({ kind: 'sql', body: { statements }, inputs, outputDir: out }),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PipelineDefinitionError);
      expect(await filesIn(out)).toEqual([]);
      return (error as Error).message;
    }

    it('writes the output statements, with values computed independently from the XPT files', async () => {
      const out = await outputDir();
      const request = recordingRequest({
        kind: 'sql',
        body: {
          statements: [
            { name: 'elderly', sql: 'SELECT USUBJID, ARM, AGE FROM DM WHERE AGE >= 65' },
            {
              name: 'by_arm',
              sql: 'SELECT ARM, count(*) AS n, avg(AGE) AS mean_age FROM elderly GROUP BY ARM ORDER BY ARM',
            },
            {
              name: 'serious',
              sql: `SELECT d.ARM, count(DISTINCT a.USUBJID) AS subjects
                  FROM AE a JOIN DM d USING (USUBJID) WHERE a.AESER = 'Y' GROUP BY d.ARM ORDER BY d.ARM`,
            },
          ],
          outputs: ['by_arm', 'serious'],
        },
        inputs,
        outputDir: out,
      });
      const result = await executeSql(request);

      const dm = await pilotRows('dm');
      const ae = await pilotRows('ae');
      const arms = [...new Set(dm.map((r) => String(r.ARM)))].sort();
      const expectedByArm = arms
        .map((arm) => {
          const ages = dm.filter((r) => r.ARM === arm && Number(r.AGE) >= 65).map((r) => Number(r.AGE));
          return { ARM: arm, n: ages.length, mean_age: ages.reduce((a, b) => a + b, 0) / ages.length };
        })
        .filter((row) => row.n > 0);
      const armOf = new Map(dm.map((r) => [r.USUBJID, String(r.ARM)]));
      const seriousSubjects = new Map<string, Set<unknown>>();
      for (const row of ae.filter((r) => r.AESER === 'Y')) {
        const arm = armOf.get(row.USUBJID);
        if (arm === undefined) continue;
        seriousSubjects.set(arm, (seriousSubjects.get(arm) ?? new Set()).add(row.USUBJID));
      }
      const expectedSerious = [...seriousSubjects.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([arm, subjects]) => ({ ARM: arm, subjects: subjects.size }));

      expect(result.outputs.map((o) => o.name)).toEqual(['by_arm', 'serious']);
      const byArm = await readParquet(path.join(out, 'by_arm.parquet'));
      expect(byArm.map((r) => ({ ARM: r.ARM, n: Number(r.n) }))).toEqual(
        expectedByArm.map(({ ARM, n }) => ({ ARM, n })),
      );
      for (const [i, row] of byArm.entries()) {
        expect(Number(row.mean_age)).toBeCloseTo(expectedByArm[i]?.mean_age ?? Number.NaN, 10);
      }
      const serious = await readParquet(path.join(out, 'serious.parquet'));
      expect(serious.map((r) => ({ ARM: r.ARM, subjects: Number(r.subjects) }))).toEqual(expectedSerious);
      expect(expectedSerious.length).toBeGreaterThan(0);

      expect(result.outputs[0]).toMatchObject({
        rows: expectedByArm.length,
        columns: [
          { name: 'ARM', type: 'string' },
          { name: 'n', type: 'integer' },
          { name: 'mean_age', type: 'number' },
        ],
      });
      expect(await filesIn(out)).toEqual(['by_arm.parquet', 'serious.parquet']);
      expect(request.progress.map((p) => `${p.step}/${p.steps}`)).toContain('3/3');
      expect(request.logs.map((l) => l.message)).toContain(
        `by_arm: ${expectedByArm.length} rows written in ${request.logs.find((l) => l.message.startsWith('by_arm'))?.message.split(' in ')[1]}`,
      );
    });

    it.each([
      ['read_csv of a path', "SELECT * FROM read_csv('/etc/passwd')", 'read_csv() is not allowed'],
      ['read_parquet of an input file', 'INPUT_FILE', 'read_parquet() is not allowed'],
      ['a file named in FROM', "SELECT * FROM '/etc/hosts'", 'no dataset "/etc/hosts"'],
      ['read_text', "SELECT * FROM read_text('/etc/hostname')", 'read_text() is not allowed'],
      ['the settings', 'SELECT * FROM duckdb_settings()', 'duckdb_settings() is not allowed'],
      ['the catalog', 'SELECT * FROM information_schema.tables', 'no dataset "information_schema.tables"'],
      ['query()', "SELECT * FROM query('SELECT 1')", 'query() is not allowed'],
      ['COPY', "COPY DM TO '/tmp/dm.csv'", 'COPY is not allowed'],
      ['ATTACH', "ATTACH '/tmp/x.duckdb' AS x", 'ATTACH is not allowed'],
      ['INSTALL', 'INSTALL httpfs', 'INSTALL is not allowed'],
      ['LOAD', 'LOAD httpfs', 'LOAD is not allowed'],
      ['SET', 'SET enable_external_access = true', 'SET is not allowed'],
      ['PRAGMA', 'PRAGMA version', 'PRAGMA is not allowed'],
      ['CREATE', 'CREATE TABLE t AS SELECT * FROM DM', 'CREATE is not allowed'],
      ['DROP', 'DROP VIEW DM', 'DROP is not allowed'],
      ['two statements', 'SELECT 1; SELECT 2', 'one SELECT per statement, found 2 statements'],
      ['a statement hidden after a comment', "SELECT 1 /* x */; COPY DM TO '/tmp/x'", 'one SELECT per statement'],
      ['DESCRIBE', 'DESCRIBE DM', 'DESCRIBE, SHOW and SUMMARIZE are not allowed'],
      [
        'SUMMARIZE of a file',
        "SUMMARIZE SELECT * FROM read_csv('/etc/passwd')",
        'DESCRIBE, SHOW and SUMMARIZE are not allowed',
      ],
      ['EXPLAIN', 'EXPLAIN SELECT * FROM DM', 'EXPLAIN is not allowed'],
      ['CALL', 'CALL duckdb_settings()', 'CALL is not allowed'],
      ['a later statement', 'SELECT * FROM later', 'no dataset "later"'],
      ['a syntax error', 'SELEC 1', 'syntax error'],
    ])('refuses %s, naming the statement', async (_what, sql, message) => {
      const text = sql === 'INPUT_FILE' ? `SELECT * FROM read_parquet(${quoteLiteral(inputs[0]?.path ?? '')})` : sql;
      const error = await refusal([
        { name: 'ok', sql: 'SELECT USUBJID FROM DM' },
        { name: 'flags', sql: text },
        { name: 'later', sql: 'SELECT 1 AS x' },
      ]);
      expect(error).toContain(`statements[1] "flags": ${message}`);
    });

    it('refuses a statement named like an input, and reports a bad column from DuckDB', async () => {
      expect(await refusal([{ name: 'dm', sql: 'SELECT 1' }])).toContain(
        'statements[0] "dm": "dm" is the name of an input',
      );
      expect(await refusal([{ name: 'x', sql: 'SELECT NOPE FROM DM' }])).toMatch(/statements\[0\] "x": .*NOPE/);
    });

    it('names the statement of a run-time error and removes the outputs already written', async () => {
      const message = await refusal([
        { name: 'first', sql: 'SELECT USUBJID FROM DM' },
        { name: 'bad', sql: 'SELECT CAST(USUBJID AS INTEGER) AS n FROM DM' },
      ]);
      expect(message).toMatch(/^statements\[1\] "bad": .*Could not convert string/);
    });

    it('interrupts DuckDB at the time limit and leaves no files', async () => {
      const out = await outputDir();
      const started = Date.now();
      const error = await executeSql(
        recordingRequest({
          kind: 'sql',
          body: { statements: [{ name: 'slow', sql: 'SELECT count(*) AS n FROM range(100000000000) a' }] },
          inputs,
          outputDir: out,
          limits: { wallClockSeconds: 1 },
        }),
      ).catch((e: unknown) => e);
      expect((error as Error).message).toBe('statements: time limit of 1 s reached');
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await filesIn(out)).toEqual([]);
    });

    it('stops on cancel', async () => {
      const out = await outputDir();
      const controller = new AbortController();
      const pending = executeSql(
        recordingRequest({
          kind: 'sql',
          body: { statements: [{ name: 'slow', sql: 'SELECT count(*) AS n FROM range(100000000000) a' }] },
          inputs,
          outputDir: out,
          signal: controller.signal,
        }),
      );
      setTimeout(() => controller.abort(new Error('cancelled by the user')), 300);
      await expect(pending).rejects.toThrow('cancelled by the user');
      expect(await filesIn(out)).toEqual([]);
    });

    it('checks a definition against column schemas alone, with the outputs from DESCRIBE', async () => {
      const dmOnly = inputs.filter((i) => i.name === 'DM').map(({ name, columns }) => ({ name, columns }));
      const check = await checkSql(
        {
          statements: [
            { name: 'ages', sql: 'SELECT USUBJID, AGE, AGE >= 65 AS elderly, RFSTDTC FROM DM' },
            { name: 'flags', sql: "SELECT * FROM read_csv('/etc/passwd')" },
          ],
        },
        dmOnly,
      );
      expect(check.issues).toEqual([
        { path: 'statements[1] "flags"', message: expect.stringContaining('read_csv() is not allowed') },
      ]);
      expect(check.outputs).toEqual([
        {
          name: 'ages',
          columns: [
            { name: 'USUBJID', type: 'string' },
            { name: 'AGE', type: 'number' },
            { name: 'elderly', type: 'boolean' },
            { name: 'RFSTDTC', type: expect.any(String) },
          ],
        },
      ]);
      expect((await checkSql({ statements: [] }, dmOnly)).issues).toEqual([
        { path: 'statements', message: 'a SQL pipeline needs at least one statement' },
      ]);
    });
  },
);
