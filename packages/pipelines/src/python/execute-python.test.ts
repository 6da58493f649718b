import { execFile } from 'node:child_process';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { openDuckDb, quoteLiteral } from '@cdp/formats';
import { hasSharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineDefinitionError, PipelineEngineUnavailableError, type PipelineInput } from '../executor.ts';
import {
  filesIn,
  pilotInputs,
  pilotRows,
  type RecordedRequest,
  recordingRequest,
  removeDir,
  tempDir,
} from '../testing.ts';
import { checkPython } from './check-python.ts';
import { createPythonExecutor } from './execute-python.ts';

let dir: string;
let scratch: string;
let run = 0;
const execute = () => createPythonExecutor({ scratchDir: scratch });

beforeAll(async () => {
  dir = await tempDir('cdp-python-test-');
  scratch = path.join(dir, 'scratch');
  await mkdir(scratch);
  // The sandbox runs as an ordinary user when the tests run as root: it must be able to walk down to its folders.
  await chmod(dir, 0o755);
});
afterAll(() => removeDir(dir));

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const db = await openDuckDb();
  try {
    return (await db.connection.runAndReadAll(sql)).getRowObjectsJson();
  } finally {
    db.close();
  }
}

async function request(
  script: string,
  inputs: PipelineInput[] = [],
  extra: { outputs?: string[]; wallClockSeconds?: number; signal?: AbortSignal } = {},
): Promise<RecordedRequest> {
  const outputDir = path.join(dir, `out-${++run}`);
  await mkdir(outputDir);
  return recordingRequest({
    kind: 'python',
    body: { script, ...(extra.outputs ? { outputs: extra.outputs } : {}) },
    inputs,
    outputDir,
    signal: extra.signal,
    limits: extra.wallClockSeconds ? { wallClockSeconds: extra.wallClockSeconds } : undefined,
  });
}

/** Runs a script expected to fail; checks that nothing is left behind and returns the error and the log. */
async function failure(req: RecordedRequest): Promise<{ error: Error; log: string }> {
  const error = await execute()(req).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  expect(await filesIn(req.outputDir)).toEqual([]);
  expect(await filesIn(scratch)).toEqual([]);
  return { error: error as Error, log: req.logs.map((l) => l.message).join('\n') };
}

describe('the exchange of data with the sandbox', () => {
  let typed: PipelineInput;

  beforeAll(async () => {
    const file = path.join(dir, 'typed.parquet');
    await query(`COPY (SELECT * FROM (VALUES
        (1, 9007199254740993::BIGINT, 0.1::DOUBLE, 'plain', true, DATE '2024-02-29', TIMESTAMP '2024-03-01 12:34:56.789012', TIME '23:59:59.999999'),
        (2, -4611686018427387904::BIGINT, 1e-300::DOUBLE, '', false, DATE '1900-01-01', TIMESTAMP '1901-12-13 20:45:52.000001', TIME '00:00:00'),
        (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (4, 0::BIGINT, 0.30000000000000004::DOUBLE, 'ünïcødé "quoted", with, commas' || chr(10) || 'and a new line', true, DATE '1960-01-01', TIMESTAMP '1969-12-31 23:59:59.5', TIME '12:00:00.5'),
        (5, 123::BIGINT, -1.7976931348623157e308::DOUBLE, 'NULL', NULL, DATE '2262-04-11', TIMESTAMP '2262-04-11 00:00:00', NULL),
        (6, -1::BIGINT, 5e-324::DOUBLE, 'NaN', false, DATE '0001-01-01', TIMESTAMP '1677-09-22 00:00:00', TIME '01:02:03')
      ) t(ID, I, F, S, B, D, TS, T)) TO ${quoteLiteral(file)} (FORMAT parquet)`);
    typed = {
      name: 'TYPED',
      path: file,
      columns: ['ID', 'I', 'F', 'S', 'B', 'D', 'TS', 'T'].map((name) => ({ name, type: 'string' })),
    };
  });

  it('round-trips every type, with missing values, exactly', async () => {
    const req = await request(
      `df = read_dataset("typed")
print(";".join(f"{c}={t}" for c, t in df.dtypes.astype(str).items()))
print(repr(df.loc[0, "D"]), repr(df.loc[2, "S"]), repr(df.loc[2, "F"]))
save_dataset(df, "typed_back")`,
      [typed],
    );
    const result = await execute()(req);
    expect(req.logs.map((l) => l.message)).toContain(
      'ID=Int64;I=Int64;F=float64;S=object;B=boolean;D=object;TS=datetime64[ns];T=object',
    );
    expect(req.logs.map((l) => l.message)).toContain('datetime.date(2024, 2, 29) None nan');
    const output = result.outputs[0];
    expect(output?.columns).toEqual([
      { name: 'ID', type: 'integer' },
      { name: 'I', type: 'integer' },
      { name: 'F', type: 'number' },
      { name: 'S', type: 'string' },
      { name: 'B', type: 'boolean' },
      { name: 'D', type: 'date' },
      { name: 'TS', type: 'datetime' },
      { name: 'T', type: 'time' },
    ]);
    const a = `read_parquet(${quoteLiteral(typed.path)})`;
    const b = `read_parquet(${quoteLiteral(output?.path ?? '')})`;
    // EXCEPT compares NULLs as equal, so both directions empty means the same rows, missing values included.
    expect(await query(`SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}`)).toEqual([]);
    expect(await query(`SELECT * FROM ${b} EXCEPT ALL SELECT * FROM ${a}`)).toEqual([]);
    expect(output?.rows).toBe(6);
    const types = await query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${b})`);
    expect(types.map((t) => t.column_type)).toEqual([
      'BIGINT',
      'BIGINT',
      'DOUBLE',
      'VARCHAR',
      'BOOLEAN',
      'DATE',
      'TIMESTAMP',
      'TIME',
    ]);
    expect(await filesIn(scratch)).toEqual([]);
  });

  it('saves what a script builds: numpy and pandas dtypes, Python objects, an index', async () => {
    const req = await request(
      `import datetime as dt
import numpy as np
import pandas as pd
df = pd.DataFrame({
    "i32": np.array([1, -2, 3], dtype="int32"),
    "u8": np.array([0, 255, 7], dtype="uint8"),
    "nullable": pd.array([1, None, 3], dtype="Int64"),
    "f32": np.array([0.5, np.nan, 1.25], dtype="float32"),
    "mixed_numbers": [1, 2.5, None],
    "cat": pd.Categorical(["a", "b", None]),
    "text": pd.array(["x", None, "z"], dtype="string"),
    "flag": [True, None, False],
    "day": [dt.date(2020, 1, 31), None, dt.date(1999, 12, 31)],
    "stamp": [dt.datetime(2020, 1, 1, 8, 30, 0, 123456), None, pd.Timestamp("2021-06-01 00:00:01")],
    "clock": [dt.time(7, 45), None, dt.time(23, 0, 0, 1)],
}, index=pd.Index(["r1", "r2", "r3"], name="row"))
save_dataset(df, "built")`,
    );
    const result = await execute()(req);
    expect(result.outputs[0]?.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'row:string',
      'i32:integer',
      'u8:integer',
      'nullable:integer',
      'f32:number',
      'mixed_numbers:number',
      'cat:string',
      'text:string',
      'flag:boolean',
      'day:date',
      'stamp:datetime',
      'clock:time',
    ]);
    const rows = await query(
      `SELECT row, i32, u8, nullable, f32, mixed_numbers, cat, text, flag, CAST(day AS VARCHAR) AS day,
              CAST(stamp AS VARCHAR) AS stamp, CAST(clock AS VARCHAR) AS clock
       FROM read_parquet(${quoteLiteral(result.outputs[0]?.path ?? '')}) ORDER BY row`,
    );
    expect(rows).toEqual([
      {
        row: 'r1',
        i32: '1',
        u8: '0',
        nullable: '1',
        f32: 0.5,
        mixed_numbers: 1,
        cat: 'a',
        text: 'x',
        flag: true,
        day: '2020-01-31',
        stamp: '2020-01-01 08:30:00.123456',
        clock: '07:45:00',
      },
      {
        row: 'r2',
        i32: '-2',
        u8: '255',
        nullable: null,
        f32: null,
        mixed_numbers: 2.5,
        cat: 'b',
        text: null,
        flag: null,
        day: null,
        stamp: null,
        clock: null,
      },
      {
        row: 'r3',
        i32: '3',
        u8: '7',
        nullable: '3',
        f32: 1.25,
        mixed_numbers: null,
        cat: null,
        text: 'z',
        flag: false,
        day: '1999-12-31',
        stamp: '2021-06-01 00:00:01',
        clock: '23:00:00.000001',
      },
    ]);
  });

  it.each([
    ['a list value', 'pd.DataFrame({"x": [[1, 2], None]})', 'column "x" holds a value of type list (row 0)'],
    ['a timedelta', 'pd.DataFrame({"x": pd.to_timedelta([1, 2], unit="D")})', 'column "x" has type timedelta64[ns]'],
    [
      'mixed text and numbers',
      'pd.DataFrame({"x": ["a", 1]})',
      'column "x" mixes string (row 0) and integer (row 1) values',
    ],
    ['an infinite number', 'pd.DataFrame({"x": [1.0, float("inf")]})', 'column "x" holds an infinite value'],
    [
      'a time-zone-aware datetime',
      'pd.DataFrame({"x": pd.to_datetime(["2024-01-01"]).tz_localize("Europe/Paris")})',
      'column "x" is time-zone aware',
    ],
    ['a non-text column name', 'pd.DataFrame({0: [1]})', 'column names must be text; got 0'],
    ['not a DataFrame', '[1, 2]', 'expected a pandas DataFrame, got list'],
  ])('refuses to save %s, saying which column and why', async (_what, frame, message) => {
    const { error, log } = await failure(await request(`import pandas as pd\nsave_dataset(${frame}, "bad")`));
    expect(error).toBeInstanceOf(PipelineDefinitionError);
    expect(error.message).toMatch(/^script: the script failed at line 2: \w+Error: save_dataset\("bad"\)/);
    expect(error.message).toContain(message);
    expect(log).toContain('Traceback');
  });
});

describe('checkPython', () => {
  it('checks the body and lists the declared outputs', () => {
    expect(checkPython({ script: 'x = 1', outputs: ['a'] })).toEqual({
      issues: [],
      outputs: [{ name: 'a', columns: [] }],
    });
    expect(checkPython({ script: '' }).issues).toEqual([
      { path: 'script', message: 'a Python pipeline needs a script' },
    ]);
  });
});

describe('the sandbox', () => {
  it('streams the script output line by line', async () => {
    const req = await request(
      'import pandas as pd\nfor i in range(3):\n    print("line", i)\nsave_dataset(pd.DataFrame({"a": [1]}), "one")',
    );
    await execute()(req);
    const messages = req.logs.map((l) => l.message);
    expect(messages.slice(0, 3)).toEqual(['line 0', 'line 1', 'line 2']);
    expect(messages).toContain('one: 1 rows written');
    expect(req.progress.map((p) => p.step)).toEqual([1, 2, 3, 3]);
  });

  it('kills a script that runs forever at the wall-clock limit, and every process it started', async () => {
    const token = `cdp-orphan-${process.pid}-${Date.now()}`;
    const started = Date.now();
    const { error, log } = await failure(
      await request(
        `import os
if os.fork() == 0:
    os.execv("/usr/bin/python3", ["python3", "-c", "import time; time.sleep(600)", "${token}"])
print("looping", flush=True)
while True:
    pass`,
        [],
        { wallClockSeconds: 2 },
      ),
    );
    expect(error.message).toBe('script: time limit of 2 s reached');
    expect(log).toContain('looping');
    expect(Date.now() - started).toBeLessThan(15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { stdout } = await promisify(execFile)('ps', ['-eo', 'args']);
    expect(stdout).not.toContain(token);
  });

  it('stops on cancel', async () => {
    const controller = new AbortController();
    const req = await request('import time\nprint("waiting", flush=True)\ntime.sleep(60)', [], {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('cancelled by the user')), 1500);
    const { error } = await failure(req);
    expect(error.message).toBe('cancelled by the user');
  });

  it('has no network: the OS error is in the log', async () => {
    const { error, log } = await failure(
      await request('import socket\nsocket.create_connection(("1.1.1.1", 80), timeout=5)'),
    );
    expect(error.message).toContain('script: the script failed at line 2: OSError: [Errno 101] Network is unreachable');
    expect(log).toContain('Network is unreachable');
  });

  it('sees no file outside its folders, and cannot write to its inputs', async () => {
    const input = path.join(dir, 'secret.parquet');
    await query(`COPY (SELECT 1 AS a) TO ${quoteLiteral(input)} (FORMAT parquet)`);
    const inputs = [{ name: 'SECRET', path: input, columns: [{ name: 'a', type: 'integer' }] }];
    const outside = await failure(await request(`print(open(${JSON.stringify(input)}).read())`, inputs));
    expect(outside.error.message).toContain('FileNotFoundError: [Errno 2] No such file or directory');
    const etc = await failure(await request('print(open("/etc/passwd").read())'));
    expect(etc.error.message).toContain("FileNotFoundError: [Errno 2] No such file or directory: '/etc/passwd'");
    const readOnly = await failure(await request('open("/data/in/SECRET.jsonl", "a").write("x")', inputs));
    expect(readOnly.error.message).toMatch(/\[Errno (30|13)\] (Read-only file system|Permission denied)/);
    const listing = await failure(
      await request(
        'import os\nfor d in ["/", "/etc", "/data"]:\n    print(sorted(os.listdir(d)))\nraise SystemExit(3)',
      ),
    );
    expect(listing.log).toContain(
      "['bin', 'data', 'dev', 'etc', 'lib', 'lib64', 'proc', 'sandbox', 'sbin', 'tmp', 'usr']\n['alternatives', 'ld.so.cache']\n['in', 'out']",
    );
  });

  it('runs with a cleared environment, as an unprivileged user, with at most 100 processes', async () => {
    const { log } = await failure(
      await request(`import os
print(sorted(os.environ))
print("uid", os.getuid())
n = 0
try:
    for _ in range(200):
        if os.fork() == 0:
            import time
            time.sleep(5)
            os._exit(0)
        n += 1
except OSError as e:
    print("fork refused after", n, type(e).__name__)
raise SystemExit(1)`),
    );
    expect(log).toContain("['HOME', 'LANG', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'PATH', 'PWD', 'TZ']");
    expect(log).toContain('uid 65534');
    expect(log).toMatch(/fork refused after \d{2} BlockingIOError/);
  });

  it('limits memory', async () => {
    const { error } = await failure(await request('import numpy as np\na = np.ones(400_000_000)'));
    expect(error.message).toContain('MemoryError');
  });

  it('says when the script saved nothing, or not what it declared', async () => {
    const none = await failure(await request('print("done")'));
    expect(none.error.message).toBe(
      'script: the script saved no dataset: call save_dataset(df, "name") for each output',
    );
    const other = await failure(
      await request('import pandas as pd\nsave_dataset(pd.DataFrame({"a": [1]}), "extra")', [], {
        outputs: ['wanted'],
      }),
    );
    expect(other.error.message).toBe(
      'script: "wanted" is an output but was not saved; "extra" was saved but is not one of the outputs',
    );
  });

  it('never follows a link the script left among its outputs', async () => {
    const { error } = await failure(
      await request(`import os, json
os.symlink("/etc/hostname", "/data/out/leak.jsonl")
with open("/data/out/leak.schema.json", "w") as f:
    json.dump({"rows": 1, "columns": [{"name": "x", "type": "string"}]}, f)`),
    );
    expect(error.message).toBe('outputs.leak: leak.jsonl is not a regular file; save outputs with save_dataset() only');
  });

  it('refuses to run without bubblewrap, naming the package to install', async () => {
    const req = await request('print("never")');
    const error = await createPythonExecutor({ bwrapPath: path.join(dir, 'no-such-bwrap'), scratchDir: scratch })(
      req,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineEngineUnavailableError);
    expect((error as Error).message).toContain('install the Debian package "bubblewrap"');
    expect(req.logs).toEqual([]);
  });
});

describe.runIf(hasSharedData('Python pipeline test on the pilot SDTM', 'cdiscpilot01'))(
  'a script on the pilot SDTM',
  () => {
    it('counts elderly subjects per arm as computed independently from the XPT file', async () => {
      const inputs = await pilotInputs(path.join(dir, 'pilot'), ['dm']);
      const req = await request(
        `dm = read_dataset("DM")
counts = dm[dm["AGE"] >= 65].groupby("ARM").agg(n=("USUBJID", "nunique"), mean_age=("AGE", "mean"))
save_dataset(counts, "elderly_by_arm")`,
        inputs,
      );
      const result = await execute()(req);
      const dm = await pilotRows('dm');
      const expected = [...new Set(dm.map((r) => String(r.ARM)))]
        .sort()
        .map((arm) => {
          const ages = dm.filter((r) => r.ARM === arm && Number(r.AGE) >= 65).map((r) => Number(r.AGE));
          return { ARM: arm, n: ages.length, mean_age: ages.reduce((x, y) => x + y, 0) / ages.length };
        })
        .filter((r) => r.n > 0);
      const rows = await query(
        `SELECT * FROM read_parquet(${quoteLiteral(result.outputs[0]?.path ?? '')}) ORDER BY ARM`,
      );
      expect(rows.map((r) => ({ ARM: r.ARM, n: Number(r.n) }))).toEqual(expected.map(({ ARM, n }) => ({ ARM, n })));
      for (const [i, row] of rows.entries())
        expect(Number(row.mean_age)).toBeCloseTo(expected[i]?.mean_age ?? Number.NaN, 10);
    });
  },
);
