/**
 * An uploaded ZIP (and ZIPs inside it), listed and checked before anything is read, whose members
 * are then read straight from the archive (issue 17) or, for readers that need a file of their
 * own (DuckDB for CSV and Parquet, exceljs, the XML readers, catalogs), extracted one by one.
 *
 * Decisions:
 * - Every entry name is checked before anything is written: `..` segments, absolute paths, drive
 *   letters and NUL characters reject the whole archive (a crafted name is a sign of a crafted
 *   archive, not a file to skip). Backslashes are read as folder separators, as old Windows
 *   zippers wrote them, and the result is checked like any other name, so `..\..\x` is caught.
 * - Symbolic links, encrypted entries, compression methods other than store/deflate, duplicate
 *   names, too many entries, too many bytes and too-high compression ratios reject the archive.
 * - Sizes: yauzl checks every member's inflated bytes against the size its central directory
 *   declares, failing the read as soon as they differ (`validateEntrySizes`), so the declared size
 *   is what a read can ever give. The total and the ratio are therefore checked on the listing,
 *   before any byte is inflated; the ratio only past 1 MiB of output: small, highly regular files
 *   (blank-padded text) compress far beyond 200:1 and are no threat. Extraction meters the bytes it
 *   writes as well.
 * - A `.zip` entry is extracted (it needs random access to its central directory) to the work
 *   folder and listed under a folder of its own name (`sdtm.zip/dm.xpt`), counting towards the
 *   same limits (its bytes count twice: once as the inner archive, once as its contents); it is
 *   removed when the archive is closed. Other ZIP-based files (.xlsx) are left alone.
 * - Folders and OS clutter (`__MACOSX/`, `.DS_Store`, `._*`, `Thumbs.db`, `desktop.ini`) are
 *   skipped and not listed.
 * - Errors about the archive are `FormatError`s; errors of the machine (disk full, permissions)
 *   pass through unchanged because the upload is not at fault.
 */

import { type FileHandle, mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { ByteInput, ByteSource } from '../byte-source.ts';
import { FormatError } from '../errors.ts';
import {
  BufferedMemberSource,
  damaged,
  InflatingMemberSource,
  type MemberLocation,
  memberHead,
  memberStream,
} from './zip-member-source.ts';

export interface ZipLimits {
  /** Entries across the archive and every archive inside it (default 10,000). */
  maxEntries?: number;
  /** Bytes inflated in total (default 4 GiB). */
  maxTotalBytes?: number;
  /** Output bytes per compressed byte of one entry (default 200). */
  maxRatio?: number;
  /** Archive nesting: 1 = no ZIPs inside, 2 = ZIPs inside are fine but not inside those (default 2). */
  maxDepth?: number;
}

export interface ZipReadOptions {
  /** The upload's name, for messages (default: the archive's file name). */
  fileName?: string;
  /**
   * A member this small or smaller is inflated into one buffer when a reader opens it, instead of
   * streamed (default `WHOLE_MEMBER_BYTES`; 0 streams every member).
   */
  wholeMemberBytes?: number;
}

/**
 * Members up to this size are inflated whole when read, in one call (`inflateWhole`): a reader over
 * one buffer seeks for free, and a streamed member pays a read, zlib on libuv's pool and three
 * stream stages per 256 KiB. Larger members stream, so memory stays bounded whatever the file
 * (a member's reservation, `memberBytes`, counts twice its bytes). 4 MiB since issue 17's x17z
 * pass (was 1 MiB, the XPT reader's window): the pilot SDTM ZIP (five members of 1-3.7 MB) 118
 * against 139 ms of CPU a conversion, the demo ZIP within its spread (docs/decisions.md).
 */
export const WHOLE_MEMBER_BYTES = 4 * 1024 * 1024;

/** One file of the archive, readable in place. */
export interface ZipMember extends ByteInput {
  /** Inside the archive, `/`-separated, e.g. `sdtm/dm.xpt` or `sdtm.zip/ae.xpt`. */
  readonly path: string;
  /** `upload.zip/sdtm/dm.xpt`: how messages name it. */
  readonly name: string;
  /** Its size (declared, and held to it while it inflates). */
  readonly bytes: number;
  /** Its first bytes (up to `length`), for format detection. */
  head(length: number): Promise<Buffer>;
  /** Writes it under the archive's work folder, for readers that need a file; returns the path. */
  extract(): Promise<string>;
  /** Inflates it to the end, discarding the bytes: throws the damaged-entry error if it is damaged. */
  verify(): Promise<void>;
  /** Where its bytes lie, as plain data another thread can open (`openPortableMember`). */
  portable(): Promise<PortableMember>;
}

/**
 * A member as another thread opens it (issue 17: members converted on two threads at once): the
 * archive's path and where the member's bytes lie, checked by the listing that found it.
 */
export interface PortableMember {
  /** The archive on disk (the upload, or an inner archive extracted to the work folder). */
  archive: string;
  dataStart: number;
  compressedSize: number;
  size: number;
  deflated: boolean;
  /** `upload.zip/sdtm/dm.xpt`. */
  name: string;
  wholeMemberBytes: number;
}

/** A member another thread found (`ZipMember.portable`), opened on the archive with a handle of its own. */
export async function openPortableMember(
  member: PortableMember,
): Promise<ByteInput & { verify(): Promise<void>; close(): Promise<void> }> {
  const file = await open(member.archive, 'r');
  const location: MemberLocation = { ...member, file, label: member.name };
  return {
    name: member.name,
    open: async () => openLocated(location, member.wholeMemberBytes),
    verify: () => verifyLocated(location),
    close: () => file.close(),
  };
}

const DEFAULTS: Required<ZipLimits> = {
  maxEntries: 10_000,
  maxTotalBytes: 4 * 1024 ** 3,
  maxRatio: 200,
  maxDepth: 2,
};

/** Output below this is never a bomb, whatever its ratio. */
const RATIO_FLOOR_BYTES = 1024 * 1024;

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

const JUNK_NAMES = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini']);

/**
 * Lists and checks the archive at `zipPath`; `workDir` (created when first needed) receives inner
 * archives and extracted members. Close the archive when done: it closes the ZIP files and removes
 * the inner archives; extracted members are the caller's to remove with `workDir`.
 */
export async function openZipArchive(
  zipPath: string,
  workDir: string,
  limits: ZipLimits = {},
  options: ZipReadOptions = {},
): Promise<ZipArchive> {
  const archive = new ZipArchive(
    path.resolve(workDir),
    options.fileName ?? path.basename(zipPath),
    {
      maxEntries: limits.maxEntries ?? DEFAULTS.maxEntries,
      maxTotalBytes: limits.maxTotalBytes ?? DEFAULTS.maxTotalBytes,
      maxRatio: limits.maxRatio ?? DEFAULTS.maxRatio,
      maxDepth: limits.maxDepth ?? DEFAULTS.maxDepth,
    },
    options.wholeMemberBytes ?? WHOLE_MEMBER_BYTES,
  );
  try {
    await archive.list(zipPath, [], 1);
    return archive;
  } catch (error) {
    await archive.close();
    await archive.removeCreated();
    throw error;
  }
}

export class ZipArchive {
  readonly members: ZipMember[] = [];
  private entries = 0;
  private bytes = 0;
  private nested = 0;
  private readonly names = new Set<string>();
  private readonly zips: ZipFile[] = [];
  /** The archives' own handles, for reading members (yauzl's reader is used for listing only). */
  private readonly handles: FileHandle[] = [];
  private readonly innerArchives: string[] = [];
  private readonly createdFiles: string[] = [];
  private readonly createdDirs: string[] = [];

  constructor(
    readonly root: string,
    private readonly upload: string,
    private readonly limits: Required<ZipLimits>,
    private readonly wholeMemberBytes: number,
  ) {}

  /** Closes the ZIP files and removes inner archives; members cannot be read after. */
  async close(): Promise<void> {
    for (const zip of this.zips.splice(0)) zip.close();
    // A FileHandle closes once reads under way are done.
    for (const handle of this.handles.splice(0)) await handle.close().catch(() => undefined);
    for (const file of this.innerArchives.splice(0)) await rm(file, { force: true });
  }

  /** Undoes what extraction wrote: its files, then the folders it created (deepest first). */
  async removeCreated(): Promise<void> {
    for (const file of this.createdFiles.splice(0)) await rm(file, { force: true });
    for (const dir of this.createdDirs.splice(0).reverse()) await rm(dir, { recursive: true, force: true });
  }

  /** Lists one archive; `prefix` is where it sits inside the upload (`[]` for the upload itself). */
  async list(zipFile: string, prefix: string[], depth: number): Promise<void> {
    const label = prefix.length === 0 ? this.upload : `${this.upload}/${prefix.join('/')}`;
    let zip: ZipFile;
    try {
      zip = await yauzl.openPromise(zipFile, {
        lazyEntries: true,
        // Members are read after the listing, so the file stays open until close().
        autoClose: false,
        decodeStrings: false,
        validateEntrySizes: true,
        strictFileNames: true,
      });
    } catch (error) {
      throw asArchiveError(error, label, 'not a readable ZIP archive');
    }
    this.zips.push(zip);
    const handle = await open(zipFile, 'r');
    this.handles.push(handle);
    const entries = zip.eachEntry();
    for (;;) {
      let next: IteratorResult<Entry>;
      try {
        next = await entries.next();
      } catch (error) {
        throw asArchiveError(error, label, 'the archive is damaged');
      }
      if (next.done) break;
      await this.entry(zipFile, zip, handle, next.value, prefix, depth, label);
    }
  }

  private async entry(
    zipFile: string,
    zip: ZipFile,
    handle: FileHandle,
    entry: Entry,
    prefix: string[],
    depth: number,
    label: string,
  ): Promise<void> {
    this.entries++;
    if (this.entries > this.limits.maxEntries) {
      throw new FormatError(`the archive has more than ${this.limits.maxEntries.toLocaleString('en-US')} entries`, {
        file: this.upload,
      });
    }
    const rawName = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
    const segments = safeSegments(rawName, label);
    const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
    const isDirectory = /[/\\]$/.test(rawName) || mode === S_IFDIR || segments.length === 0;
    if (isDirectory || isJunk(segments)) return;
    const inArchive = [...prefix, ...segments].join('/');
    const where = { file: `${this.upload}/${inArchive}` };
    if (mode === S_IFLNK) throw new FormatError('the entry is a symbolic link; archives with links are refused', where);
    if (entry.isEncrypted())
      throw new FormatError('the entry is encrypted (password-protected); upload it unencrypted', where);
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
      throw new FormatError(
        `the entry uses compression method ${entry.compressionMethod}; only stored and deflated entries can be read (re-create the archive with standard ZIP compression)`,
        where,
      );
    }
    const key = inArchive.toLowerCase();
    if (this.names.has(key)) throw new FormatError('the archive holds two entries with this name', where);
    this.names.add(key);
    await this.count(entry, where.file);

    if (/\.zip$/i.test(inArchive)) {
      if (depth + 1 > this.limits.maxDepth) {
        throw new FormatError(
          `a ZIP inside a ZIP nested more than ${this.limits.maxDepth} deep; unpack the inner archives and upload again`,
          where,
        );
      }
      // The inner archive goes to the work folder (yauzl needs its central directory), then its
      // members are listed under `<name>.zip/`.
      await this.createDir(this.root);
      const temporary = path.join(this.root, `.cdp-nested-${process.pid}-${++this.nested}.zip`);
      this.innerArchives.push(temporary);
      await this.write(await locate(zip, handle, entry, where.file), temporary);
      await this.list(temporary, [...prefix, ...segments], depth + 1);
      return;
    }
    this.members.push(this.member(zipFile, zip, handle, entry, inArchive, where.file, [...prefix, ...segments]));
  }

  /** The declared size against the limits: yauzl holds every read to it (see the decisions above). */
  private async count(entry: Entry, label: string): Promise<void> {
    const declared = entry.uncompressedSize;
    this.bytes += declared;
    if (this.bytes > this.limits.maxTotalBytes) {
      throw new FormatError(
        `the archive expands to more than ${await bytesText(this.limits.maxTotalBytes)}; split the upload or raise the limit`,
        { file: this.upload },
      );
    }
    if (declared > Math.max(this.limits.maxRatio * entry.compressedSize, RATIO_FLOOR_BYTES)) {
      throw await this.bombError(entry.compressedSize, label);
    }
  }

  private async bombError(compressedSize: number, label: string): Promise<FormatError> {
    return new FormatError(
      `the entry expands more than ${this.limits.maxRatio}:1 (${await bytesText(compressedSize)} compressed); refusing a possible ZIP bomb`,
      { file: label },
    );
  }

  private member(
    zipFile: string,
    zip: ZipFile,
    handle: FileHandle,
    entry: Entry,
    inArchive: string,
    name: string,
    segments: string[],
  ): ZipMember {
    const size = entry.uncompressedSize;
    const archive = this;
    let location: Promise<MemberLocation> | undefined;
    const where = () => {
      location ??= locate(zip, handle, entry, name);
      return location;
    };
    return {
      path: inArchive,
      name,
      bytes: size,
      async open(): Promise<ByteSource> {
        return openLocated(await where(), archive.wholeMemberBytes);
      },
      async head(length: number): Promise<Buffer> {
        return memberHead(await where(), length);
      },
      async verify(): Promise<void> {
        await verifyLocated(await where());
      },
      async portable(): Promise<PortableMember> {
        const { file: _handle, label: _label, ...at } = await where();
        return { ...at, archive: zipFile, name, wholeMemberBytes: archive.wholeMemberBytes };
      },
      async extract(): Promise<string> {
        const file = path.join(archive.root, ...segments);
        if (!file.startsWith(archive.root + path.sep)) {
          throw new FormatError('the entry name points outside the extraction folder', { file: name });
        }
        await archive.createDir(path.dirname(file), name);
        await archive.write(await where(), file);
        return file;
      },
    };
  }

  /** Inflates one member to `file`, metering the bytes actually written against the entry's ratio. */
  private async write(member: MemberLocation, file: string): Promise<number> {
    const label = member.label;
    let handle: FileHandle;
    try {
      // Opened before it is recorded as ours: a file that was already there must survive a cleanup.
      handle = await open(file, 'wx');
    } catch (error) {
      throw clash(error, label);
    }
    this.createdFiles.push(file);
    const ratioLimit = Math.max(this.limits.maxRatio * member.compressedSize, RATIO_FLOOR_BYTES);
    let written = 0;
    const meter = new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) => {
        written += chunk.length;
        if (written > ratioLimit) {
          void this.bombError(member.compressedSize, label).then(done);
        } else {
          done(null, chunk);
        }
      },
    });
    try {
      await pipeline(memberStream(member), meter, handle.createWriteStream());
    } catch (error) {
      throw damaged(error, label);
    }
    return written;
  }

  async createDir(dir: string, label = this.upload): Promise<void> {
    try {
      const first = await mkdir(dir, { recursive: true });
      if (first !== undefined) this.createdDirs.push(first);
    } catch (error) {
      throw clash(error, label);
    }
  }
}

/** A member's bytes for its reader: stored ones as they lie, small ones inflated whole, larger ones as they inflate. */
function openLocated(member: MemberLocation, wholeMemberBytes: number): ByteSource | Promise<ByteSource> {
  if (!member.deflated) return BufferedMemberSource.stored(member);
  return member.size <= wholeMemberBytes ? BufferedMemberSource.inflated(member) : new InflatingMemberSource(member);
}

/** Inflates the member to its end, dropping the bytes: only whether it inflates whole matters. */
async function verifyLocated(member: MemberLocation): Promise<void> {
  const stream = memberStream(member).resume();
  try {
    await finished(stream);
  } catch (error) {
    throw damaged(error, member.label);
  }
}

/** Where the entry's data starts (its local header, read and checked by yauzl). */
async function locate(zip: ZipFile, handle: FileHandle, entry: Entry, label: string): Promise<MemberLocation> {
  try {
    const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
    return {
      file: handle,
      dataStart: fileDataStart,
      compressedSize: entry.compressedSize,
      size: entry.uncompressedSize,
      deflated: entry.compressionMethod === 8,
      label,
    };
  } catch (error) {
    throw asArchiveError(error, label, 'the entry cannot be read');
  }
}

/**
 * `12.5 MiB`, as the rest of the product writes sizes. The contracts package is loaded only for
 * such a message: it holds every API schema, which in a conversion thread would be heap its
 * garbage collector marks again at each full collection (issue 17: 8 of a member thread's 25 MB).
 */
async function bytesText(bytes: number): Promise<string> {
  const { formatBytes } = await import('@cdp/contracts');
  return formatBytes(bytes, { iec: true });
}

/** The entry name as safe path segments, or a rejection saying what is wrong with it. */
function safeSegments(name: string, archive: string): string[] {
  const reject = (why: string): never => {
    throw new FormatError(`entry "${name}" ${why}; the archive is refused`, { file: archive });
  };
  if (name.includes('\0')) reject('contains a NUL character');
  const unified = name.replace(/\\/g, '/');
  if (unified.startsWith('/')) reject('is an absolute path');
  if (/^[a-zA-Z]:/.test(unified)) reject('starts with a drive letter');
  const segments = unified.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) reject('climbs out of the extraction folder with ".."');
  return segments;
}

function isJunk(segments: string[]): boolean {
  const base = segments.at(-1) ?? '';
  return segments.includes('__MACOSX') || JUNK_NAMES.has(base) || base.startsWith('._');
}

interface SystemError extends Error {
  code: string;
  syscall: string;
}

/** An error of the machine (fs, permissions), as opposed to one about the archive's content. */
function isSystemError(error: unknown): error is SystemError {
  return error instanceof Error && typeof (error as Partial<SystemError>).syscall === 'string';
}

/** A file where a folder must go (or the reverse) is the archive's fault; other fs errors are not. */
function clash(error: unknown, label: string): unknown {
  if (isSystemError(error) && ['EEXIST', 'ENOTDIR', 'EISDIR'].includes(error.code)) {
    return new FormatError(
      'the entry name clashes with another entry or file (a file and a folder of the same name?)',
      {
        file: label,
      },
    );
  }
  return error;
}

/** yauzl's and zlib's complaints about the bytes, as a `FormatError`; machine errors unchanged. */
function asArchiveError(error: unknown, label: string, reason: string): Error {
  if (error instanceof FormatError || isSystemError(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new FormatError(`${reason} (${detail}); truncated or corrupt upload?`, { file: label });
}
