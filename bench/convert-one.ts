import { rm } from 'node:fs/promises';
import { readSas7bdat, readXpt, writeParquet } from '@cdp/formats';

/**
 * One conversion in its own process, so its peak memory is its own: `convert-one.ts <xpt|sas7bdat>
 * <file> <out.parquet> [read-only]` prints `{ rows, seconds, maxRssMb }`.
 */
const [format, file, out, mode] = process.argv.slice(2);
if (!format || !file || !out) throw new Error('usage: convert-one.ts <xpt|sas7bdat> <file> <out.parquet>');
const started = performance.now();
let rows = 0;
const read = format === 'xpt' ? readXpt : readSas7bdat;
let n = 0;
for await (const dataset of read(file, { fileName: file })) {
  if (mode === 'read-only') {
    // The reader alone, the same work pandas' read_sas does: where the time goes, read or write.
    for await (const batch of dataset.batches()) rows += batch.length;
    continue;
  }
  const result = await writeParquet(dataset, n === 0 ? out : `${out}.${n}`, {
    memoryLimit: process.env.BENCH_DUCKDB_MEMORY ?? '256MB',
    tempDirectory: `${out}.tmp`,
  });
  rows += result.rows;
  n++;
}
const seconds = (performance.now() - started) / 1000;
await rm(`${out}.tmp`, { recursive: true, force: true });
const usage = process.resourceUsage();
// CPU seconds (all threads, DuckDB's included) beside wall time: on a shared machine the wall time
// says how long a user waits, the CPU time what the work costs.
const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
console.log(JSON.stringify({ rows, seconds, cpuSeconds, maxRssMb: usage.maxRSS / 1024 }));
