import { mkdir, rm } from 'node:fs/promises';
import { EXAMPLE_PIPELINES, executeDsl } from '@cdp/pipelines';
import { DuckDBInstance } from '@duckdb/node-api';
const dir = '/tmp/cdp-bench-pipeline/s4400-sites60-v26-seed1';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const cols = async (f: string) => (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${f}')`)).getRowObjectsJS().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
const ds = { name: 'DS', path: `${dir}/ds.parquet`, columns: await cols(`${dir}/ds.parquet`) };
const dm = { name: 'DM', path: `${dir}/dm.parquet`, columns: await cols(`${dir}/dm.parquet`) };
const out = '/tmp/p12-engine-out';
const [e, cl] = EXAMPLE_PIPELINES;
const N = Number(process.argv[2] ?? 30);
const res: number[][] = [];
for (let i = 0; i < N; i++) {
  await rm(out, { recursive: true, force: true }); await mkdir(out + '/a', { recursive: true }); await mkdir(out + '/b', { recursive: true });
  const c0 = process.cpuUsage(); const t0 = performance.now();
  const r1 = await executeDsl({ kind: 'dsl', body: e!.body, inputs: [ds], outputDir: out + '/a', signal: new AbortController().signal, onProgress() {}, onLog() {} });
  const t1 = performance.now();
  const enrol = { name: 'ENROL', path: r1.outputs[0]!.path, columns: r1.outputs[0]!.columns };
  await executeDsl({ kind: 'dsl', body: cl!.body, inputs: [dm, enrol], outputDir: out + '/b', signal: new AbortController().signal, onProgress() {}, onLog(l) { if (i === N - 1) console.log(l.message); } });
  const t2 = performance.now(); const c1 = process.cpuUsage(c0);
  res.push([t1 - t0, t2 - t1, (c1.user + c1.system) / 1000]);
}
const med = (k: number) => res.map((r) => r[k]!).slice(1).sort((a, b) => a - b)[Math.floor((N - 1) / 2)]!.toFixed(1);
console.log('first', res[0]!.map((x) => x.toFixed(1)), 'median enrol', med(0), 'clean', med(1), 'cpu(process) both', med(2));
