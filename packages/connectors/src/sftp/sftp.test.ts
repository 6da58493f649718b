import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SftpSourceConfig } from '@cdp/contracts';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullContext, PullOutcome } from '../types.ts';
import { sftpConnector } from './index.ts';
import { type SftpTestServer, startSftpTestServer, testKeyPair } from './sftp-test-server.ts';

let root: string;
let server: SftpTestServer;
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'sftp-connector-'));
  root = path.join(scratch, 'server');
  await mkdir(path.join(root, 'outgoing'), { recursive: true });
  server = await startSftpTestServer({ root });
});
afterAll(async () => {
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

const config = (over: Partial<SftpSourceConfig> = {}) =>
  SftpSourceConfig.parse({
    host: '127.0.0.1',
    port: server.port,
    username: server.username,
    remoteDir: '/outgoing',
    pattern: '*.csv',
    ...over,
  });

async function context(stateDir: string): Promise<PullContext & { lines: string[] }> {
  const workDir = await mkdtemp(path.join(scratch, 'work-'));
  const lines: string[] = [];
  return {
    signal: new AbortController().signal,
    workDir,
    stateDir,
    lastSuccessAt: null,
    progress: () => undefined,
    log: (_level, message) => lines.push(message),
    lines,
  };
}

describe('sftpConnector', () => {
  it('shows the host key fingerprint on a first test, by password and by private key', async () => {
    const byPassword = await sftpConnector.test(config(), server.password, AbortSignal.timeout(10_000));
    expect(byPassword).toMatchObject({ ok: true, hostKeyFingerprint: server.fingerprint });
    expect(byPassword.message).toContain('Confirm the host key');
    const byKey = await sftpConnector.test(
      config({ auth: 'private_key', hostKeyFingerprint: server.fingerprint }),
      server.clientPrivateKey,
      AbortSignal.timeout(10_000),
    );
    expect(byKey).toMatchObject({ ok: true, hostKeyFingerprint: server.fingerprint });
    expect(byKey.message).toContain('matches the pinned one');
  });

  it('says clearly when the password is wrong, and never repeats it', async () => {
    const check = await sftpConnector.test(config(), 'wrong-password-123', AbortSignal.timeout(10_000));
    expect(check.ok).toBe(false);
    expect(check.message).toContain(`${server.username}@127.0.0.1:${server.port}`);
    expect(check.message).toMatch(/refused the username and credential/);
    expect(check.message).not.toContain('wrong-password-123');
  });

  it('refuses a server whose host key is not the pinned one, before sending the password', async () => {
    const pinned = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const check = await sftpConnector.test(
      config({ hostKeyFingerprint: pinned }),
      server.password,
      AbortSignal.timeout(10_000),
    );
    expect(check.ok).toBe(false);
    expect(check.message).toContain('HOST KEY HAS CHANGED');
    expect(check.message).toContain(server.fingerprint);
    // The key it showed comes back apart, for the user to compare and confirm if the server was re-keyed.
    expect(check.hostKeyFingerprint).toBe(server.fingerprint);
  });

  it('the test server draws key pairs ssh2 can read (its generator now and then makes one it cannot)', () => {
    // 1 pair in 256 was bad: 1,000 draws catch the old generator 98 times in 100.
    for (let i = 0; i < 1_000; i++) {
      const pair = testKeyPair();
      expect(ssh2.utils.parseKey(pair.public)).not.toBeInstanceOf(Error);
      expect(ssh2.utils.parseKey(pair.private)).not.toBeInstanceOf(Error);
    }
  });

  it('refuses to pull before the host key is confirmed', async () => {
    const ctx = await context(path.join(scratch, 'state-unpinned'));
    await expect(sftpConnector.pull(config(), server.password, ctx)).rejects.toThrow(/host key is not confirmed/);
  });

  it('fetches new and changed files only, keeping its ledger only on commit', async () => {
    const stateDir = path.join(scratch, 'state-ledger');
    await writeFile(path.join(root, 'outgoing', 'dm.csv'), 'USUBJID,AGE\nS-1,40\n');
    await writeFile(path.join(root, 'outgoing', 'notes.txt'), 'not matched');
    const pinned = config({ hostKeyFingerprint: server.fingerprint });

    const first = (await sftpConnector.pull(pinned, server.password, await context(stateDir))) as Extract<
      PullOutcome,
      { kind: 'files' }
    >;
    expect(first.kind).toBe('files');
    expect(first.files.map((f) => f.name)).toEqual(['dm.csv']);
    expect(first.files[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Not committed (the version failed): the next pull takes it again.
    const again = await sftpConnector.pull(pinned, server.password, await context(stateDir));
    expect(again.kind).toBe('files');
    if (again.kind === 'files') await again.commit();

    expect((await sftpConnector.pull(pinned, server.password, await context(stateDir))).kind).toBe('unchanged');

    // Touched but identical: fetched, compared by SHA-256, not taken.
    const later = new Date(Date.now() + 60_000);
    await utimes(path.join(root, 'outgoing', 'dm.csv'), later, later);
    const touched = await context(stateDir);
    expect((await sftpConnector.pull(pinned, server.password, touched)).kind).toBe('unchanged');
    expect(touched.lines.join('\n')).toContain('only its time changed');

    await writeFile(path.join(root, 'outgoing', 'dm.csv'), 'USUBJID,AGE\nS-1,41\n');
    const changed = await sftpConnector.pull(pinned, server.password, await context(stateDir));
    expect(changed.kind).toBe('files');
  });

  it('moves the files to the archive folder on commit', async () => {
    const stateDir = path.join(scratch, 'state-archive');
    await mkdir(path.join(root, 'drop'), { recursive: true });
    await writeFile(path.join(root, 'drop', 'ae.csv'), 'USUBJID,AETERM\nS-1,HEADACHE\n');
    const pinned = config({ hostKeyFingerprint: server.fingerprint, remoteDir: '/drop', archiveDir: '/drop/archive' });
    const outcome = await sftpConnector.pull(pinned, server.password, await context(stateDir));
    expect(outcome.kind).toBe('files');
    if (outcome.kind === 'files') await outcome.commit();
    expect(await readdir(path.join(root, 'drop', 'archive'))).toEqual(['ae.csv']);
    expect((await readdir(path.join(root, 'drop'))).sort()).toEqual(['archive']);
  });

  it('flushes its new ledger and the rename before moving files to the archive, when the runtime asks', async () => {
    const stateDir = path.join(scratch, 'state-flushed');
    await mkdir(path.join(root, 'flushed'), { recursive: true });
    await writeFile(path.join(root, 'flushed', 'dm.csv'), 'USUBJID,AGE\nS-1,40\n');
    const pinned = config({
      hostKeyFingerprint: server.fingerprint,
      remoteDir: '/flushed',
      archiveDir: '/flushed/done',
    });
    const seen: string[] = [];
    const ctx = await context(stateDir);
    ctx.flush = async (target, kind) => {
      // What is on the server's folder at each flush: the file must still be there (not yet archived).
      seen.push(
        `${kind} ${path.relative(stateDir, target) || '.'} ${(await readdir(path.join(root, 'flushed'))).sort().join(',')}`,
      );
    };
    const outcome = await sftpConnector.pull(pinned, server.password, ctx);
    expect(outcome.kind).toBe('files');
    if (outcome.kind === 'files') await outcome.commit();
    expect(seen).toEqual(['file sftp-ledger.json.tmp dm.csv', 'folder . dm.csv']);
    expect(await readdir(path.join(root, 'flushed', 'done'))).toEqual(['dm.csv']);
  });
});
