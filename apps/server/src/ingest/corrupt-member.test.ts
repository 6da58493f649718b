import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildZip, hasSharedData, sharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type Tenant, type TestApp } from '../../test/harness.ts';
import { studyDir } from '../lib/study-folders.ts';

/**
 * All or nothing with a damaged member (issue 17): the other members of the transfer are already
 * converted by the conversion worker when the damaged one fails (DATA_FILES_DURABLE on, as in
 * production), yet the upload leaves no version, no files and no work folder.
 */
const PILOT = sharedData('cdiscpilot01', 'sdtm-original');
let t: TestApp;
let tenant: Tenant;
let manager: Session;

beforeAll(async () => {
  t = await startTestApp({ dataFilesDurable: true });
  tenant = await t.tenant();
  manager = await tenant.as('study_manager');
});
afterAll(() => t.close());

describe.runIf(hasSharedData('a damaged member'))('a transfer with a damaged member', () => {
  it('fails whole, naming the member, and leaves no version and no file', async () => {
    const names = ['dm.xpt', 'ae.xpt', 'cm.xpt', 'sv.xpt', 'ts.xpt'];
    const zip = buildZip(
      await Promise.all(names.map(async (name) => ({ name, data: await readFile(path.join(PILOT, name)) }))),
    );
    // The smallest member converts last (largest first): the others are written and flushed by then.
    const at = zip.lastIndexOf(Buffer.from('ts.xpt')) + 'ts.xpt'.length;
    const headerEnd = zip.indexOf(Buffer.from('ts.xpt')) + 'ts.xpt'.length;
    expect(headerEnd).toBeLessThan(at);
    zip.fill(0xff, headerEnd + 300, headerEnd + 316);

    const res = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${tenant.study.id}/uploads`,
      ...multipartFile('transfer.zip', zip),
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.message).toMatch(
      /^transfer\.zip\/ts\.xpt: the entry is damaged \(.+\); truncated or corrupt upload\? Nothing was saved\.$/,
    );
    const { rows } = await t.admin.query<{ n: number }>(
      'select count(*)::int as n from data_versions where study_id = $1',
      [tenant.study.id],
    );
    expect(rows[0]?.n).toBe(0);
    const base = studyDir(t.ctx.config.dataDir, tenant.org.id, tenant.study.id);
    for (const sub of ['source_data', 'temp']) {
      const dir = path.join(base, sub);
      expect(existsSync(dir) ? await readdir(dir) : [], sub).toEqual([]);
    }
  });
});
