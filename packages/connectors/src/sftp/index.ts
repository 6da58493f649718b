import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SftpSourceConfig } from '@cdp/contracts';
import SftpClient from 'ssh2-sftp-client';
import { globMatcher } from '../glob.ts';
import {
  type ConnectionCheck,
  type Connector,
  ConnectorError,
  type FlushPath,
  type PullContext,
  type PulledFile,
} from '../types.ts';

/** How long a connection may take before the test or pull gives up on the server. */
const CONNECT_TIMEOUT_MS = 20_000;

/** The OpenSSH form of a host key's fingerprint: `SHA256:` and the unpadded base64 of its SHA-256. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

interface Opened {
  client: SftpClient;
  fingerprint: string;
}

/**
 * Connects, pinning the host key: with `pinned`, any other key is refused before authentication
 * (the password or key never reaches an impostor); without, the key is accepted only so the test
 * can show its fingerprint for the user to confirm.
 */
async function open(config: SftpSourceConfig, secret: string | null, pinned: string | null): Promise<Opened> {
  const where = `${config.username}@${config.host}:${config.port}`;
  if (!secret)
    throw new ConnectorError(`sFTP ${where}: no ${config.auth === 'password' ? 'password' : 'private key'} is stored.`);
  let seen: string | null = null;
  const client = new SftpClient('cdp-data-source');
  try {
    await client.connect({
      host: config.host,
      port: config.port,
      username: config.username,
      ...(config.auth === 'password' ? { password: secret } : { privateKey: secret }),
      readyTimeout: CONNECT_TIMEOUT_MS,
      // No keyboard-interactive prompts, no agent: only the stored credential.
      tryKeyboard: false,
      retries: 0,
      hostVerifier: (key: Buffer) => {
        seen = hostKeyFingerprint(key);
        return pinned === null || seen === pinned;
      },
    });
  } catch (error) {
    await client.end().catch(() => undefined);
    throw explainConnectError(where, error, pinned, seen);
  }
  if (!seen) throw new ConnectorError(`sFTP ${where}: the server showed no host key.`);
  return { client, fingerprint: seen };
}

/**
 * The server showed another key than the pinned one (nothing was sent to it: the key is checked
 * before authentication). Carries the key it showed, for the user to compare and confirm.
 */
class HostKeyChangedError extends ConnectorError {
  constructor(
    readonly seen: string,
    message: string,
    details: ConstructorParameters<typeof ConnectorError>[1],
  ) {
    super(message, details);
  }
}

function explainConnectError(
  where: string,
  error: unknown,
  pinned: string | null,
  seen: string | null,
): ConnectorError {
  if (pinned !== null && seen !== null && seen !== pinned) {
    return new HostKeyChangedError(
      seen,
      `sFTP ${where}: THE SERVER'S HOST KEY HAS CHANGED. Pinned ${pinned}, the server now shows ${seen}. ` +
        'Nothing was sent to it. If the server was really re-keyed, test the connection again and confirm the new fingerprint; otherwise someone may be impersonating it.',
      { request: where },
    );
  }
  const raw = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  let reason = raw.replace(/^connect: /, '');
  if (/authentication methods failed/i.test(raw)) {
    reason = 'the server refused the username and credential (wrong password or key?)';
  } else if (code === 'ENOTFOUND' || /ENOTFOUND/.test(raw)) reason = 'unknown host';
  else if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(raw)) reason = 'connection refused';
  else if (/timed out/i.test(raw)) reason = 'the server did not answer in time';
  else if (/privateKey|private key|parse/i.test(raw)) reason = `the private key cannot be used (${raw})`;
  return new ConnectorError(`sFTP ${where}: ${reason}.`, { request: where });
}

/** What was taken of each remote file: a changed size or time, then a changed checksum, makes it new. */
interface LedgerEntry {
  size: number;
  mtime: number;
  sha256: string;
}
type Ledger = Record<string, LedgerEntry>;

const LEDGER = 'sftp-ledger.json';

async function readLedger(stateDir: string): Promise<Ledger> {
  try {
    return JSON.parse(await readFile(path.join(stateDir, LEDGER), 'utf8')) as Ledger;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

/**
 * With the runtime's `flush`, the new ledger is on the disk before its rename and the rename before
 * the files are moved to the archive: a power loss cannot forget that a file was taken once it is
 * gone from the server's folder.
 */
async function writeLedger(stateDir: string, ledger: Ledger, flush?: FlushPath): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const file = path.join(stateDir, LEDGER);
  await writeFile(`${file}.tmp`, `${JSON.stringify(ledger, null, 1)}\n`);
  await flush?.(`${file}.tmp`, 'file');
  await rename(`${file}.tmp`, file);
  await flush?.(stateDir, 'folder');
}

const remoteJoin = (dir: string, name: string) => path.posix.join(dir, name);

/** Downloads one file, counting bytes and hashing as it streams. */
async function download(
  client: SftpClient,
  remote: string,
  local: string,
  context: PullContext,
  counted: { bytes: number },
): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      counted.bytes += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(client.createReadStream(remote), meter, createWriteStream(local), { signal: context.signal });
  return { bytes, sha256: hash.digest('hex') };
}

/**
 * The sFTP connector: lists `remoteDir`, fetches the files matching `pattern` that are new or
 * changed since the last successful pull (size and time, then the SHA-256 of what was fetched),
 * and hands them to the runtime as one version. Only after that version is recorded does it keep
 * the ledger and move the files to `archiveDir` on the server.
 */
export const sftpConnector: Connector<SftpSourceConfig> = {
  async test(config, secret, signal): Promise<ConnectionCheck> {
    const pinned = config.hostKeyFingerprint ?? null;
    let opened: Opened;
    try {
      opened = await open(config, secret, pinned);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // A re-keyed server: the test shows the new key so the user can confirm it (issue 13's "test again").
      if (error instanceof HostKeyChangedError) return { ok: false, message, hostKeyFingerprint: error.seen };
      return { ok: false, message };
    }
    try {
      signal.throwIfAborted();
      const entries = await opened.client.list(config.remoteDir).catch((error: unknown) => {
        throw new ConnectorError(
          `sFTP ${config.host}: cannot list ${config.remoteDir}: ${error instanceof Error ? error.message.replace(/^list: /, '') : String(error)}.`,
        );
      });
      const match = globMatcher(config.pattern);
      const files = entries.filter((e) => e.type === '-' && match(e.name));
      const confirmed = pinned !== null;
      return {
        ok: true,
        message: `Connected to ${config.host}:${config.port} as ${config.username}; ${files.length} file${files.length === 1 ? '' : 's'} in ${config.remoteDir} match ${config.pattern}.${confirmed ? ' Host key matches the pinned one.' : ' Confirm the host key fingerprint before saving.'}`,
        hostKeyFingerprint: opened.fingerprint,
      };
    } catch (error) {
      return {
        ok: false,
        message: error instanceof Error ? error.message : String(error),
        hostKeyFingerprint: opened.fingerprint,
      };
    } finally {
      await opened.client.end().catch(() => undefined);
    }
  },

  async pull(config, secret, context) {
    const where = `${config.username}@${config.host}:${config.port}`;
    if (!config.hostKeyFingerprint) {
      throw new ConnectorError(
        `sFTP ${where}: the server's host key is not confirmed yet. Test the connection and confirm its fingerprint first.`,
      );
    }
    const ledger = await readLedger(context.stateDir);
    const { client } = await open(config, secret, config.hostKeyFingerprint);
    const abort = () => void client.end().catch(() => undefined);
    context.signal.addEventListener('abort', abort, { once: true });
    try {
      context.log('info', `Connected to ${where}; listing ${config.remoteDir}`);
      const listed = await client.list(config.remoteDir).catch((error: unknown) => {
        throw new ConnectorError(
          `sFTP ${where}: cannot list ${config.remoteDir}: ${error instanceof Error ? error.message.replace(/^list: /, '') : String(error)}.`,
          { request: config.remoteDir },
        );
      });
      const match = globMatcher(config.pattern);
      const candidates = listed
        .filter((e) => e.type === '-' && match(e.name))
        .filter((e) => {
          const known = ledger[e.name];
          return !known || known.size !== e.size || known.mtime !== e.modifyTime;
        })
        .sort((a, b) => a.modifyTime - b.modifyTime || a.name.localeCompare(b.name));
      context.log('info', `${listed.length} entries, ${candidates.length} new or changed matching ${config.pattern}`);
      const files: PulledFile[] = [];
      const next: Ledger = { ...ledger };
      const counted = { bytes: 0 };
      for (const entry of candidates) {
        context.signal.throwIfAborted();
        const remote = remoteJoin(config.remoteDir, entry.name);
        const local = path.join(context.workDir, `${files.length + 1}-${path.basename(entry.name)}`);
        context.progress({ files: files.length, bytes: counted.bytes, message: `Fetching ${entry.name}` });
        const got = await download(client, remote, local, context, counted).catch((error: unknown) => {
          if (context.signal.aborted) throw error;
          throw new ConnectorError(
            `sFTP ${where}: fetching ${remote} failed: ${error instanceof Error ? error.message : String(error)}.`,
            { file: entry.name },
          );
        });
        next[entry.name] = { size: entry.size, mtime: entry.modifyTime, sha256: got.sha256 };
        if (ledger[entry.name]?.sha256 === got.sha256) {
          context.log('info', `${entry.name}: only its time changed (same SHA-256); not taken again`);
          continue;
        }
        context.log('info', `Fetched ${entry.name} (${got.bytes} bytes, SHA-256 ${got.sha256.slice(0, 12)}…)`);
        files.push({
          path: local,
          name: entry.name,
          bytes: got.bytes,
          sha256: got.sha256,
          remoteId: `${remote}@${entry.size}:${entry.modifyTime}`,
        });
      }
      context.progress({ files: files.length, bytes: counted.bytes, message: 'Fetched' });
      const commitLedger = () => writeLedger(context.stateDir, next, context.flush);
      if (files.length === 0) {
        await commitLedger();
        return {
          kind: 'unchanged',
          message: `No new or changed files in ${config.remoteDir} matching ${config.pattern}`,
        };
      }
      return {
        kind: 'files',
        files,
        async commit() {
          await commitLedger();
          if (config.archiveDir) await archive(config, secret, files, context);
        },
      };
    } finally {
      context.signal.removeEventListener('abort', abort);
      await client.end().catch(() => undefined);
    }
  },
};

/** Moves the taken files into `archiveDir` on the server; a failure is logged, the version stands. */
async function archive(config: SftpSourceConfig, secret: string | null, files: PulledFile[], context: PullContext) {
  const archiveDir = config.archiveDir as string;
  const { client } = await open(config, secret, config.hostKeyFingerprint ?? null);
  try {
    if (!(await client.exists(archiveDir))) await client.mkdir(archiveDir, true);
    for (const file of files) {
      const target = remoteJoin(archiveDir, file.name);
      try {
        if (await client.exists(target)) await client.delete(target);
        await client.rename(remoteJoin(config.remoteDir, file.name), target);
        context.log('info', `Moved ${file.name} to ${archiveDir}`);
      } catch (error) {
        context.log(
          'warn',
          `Could not move ${file.name} to ${archiveDir}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
