import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { convertUpload, readSas7bdat, readXpt, warmMemberThreads } from '@cdp/formats';

/**
 * One conversion in its own process, so its peak memory is its own:
 * `convert-one.ts <xpt|sas7bdat|upload> <file> <out> [read-only]` prints
 * `{ rows, seconds, cpuSeconds, maxRssMb }`. The conversion is the upload's own (`convertUpload`:
 * a ZIP's members side by side on one DuckDB); `read-only` runs the reader alone.
 */
const [format, file, out, mode] = process.argv.slice(2);
if (!format || !file || !out) throw new Error('usage: convert-one.ts <xpt|sas7bdat|upload> <file> <out> [read-only]');
// A ZIP's members convert on a member thread too, which the server's conversion worker starts as it
// starts: loaded here before the clock starts, and its loading left out of the CPU time below.
if (format === 'upload' && mode !== 'read-only') await warmMemberThreads();
const cpuBefore = process.cpuUsage();
const started = performance.now();
let rows = 0;
if (mode === 'read-only') {
  // The reader alone, the same work pandas' read_sas does: where the time goes, read or write.
  const read = format === 'xpt' ? readXpt : readSas7bdat;
  for await (const dataset of read(file, { fileName: file })) {
    for await (const batch of dataset.batches()) rows += batch.length;
  }
} else {
  const dir = `${out}.d`;
  await mkdir(dir, { recursive: true });
  const result = await convertUpload(file, path.basename(file), dir, {
    memoryLimit: process.env.BENCH_DUCKDB_MEMORY ?? '256MB',
    tempDirectory: `${out}.tmp`,
    // BENCH_ENCODE_THREAD=0 encodes on the reader's thread (the A/B reference of issue 17).
    ...(process.env.BENCH_ENCODE_THREAD === '0' ? { encodeThreadBytes: Number.POSITIVE_INFINITY } : {}),
  });
  rows = result.datasets.reduce((sum, d) => sum + d.rows, 0);
  if (process.env.BENCH_PRINT_SHA) console.error(result.datasets.map((d) => d.sha256).join(' '));
  await rm(dir, { recursive: true, force: true });
}
const seconds = (performance.now() - started) / 1000;
await rm(`${out}.tmp`, { recursive: true, force: true });
const usage = process.resourceUsage();
// CPU seconds (all threads, DuckDB's included) beside wall time: on a shared machine the wall time
// says how long a user waits, the CPU time what the work costs.
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(JSON.stringify({ rows, seconds, cpuSeconds, maxRssMb: usage.maxRSS / 1024 }));
