import { openAsBlob } from 'node:fs';
import path from 'node:path';
import { loadStudies, prepareBenchUsers } from './api-studies.ts';
import { generatedXpt } from './convert.ts';
import { type BenchServer, demoManagerStudy } from './server.ts';

/**
 * The API under load while a large upload converts: 40 users listing studies during the whole
 * upload of the generated 1,000,000-row XPT (400 MB). Conversion runs in a worker thread; this
 * shows what that leaves for everyone else on the same 2 cores.
 */
export async function benchApiDuringUpload(server: BenchServer) {
  const tokens = await prepareBenchUsers(server);
  const { xpt } = await generatedXpt(1_000_000);
  const manager = await demoManagerStudy(server);

  const body = new FormData();
  body.append('file', await openAsBlob(xpt), path.basename(xpt));
  const started = performance.now();
  const upload = fetch(`${server.url}/api/studies/${manager.studyId}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${manager.token}` },
    body,
  }).then(async (res) => {
    if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    return (performance.now() - started) / 1000;
  });
  const load = await loadStudies(server, tokens, { durationSeconds: 600, until: upload });
  return {
    ...load,
    uploadSeconds: Number((await upload).toFixed(1)),
    upload: `${path.basename(xpt)} (1,000,000 × 40 XPT, 400 MB)`,
  };
}
