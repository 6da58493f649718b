import v8 from 'node:v8';

if (process.env.X_HGP) v8.setFlagsFromString(`--heap-growing-percent=${process.env.X_HGP}`);

import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { convertUpload, warmMemberThreads } from '@cdp/formats';

const [zip, work, n] = process.argv.slice(2) as [string, string, string];
function threads(): Map<string, number> {
  const m = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const s = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      m.set(tid, (Number(f[11]) + Number(f[12])) * 10);
    } catch {}
  }
  return m;
}
await warmMemberThreads();
for (let i = 0; i < Number(n ?? 6); i++) {
  const out = path.join(work, `loop-${process.pid}`);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const before = threads();
  const cpu = process.cpuUsage();
  const t = performance.now();
  await convertUpload(zip, path.basename(zip), out, {
    memoryLimit: '256MB',
    ...(process.env.X_NOENC === '1' ? { encodeThreadBytes: Number.POSITIVE_INFINITY } : {}),
    ...(process.env.X_WHOLE === '1' ? { wholeMemberBytes: 256 * 1024 * 1024 } : {}),
  });
  const wall = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const per: Record<string, number> = {};
  for (const [tid, ms] of threads()) {
    const d = ms - (before.get(tid) ?? 0);
    if (d >= 10) per[`+${Number(tid) - process.pid}`] = d;
  }
  console.log(JSON.stringify({ i, wall: Math.round(wall), cpu: Math.round((used.user + used.system) / 1000), per }));
  await rm(out, { recursive: true, force: true });
}
console.log(JSON.stringify({ peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
