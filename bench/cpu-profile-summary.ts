import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

/** Where a frame's code lives: an npm package, our bundle, Node itself, or V8's own bookkeeping. */
function placeOf(url: string, functionName: string): string {
  if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)') {
    return functionName;
  }
  const npm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (npm) return npm[1] as string;
  if (url.startsWith('node:')) return 'node (built-in)';
  if (url.includes('/dist/')) return `cdp (${path.basename(url)})`;
  return url === '' ? '(native)' : path.basename(url);
}

/**
 * What the main thread of each profiled process did (`node --cpu-prof`): busy share of the wall
 * time, and self time by place (package) and by function, the largest first. Worker threads'
 * profiles (conversions) are summed apart.
 */
export async function summarizeCpuProfiles(dir: string): Promise<Record<string, unknown>[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile'));
  const out: Record<string, unknown>[] = [];
  for (const file of files.sort()) {
    const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile;
    const wallMs = (profile.endTime - profile.startTime) / 1000;
    const perSample = wallMs / Math.max(1, profile.samples.length);
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const counts = new Map<number, number>();
    for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
    const byPlace = new Map<string, number>();
    const byFunction = new Map<string, number>();
    for (const [id, count] of counts) {
      const node = byId.get(id);
      if (!node) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      const place = placeOf(url, functionName);
      byPlace.set(place, (byPlace.get(place) ?? 0) + count * perSample);
      const fn = `${functionName || '(anonymous)'} ${place}${url ? `:${lineNumber + 1}` : ''}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + count * perSample);
    }
    const busyMs = wallMs - (byPlace.get('(idle)') ?? 0);
    const top = (m: Map<string, number>, n: number) =>
      Object.fromEntries(
        [...m]
          .filter(([k]) => k !== '(idle)')
          .sort((a, b) => b[1] - a[1])
          .slice(0, n)
          .map(([k, v]) => [k, Math.round(v)]),
      );
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread.
    const [, , , pid, thread] = file.split('.');
    out.push({
      file,
      pid: Number(pid),
      thread: thread === '0' ? 'main' : `worker thread ${thread}`,
      wallSeconds: Number((wallMs / 1000).toFixed(1)),
      busyShare: Number((busyMs / wallMs).toFixed(2)),
      selfMsByPlace: top(byPlace, 12),
      selfMsByFunction: top(byFunction, 20),
    });
  }
  return out;
}
