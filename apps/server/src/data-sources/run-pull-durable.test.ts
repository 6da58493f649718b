import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type RaveSimulator, startRaveSimulator } from '@cdp/connectors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type Tenant, type TestApp } from '../../test/harness.ts';
import { type SyncPath, syncPath } from '../lib/durable-files.ts';
import { studyDir } from '../lib/study-folders.ts';
import { runPull, sourceStateDir } from './run-pull.ts';

/**
 * A Rave pull's state survives a power loss with its version: with DATA_FILES_DURABLE on, the
 * state generation the version was made from (merged records, kept datasets, info) is flushed
 * before the version's row commits, and state.json's new pointer before its rename, the state
 * folder after it. A failed flush fails the pull with no version and the previous state in place.
 * Counted through the real sync, as durable-files.test.ts counts an upload's.
 */
let t: TestApp;
let tenant: Tenant;
let manager: Session;
let sim: RaveSimulator;
let syncs: { target: string; kind: 'file' | 'folder' }[] = [];
let failFiles = false;

beforeAll(async () => {
  t = await startTestApp({ dataFilesDurable: true });
  const counted: SyncPath = async (target, kind) => {
    syncs.push({ target, kind });
    if (failFiles && kind === 'file') throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    await syncPath(target, kind);
  };
  t.ctx.syncPath = counted;
  tenant = await t.tenant();
  manager = await tenant.as('study_manager');
  sim = await startRaveSimulator({ subjects: 4, forms: 2, visits: 2, itemsPerForm: 3 });
}, 120_000);
afterAll(async () => {
  await sim?.stop();
  await t?.close();
});

const base = () => `/api/studies/${tenant.study.id}/data-sources`;
const sourceData = () => path.join(studyDir(t.ctx.config.dataDir, tenant.org.id, tenant.study.id), 'source_data');

async function pull(sourceId: string): Promise<{ status: string; message: string | null }> {
  const queued = await t.request(manager, { method: 'POST', url: `${base()}/${sourceId}/pulls` });
  expect(queued.statusCode, queued.body).toBe(202);
  const pullId = queued.json().data.id as string;
  await runPull(t.ctx, { orgId: tenant.org.id, pullId });
  const { rows } = await t.admin.query('select status, message from data_source_pulls where id = $1', [pullId]);
  return rows[0];
}

async function versionCount(): Promise<number> {
  const { rows } = await t.admin.query('select count(*)::int as n from data_versions where study_id = $1', [
    tenant.study.id,
  ]);
  return rows[0].n;
}

describe('a Rave pull with durable files', () => {
  let sourceId: string;
  let stateDir: string;
  const pointer = async () => JSON.parse(await readFile(path.join(stateDir, 'state.json'), 'utf8')).dir as string;

  it('flushes its state generation before the version commits, and state.json before the old generation goes', async () => {
    const created = await t.request(manager, {
      method: 'POST',
      url: base(),
      payload: {
        type: 'rave',
        name: 'Rave durable',
        config: {
          baseUrl: sim.url,
          username: sim.options.username,
          project: sim.options.project,
          environment: sim.options.environment,
        },
        secret: sim.options.password,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    sourceId = created.json().data.id;
    stateDir = sourceStateDir(t.ctx.config.dataDir, { orgId: tenant.org.id, studyId: tenant.study.id, id: sourceId });

    for (const round of ['first', 'incremental']) {
      if (round === 'incremental') {
        // `start=` has a precision of seconds; the change reaches one form and inactivates a subject.
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        sim.mutate({
          inactivateSubject: [1],
          set: [{ cell: { subject: 2, visit: 1, form: 0, repeat: 0, item: 1 }, value: 'changed' }],
        });
      }
      syncs = [];
      const outcome = await pull(sourceId);
      expect(outcome.status, outcome.message ?? '').toBe('SUCCEEDED');

      const generation = path.join(stateDir, await pointer());
      const kept = (await readdir(generation)).sort();
      expect(kept).toContain('info.json');
      expect(kept.filter((f) => f.startsWith('form-')).length).toBeGreaterThanOrEqual(2);
      expect(kept.filter((f) => f.startsWith('dataset-'))).toHaveLength(2);
      const at = (target: string, kind: 'file' | 'folder') =>
        syncs.findIndex((s) => s.target === target && s.kind === kind);
      // The version's files are flushed and renamed into source_data/, whose flush is the last
      // before the version's transaction.
      const versionCommits = at(sourceData(), 'folder');
      expect(versionCommits, round).toBeGreaterThan(0);
      for (const file of kept) {
        const flushed = at(path.join(generation, file), 'file');
        expect(flushed, `${round}: ${file}`).toBeGreaterThanOrEqual(0);
        expect(flushed, `${round}: ${file}`).toBeLessThan(versionCommits);
      }
      expect(at(generation, 'folder'), round).toBeLessThan(versionCommits);
      expect(at(stateDir, 'folder'), round).toBeGreaterThan(at(generation, 'folder'));
      expect(at(stateDir, 'folder'), round).toBeLessThan(versionCommits);
      // After the commit: the new pointer's content, then the folder its rename wrote, last of all.
      const afterCommit = syncs.slice(versionCommits + 1);
      expect(afterCommit).toHaveLength(2);
      expect(afterCommit[0]?.kind).toBe('file');
      expect(path.dirname(afterCommit[0]?.target ?? '')).toBe(stateDir);
      expect(path.basename(afterCommit[0]?.target ?? '')).toMatch(/^state\.json\./);
      expect(afterCommit[1]).toEqual({ target: stateDir, kind: 'folder' });
      // Only the current generation is left.
      expect((await readdir(stateDir)).filter((entry) => entry.startsWith('g-'))).toEqual([path.basename(generation)]);
    }
  });

  it('fails the pull when a state file cannot be flushed: no version, the previous state kept', async () => {
    const before = await versionCount();
    const current = await pointer();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    sim.mutate({ inactivateSubject: [3] });
    failFiles = true;
    let outcome: { status: string; message: string | null };
    try {
      syncs = [];
      outcome = await pull(sourceId);
    } finally {
      failFiles = false;
    }
    expect(outcome.status).toBe('FAILED');
    expect(outcome.message).toMatch(/^Rave durable: .*EIO/);
    // The first failing flush was a file of the new state generation, before any of the version's.
    expect(path.dirname(path.dirname(syncs[0]?.target ?? ''))).toBe(stateDir);
    expect(await versionCount()).toBe(before);
    expect(await pointer()).toBe(current);
    expect(JSON.parse(await readFile(path.join(stateDir, current, 'info.json'), 'utf8')).subjects).toHaveLength(4);
  });
});
