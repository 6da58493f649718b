import { timingSafeEqual } from 'node:crypto';
import { close, constants, fstat, open, read, readdir, type Stats, stat, statSync } from 'node:fs';
import { mkdir, rename, rm, rmdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import ssh2, { type ParsedKey, type SFTPWrapper } from 'ssh2';
import { hostKeyFingerprint } from './index.ts';

const { Server, utils } = ssh2;
const { STATUS_CODE, OPEN_MODE } = utils.sftp;

/**
 * An SFTP server for tests, on 127.0.0.1 with a port of its own, serving `root` as `/`: password
 * and public-key authentication, listing, reading, renaming, creating folders. Enough of SFTP for
 * ssh2-sftp-client's list, get/createReadStream, exists, mkdir and rename; no writes through it
 * (tests put files into `root` directly).
 */
export interface SftpTestServer {
  port: number;
  /** `SHA256:...` of the server's host key, as the connector shows it. */
  fingerprint: string;
  username: string;
  password: string;
  /** The OpenSSH private key the server also accepts (for `auth: 'private_key'`). */
  clientPrivateKey: string;
  close(): Promise<void>;
}

function keyOf(text: string): ParsedKey {
  const parsed = utils.parseKey(text);
  if (parsed instanceof Error) throw parsed;
  return Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
}

function longname(name: string, info: Stats): string {
  const kind = info.isDirectory() ? 'd' : '-';
  return `${kind}rw-r--r-- 1 cdp cdp ${info.size} Jan 1 00:00 ${name}`;
}

function attrsOf(info: Stats) {
  return {
    mode: info.mode,
    uid: 0,
    gid: 0,
    size: info.size,
    atime: Math.floor(info.atimeMs / 1000),
    mtime: Math.floor(info.mtimeMs / 1000),
  };
}

function serveSftp(sftp: SFTPWrapper, root: string): void {
  const local = (remote: string) => path.join(root, path.posix.normalize(`/${remote}`));
  const handles = new Map<number, { fd?: number; dir?: string; listed?: boolean }>();
  let next = 1;
  const handleOf = (buffer: Buffer) => handles.get(buffer.readUInt32BE(0));
  const newHandle = (entry: { fd?: number; dir?: string }) => {
    const id = next++;
    handles.set(id, entry);
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32BE(id, 0);
    return buffer;
  };
  const fail = (id: number, error: NodeJS.ErrnoException | null) =>
    sftp.status(id, error?.code === 'ENOENT' ? STATUS_CODE.NO_SUCH_FILE : STATUS_CODE.FAILURE, error?.message);

  sftp.on('REALPATH', (id, remote) => {
    const resolved = path.posix.normalize(`/${remote === '.' ? '' : remote}`);
    sftp.name(id, [{ filename: resolved, longname: resolved, attrs: {} as never }]);
  });
  const statHandler = (id: number, remote: string) =>
    stat(local(remote), (error, info) => (error ? fail(id, error) : sftp.attrs(id, attrsOf(info))));
  sftp.on('STAT', statHandler);
  sftp.on('LSTAT', statHandler);
  sftp.on('OPENDIR', (id, remote) =>
    stat(local(remote), (error, info) => {
      if (error) return fail(id, error);
      if (!info.isDirectory()) return sftp.status(id, STATUS_CODE.FAILURE, 'not a folder');
      sftp.handle(id, newHandle({ dir: local(remote) }));
    }),
  );
  sftp.on('READDIR', (id, handle) => {
    const entry = handleOf(handle);
    if (!entry?.dir) return sftp.status(id, STATUS_CODE.FAILURE);
    if (entry.listed) return sftp.status(id, STATUS_CODE.EOF);
    entry.listed = true;
    const dir = entry.dir;
    readdir(dir, (error, names) => {
      if (error) return fail(id, error);
      const items = names.map((name) => {
        let info: Stats;
        try {
          info = statSync(path.join(dir, name));
        } catch {
          return null;
        }
        return { filename: name, longname: longname(name, info), attrs: attrsOf(info) };
      });
      sftp.name(
        id,
        items.filter((i) => i !== null),
      );
    });
  });
  sftp.on('OPEN', (id, remote, flags) => {
    if (flags & (OPEN_MODE.WRITE | OPEN_MODE.CREAT | OPEN_MODE.APPEND)) {
      return sftp.status(id, STATUS_CODE.PERMISSION_DENIED, 'this test server is read-only through SFTP');
    }
    open(local(remote), constants.O_RDONLY, (error, fd) =>
      error ? fail(id, error) : sftp.handle(id, newHandle({ fd })),
    );
  });
  sftp.on('READ', (id, handle, offset, length) => {
    const entry = handleOf(handle);
    if (entry?.fd === undefined) return sftp.status(id, STATUS_CODE.FAILURE);
    const buffer = Buffer.alloc(length);
    read(entry.fd, buffer, 0, length, offset, (error, bytes) => {
      if (error) return fail(id, error);
      if (bytes === 0) return sftp.status(id, STATUS_CODE.EOF);
      sftp.data(id, buffer.subarray(0, bytes));
    });
  });
  sftp.on('FSTAT', (id, handle) => {
    const entry = handleOf(handle);
    if (entry?.fd === undefined) return sftp.status(id, STATUS_CODE.FAILURE);
    fstat(entry.fd, (error, info) => (error ? fail(id, error) : sftp.attrs(id, attrsOf(info))));
  });
  sftp.on('CLOSE', (id, handle) => {
    const key = handle.readUInt32BE(0);
    const entry = handles.get(key);
    handles.delete(key);
    if (entry?.fd !== undefined) close(entry.fd, () => sftp.status(id, STATUS_CODE.OK));
    else sftp.status(id, STATUS_CODE.OK);
  });
  sftp.on('RENAME', (id, from, to) =>
    rename(local(from), local(to)).then(
      () => sftp.status(id, STATUS_CODE.OK),
      (error: NodeJS.ErrnoException) => fail(id, error),
    ),
  );
  sftp.on('MKDIR', (id, remote) =>
    mkdir(local(remote)).then(
      () => sftp.status(id, STATUS_CODE.OK),
      (error: NodeJS.ErrnoException) => fail(id, error),
    ),
  );
  sftp.on('REMOVE', (id, remote) =>
    rm(local(remote)).then(
      () => sftp.status(id, STATUS_CODE.OK),
      (error: NodeJS.ErrnoException) => fail(id, error),
    ),
  );
  sftp.on('RMDIR', (id, remote) =>
    rmdir(local(remote)).then(
      () => sftp.status(id, STATUS_CODE.OK),
      (error: NodeJS.ErrnoException) => fail(id, error),
    ),
  );
}

/**
 * An ed25519 key pair in OpenSSH form. ssh2's `generateKeyPairSync` drops a leading zero byte of
 * the public key now and then (1 pair in 256 or so is a 31-byte key that ssh2 itself then refuses
 * to parse), which made a test server fail to start at random: a pair is drawn until both halves
 * parse.
 */
export function testKeyPair(): { private: string; public: string } {
  for (let attempt = 0; ; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.public) instanceof Error) && !(utils.parseKey(pair.private) instanceof Error))
      return pair;
    if (attempt === 20) throw new Error('ssh2 made 20 ed25519 key pairs in a row that it cannot parse');
  }
}

export async function startSftpTestServer(options: {
  root: string;
  username?: string;
  password?: string;
  /** Reuse a host key (an OpenSSH private key) instead of generating one. */
  hostKey?: string;
  port?: number;
}): Promise<SftpTestServer> {
  const username = options.username ?? 'cdp';
  const password = options.password ?? 'correct horse battery staple';
  const hostKey = options.hostKey ?? testKeyPair().private;
  const client = testKeyPair();
  const allowed = keyOf(client.public);
  const server = new Server({ hostKeys: [hostKey] }, (connection) => {
    connection.on('error', () => undefined);
    connection.on('authentication', (auth) => {
      if (auth.username !== username) return auth.reject();
      if (auth.method === 'password' && auth.password === password) return auth.accept();
      if (auth.method === 'publickey') {
        const offered = auth.key.data;
        const expected = allowed.getPublicSSH();
        if (
          auth.key.algo !== allowed.type ||
          offered.length !== expected.length ||
          !timingSafeEqual(offered, expected)
        ) {
          return auth.reject();
        }
        if (!auth.signature) return auth.accept();
        if (auth.blob && allowed.verify(auth.blob, auth.signature, auth.hashAlgo) === true) return auth.accept();
      }
      auth.reject(['password', 'publickey']);
    });
    connection.on('ready', () => {
      connection.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('sftp', (acceptSftp) => serveSftp(acceptSftp(), options.root));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    fingerprint: hostKeyFingerprint(keyOf(hostKey).getPublicSSH()),
    username,
    password,
    clientPrivateKey: client.private,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
