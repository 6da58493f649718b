import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnRaveSim } from './rave-build.ts';
import { ROOT } from './server.ts';

/**
 * The parsing threads' work alone, this checkout against a baseline (issue 13): the bench study's
 * full clinical ODM (rendered by the bench's simulator) cut into pieces at `<SubjectData` as
 * parse-clinical.ts cuts it, and parsed by one `ClinicalLane` of each side in this process, one
 * side after the other (A B B A, then B A A B, …). Prints each parse's CPU (process.cpuUsage, so
 * the file writes' libuv threads count too), the load average, and a digest of the staged files,
 * which must be the same on both sides:
 *   node --import tsx bench/rave-lane-ab.ts <baseline root> [rounds]
 * The baseline root is a tree of main (`git archive main | tar -x`); no node_modules needed.
 */
const [baseRoot, roundsArg] = process.argv.slice(2);
if (!baseRoot) throw new Error('usage: rave-lane-ab.ts <baseline root> [rounds]');
const rounds = Number(roundsArg ?? 2);

type Lane = new (
  dir: string,
  lane: number,
  byteScanner: boolean,
) => {
  parsePiece(index: number, bytes: Uint8Array, first: boolean): Promise<{ ok: boolean }>;
  finish(): Promise<unknown>;
};
const laneOf = async (root: string) =>
  (await import(path.join(root, 'packages/connectors/src/rave/clinical-lane.ts'))).ClinicalLane as Lane;
const sides = [
  { name: 'this', Lane: await laneOf(ROOT), cpu: [] as number[] },
  { name: 'base', Lane: await laneOf(path.resolve(baseRoot)), cpu: [] as number[] },
];
const digests = new Set<string>();

const scratch = await mkdtemp(path.join(os.tmpdir(), 'bench-rave-lane-'));
try {
  const sim = spawnRaveSim(scratch);
  await sim.ready();
  await sim.stop();
  const doc = await readFile(path.join(scratch, 'rave-full.xml'));
  const tag = Buffer.from('<SubjectData ');
  const pieces: Buffer[] = [];
  for (let from = 0; from < doc.length; ) {
    let cut = from + (1 << 20) < doc.length ? doc.lastIndexOf(tag, from + (1 << 20)) : doc.length;
    if (cut <= from) cut = doc.indexOf(tag, from + 1);
    if (cut < 0) cut = doc.length;
    pieces.push(doc.subarray(from, cut));
    from = cut;
  }
  const parse = async (side: (typeof sides)[number]) => {
    const dir = path.join(scratch, `lane-${side.name}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    const lane = new side.Lane(dir, 0, true);
    const from = process.cpuUsage();
    for (const [index, piece] of pieces.entries()) {
      const result = await lane.parsePiece(index, new Uint8Array(piece), index === 0);
      if (!result.ok) throw new Error(`${side.name}: piece ${index} failed: ${JSON.stringify(result)}`);
    }
    await lane.finish();
    const used = process.cpuUsage(from);
    const digest = createHash('sha256');
    for (const file of (await readdir(dir)).sort()) digest.update(file).update(await readFile(path.join(dir, file)));
    return { cpu: (used.user + used.system) / 1e6, digest: digest.digest('hex').slice(0, 16) };
  };
  for (const side of sides) await parse(side); // each side's code warmed once
  for (let round = 0; round < rounds; round++) {
    const [a, b] = round % 2 === 0 ? sides : [sides[1], sides[0]];
    for (const side of [a, b, b, a] as typeof sides) {
      const { cpu, digest } = await parse(side);
      side.cpu.push(Math.round(cpu * 100) / 100);
      digests.add(digest);
      console.error(`${side.name}: CPU ${cpu.toFixed(2)} s, staged ${digest}, load ${os.loadavg()[0]?.toFixed(1)}`);
    }
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
  console.log(
    JSON.stringify({
      ...Object.fromEntries(sides.map((s) => [s.name, { cpuSeconds: s.cpu, median: median(s.cpu) }])),
      sameStagedFiles: digests.size === 1,
    }),
  );
} finally {
  await rm(scratch, { recursive: true, force: true });
}
