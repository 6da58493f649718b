import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildZip } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type Tenant, type TestApp } from '../../test/harness.ts';
import { loadConfig } from '../config.ts';
import { runJob } from '../jobs/run-job.ts';
import { runPipeline } from '../pipelines/run-pipeline.ts';
import { durableFiles, type SyncPath, syncPath } from './durable-files.ts';
import { studyDir } from './study-folders.ts';

/**
 * A committed version's files survive a power loss: with DATA_FILES_DURABLE on (the default; the
 * test harness turns it off), an upload flushes every file of the version and its folder before the
 * rename, then the folder the rename wrote into, all before the commit; a failed flush fails the
 * upload and leaves nothing behind.
 */
let t: TestApp;
let tenant: Tenant;
let manager: Session;
let syncs: { target: string; kind: 'file' | 'folder' }[] = [];
let failFiles = false;
/** Called at each flush (before it): a test looks at the database at that moment. */
let atSync: ((target: string, kind: 'file' | 'folder') => Promise<void>) | null = null;
/** Called once a flush is done (after the real sync). */
let afterSync: (() => Promise<void>) | null = null;

beforeAll(async () => {
  t = await startTestApp({ dataFilesDurable: true });
  // Counts what the real sync flushes (and fails it when told): the files on disk stay real.
  const counted: SyncPath = async (target, kind) => {
    syncs.push({ target, kind });
    await atSync?.(target, kind);
    if (failFiles && kind === 'file') throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    await syncPath(target, kind);
    await afterSync?.();
  };
  t.ctx.syncPath = counted;
  tenant = await t.tenant();
  manager = await tenant.as('study_manager');
});
afterAll(() => t.close());

const transfer = () =>
  buildZip([
    { name: 'dm.csv', data: Buffer.from('USUBJID,AGE\nS-1,40\nS-2,51\n') },
    { name: 'ae.csv', data: Buffer.from('USUBJID,AETERM\nS-1,Headache\n') },
  ]);

const upload = () =>
  t.request(manager, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/uploads`,
    ...multipartFile('transfer.zip', transfer()),
  });

const sourceData = () => path.join(studyDir(t.ctx.config.dataDir, tenant.org.id, tenant.study.id), 'source_data');

describe('durable versions', () => {
  it('flush every file of an upload and its folders before the version commits', async () => {
    syncs = [];
    const res = await upload();
    expect(res.statusCode, res.body).toBe(201);
    const label = res.json().data.label as string;
    const onDisk = (await readdir(path.join(sourceData(), label))).sort();
    expect(onDisk).toEqual(['ae.parquet', 'dm.parquet', 'manifest.json']);

    const files = syncs.filter((s) => s.kind === 'file');
    const work = path.dirname(files[0]?.target ?? '');
    expect(files.map((s) => path.basename(s.target)).sort()).toEqual(onDisk);
    expect(files.every((s) => path.dirname(s.target) === work)).toBe(true);
    // The work folder's names before the rename, then source_data/, which the rename wrote into.
    expect(syncs.filter((s) => s.kind === 'folder').map((s) => s.target)).toEqual([work, sourceData()]);
    expect(syncs.at(-1)).toEqual({ target: sourceData(), kind: 'folder' });
  });

  it('run the version’s transaction beside the flushes, and commit it only after the last', async () => {
    const versions = async () =>
      (
        await t.admin.query<{ n: number }>('select count(*)::int as n from data_versions where study_id = $1', [
          tenant.study.id,
        ])
      ).rows[0]?.n;
    const before = await versions();
    const committedAtSync: (number | undefined)[] = [];
    /** Whether the study's row was locked (by the upload's transaction) when the last flush began. */
    let lockedAtLastFlush = false;
    atSync = async (target, kind) => {
      committedAtSync.push(await versions());
      if (kind !== 'folder' || target !== sourceData()) return;
      // The transaction starts beside the flushes: wait (a while at most) for it to take the lock.
      const client = await t.admin.connect();
      try {
        for (let i = 0; i < 150 && !lockedAtLastFlush; i++) {
          await client.query('begin');
          try {
            await client.query('select 1 from studies where id = $1 for update nowait', [tenant.study.id]);
          } catch (error) {
            lockedAtLastFlush = (error as { code?: string }).code === '55P03';
          } finally {
            await client.query('rollback');
          }
          if (!lockedAtLastFlush) await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        client.release();
      }
    };
    syncs = [];
    try {
      const res = await upload();
      expect(res.statusCode, res.body).toBe(201);
    } finally {
      atSync = null;
    }
    expect(lockedAtLastFlush).toBe(true);
    // Three files and two folders flushed, none of them after the version's row committed.
    expect(committedAtSync).toEqual([before, before, before, before, before]);
    expect(await versions()).toBe((before ?? 0) + 1);
  });

  it('fail the upload when a flush fails, leaving no row and no folder', async () => {
    const before = await readdir(sourceData());
    const count = async () =>
      (
        await t.admin.query<{ n: number }>('select count(*)::int as n from data_versions where study_id = $1', [
          tenant.study.id,
        ])
      ).rows[0]?.n;
    const rows = await count();
    failFiles = true;
    try {
      const res = await upload();
      expect(res.statusCode, res.body).toBe(500);
    } finally {
      failFiles = false;
    }
    expect(await count()).toBe(rows);
    expect(await readdir(sourceData())).toEqual(before);
    const temp = await readdir(path.join(path.dirname(sourceData()), 'temp'));
    expect(temp.filter((name) => name.includes('version-') || name.includes('pending-'))).toEqual([]);
  });

  it('flush a sealed file, its sidecar and the rewritten manifest before each replaces the committed one', async () => {
    const res = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${tenant.study.id}/uploads`,
      ...multipartFile('pt.csv', 'USUBJID,SUBJINIT\nS-1,AB\nS-2,CD\n'),
    });
    expect(res.statusCode, res.body).toBe(201);
    const folder = path.join(sourceData(), res.json().data.label as string);
    const put = await t.request(manager, {
      method: 'PUT',
      url: `/api/studies/${tenant.study.id}/phi-columns`,
      payload: { dataset: 'PT', column: 'SUBJINIT', classification: 'phi' },
    });
    expect(put.statusCode, put.body).toBe(200);
    syncs = [];
    const outcome = await runJob(t.ctx, 'phi.protect', { orgId: tenant.org.id, studyId: tenant.study.id });
    expect(outcome).toMatchObject({ status: 'done' });
    const files = syncs.filter((s) => s.kind === 'file').map((s) => path.basename(s.target));
    // The sealed main file and its sidecar as parts (before their renames), then the manifest's part.
    expect(files).toHaveLength(3);
    expect(files.filter((f) => f.startsWith('.pt.') && f.endsWith('.part'))).toHaveLength(2);
    expect(files.at(-1)).toBe('manifest.json.part');
    expect(syncs.at(-1)).toEqual({ target: folder, kind: 'folder' });
    expect((await readdir(folder)).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('flush a pipeline output’s files, manifest and folders, all before its rows commit; a failed flush keeps nothing', async () => {
    const studyId = tenant.study.id;
    const created = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/pipelines`,
      payload: {
        name: 'Older subjects',
        kind: 'dsl',
        inputs: [{ name: 'DM', source: { kind: 'dataset', dataset: 'DM' } }],
        outputs: ['older'],
        body: {
          steps: [
            {
              operation: 'filter_rows',
              parameters: { dataset: 'DM', conditions: [{ column: 'AGE', operator: 'greater_than', value: 45 }] },
            },
            { operation: 'save_dataset', parameters: { dataset: 'DM', output_name: 'older' } },
          ],
        },
        triggers: { onSourceActivation: false, schedule: null, afterUpstream: false },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const pipelineId = created.json().data.id as string;
    // Queued without a job, so only the call below runs it.
    const queue = async () =>
      (
        await t.admin.query<{ id: string }>(
          `insert into pipeline_runs (org_id, study_id, pipeline_id, pipeline_version, status, trigger)
           values ($1, $2, $3, 1, 'QUEUED', 'manual') returning id`,
          [tenant.org.id, studyId, pipelineId],
        )
      ).rows[0]?.id as string;
    const outputsOf = async (runId: string) =>
      (await t.admin.query('select id, label from pipeline_outputs where run_id = $1', [runId])).rows;
    const outputRoot = path.join(path.dirname(sourceData()), 'pipeline_output');

    // Every flush starts and ends while the output's rows are not yet committed (the transaction
    // runs beside the flushes and commits after them).
    const runId = await queue();
    const committedAtSync: number[] = [];
    const committedAfterSync: number[] = [];
    atSync = async () => {
      committedAtSync.push((await outputsOf(runId)).length);
    };
    afterSync = async () => {
      committedAfterSync.push((await outputsOf(runId)).length);
    };
    syncs = [];
    try {
      expect(await runPipeline(t.ctx, { orgId: tenant.org.id, runId })).toMatchObject({ status: 'SUCCEEDED' });
    } finally {
      atSync = null;
      afterSync = null;
    }
    const [output] = await outputsOf(runId);
    const folder = path.join(outputRoot, output.label);
    expect((await readdir(folder)).sort()).toEqual(['manifest.json', 'older.parquet']);
    const files = syncs.filter((s) => s.kind === 'file');
    expect(files.map((s) => path.basename(s.target)).sort()).toEqual(['manifest.json', 'older.parquet']);
    // The data file was flushed in the run's work folder (while checked); the manifest, the output's
    // folder and `pipeline_output/` (the rename's name) after the rename, under their final names.
    expect(path.basename(path.dirname(files.find((s) => s.target.endsWith('older.parquet'))?.target ?? ''))).toMatch(
      new RegExp(`pipeline-run-${runId}$`),
    );
    expect(files.find((s) => s.target.endsWith('manifest.json'))?.target).toBe(path.join(folder, 'manifest.json'));
    expect(
      syncs
        .filter((s) => s.kind === 'folder')
        .map((s) => s.target)
        .sort(),
    ).toEqual([outputRoot, folder].sort());
    expect(syncs).toHaveLength(4);
    expect(committedAtSync).toEqual([0, 0, 0, 0]);
    expect(committedAfterSync).toEqual([0, 0, 0, 0]);

    // The rename's flush fails: the transaction (already written) rolls back, no output, no folder.
    const before = await readdir(outputRoot);
    const failed = await queue();
    atSync = async (target, kind) => {
      if (kind === 'folder' && target === outputRoot)
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    };
    try {
      await expect(runPipeline(t.ctx, { orgId: tenant.org.id, runId: failed })).rejects.toThrow(/EIO/);
    } finally {
      atSync = null;
    }
    expect(await outputsOf(failed)).toEqual([]);
    expect(await readdir(outputRoot)).toEqual(before);
    const { rows } = await t.admin.query('select status, attempts from pipeline_runs where id = $1', [failed]);
    // An infrastructure error: queued again for the queue's retry.
    expect(rows[0]).toMatchObject({ status: 'QUEUED', attempts: 1 });
    await t.admin.query(`update pipeline_runs set status = 'CANCELLED' where id = $1`, [failed]);
  });

  it('flush a new study’s folder and every folder above it up to DATA_DIR before its row commits', async () => {
    const admin = await tenant.as('org_admin');
    syncs = [];
    let committedAtFlush: number | null = null;
    atSync = async () => {
      const { rows } = await t.admin.query('select count(*)::int as n from studies where code = $1', ['DURABLE-1']);
      committedAtFlush = Math.max(committedAtFlush ?? 0, rows[0].n);
    };
    const res = await t.request(admin, {
      method: 'POST',
      url: '/api/studies',
      payload: { code: 'durable-1', name: 'Durable', phase: 'II', protocol: 'D1', therapeuticArea: '' },
    });
    atSync = null;
    expect(res.statusCode, res.body).toBe(201);
    const dir = studyDir(t.ctx.config.dataDir, tenant.org.id, res.json().data.id);
    const root = t.ctx.config.dataDir;
    // Innermost first: the study's folder (its sub-folders' names), then each parent up to DATA_DIR.
    expect(syncs).toEqual(
      [dir, path.dirname(dir), path.dirname(path.dirname(dir)), root].map((target) => ({ target, kind: 'folder' })),
    );
    expect(path.dirname(path.dirname(path.dirname(dir)))).toBe(root);
    // Every flush ran before the study's row existed.
    expect(committedAtFlush).toBe(0);
    const on = durableFiles({ config: t.ctx.config, syncPath: async () => {} });
    await expect(on.made('/elsewhere', root)).rejects.toThrow('is not under');
  });

  it('walk sub-folders (a pipeline output may have them) and flush a single file before its rename', async () => {
    const dir = await mkdtemp(path.join(t.ctx.config.dataDir, 'tree-'));
    await mkdir(path.join(dir, 'listing'));
    await writeFile(path.join(dir, 'a.parquet'), 'a');
    await writeFile(path.join(dir, 'listing', 'b.csv'), 'b');
    const seen: string[] = [];
    const on = durableFiles({
      config: t.ctx.config,
      syncPath: async (target, kind) => {
        seen.push(`${kind} ${path.relative(dir, target) || '.'}`);
      },
    });
    await on.folder(dir);
    expect(seen.sort()).toEqual(['file a.parquet', 'file listing/b.csv', 'folder .', 'folder listing']);
    seen.length = 0;
    await on.file(path.join(dir, 'a.parquet'));
    await on.renamed(path.join(dir, 'listing', 'b.csv'));
    expect(seen).toEqual(['file a.parquet', 'folder listing']);
  });

  it('flush nothing when DATA_FILES_DURABLE is false (it is true unless told otherwise)', async () => {
    expect(loadConfig({}).dataFilesDurable).toBe(true);
    expect(loadConfig({ DATA_FILES_DURABLE: 'false' }).dataFilesDurable).toBe(false);
    const seen: string[] = [];
    const off = durableFiles({
      config: { ...t.ctx.config, dataFilesDurable: false },
      syncPath: async (target) => {
        seen.push(target);
      },
    });
    await off.folder(sourceData());
    await off.renamed(sourceData());
    expect(seen).toEqual([]);
  });
});
