import type { PositionalReader } from '../byte-source.ts';
import { FormatError } from '../errors.ts';

/**
 * The file header shared by SAS data sets (.sas7bdat) and catalogs (.sas7bcat). Offsets follow the
 * Shotwell/Cummins specification (FredHutch/sas7bdat-specification) and ReadStat's
 * `sas_read_header`: byte 32 says 64-bit layout ("u64"), byte 35 a 4-byte pad before the
 * timestamps, byte 37 the byte order, byte 70 the character set.
 */
export interface SasHeader {
  kind: 'data' | 'catalog';
  u64: boolean;
  littleEndian: boolean;
  /** Padding before the timestamps (0 or 4). */
  pad1: number;
  encodingCode: number;
  /** Raw dataset (member) name bytes, decoded later in the file's encoding. */
  nameBytes: Buffer;
  /** Seconds since 1960-01-01 in the writer's local time, as SAS stores them. */
  created: number;
  modified: number;
  headerSize: number;
  pageSize: number;
  pageCount: number;
  release: string;
  host: string;
  osVersion: string;
  osMaker: string;
  osName: string;
}

const DATA_MAGIC = Buffer.from('000000000000000000000000c2ea8160b31411cfbd92080009c7318c181f1011', 'hex');
const CATALOG_MAGIC = Buffer.from('000000000000000000000000c2ea8163b31411cfbd92080009c7318c181f1011', 'hex');

const ALIGNMENT_4 = 0x33;
/** Enough for every fixed field, whatever the alignment. */
const FIXED_FIELDS_END = 300;
/** ReadStat's sanity limits: a header or page beyond 16 MiB is a corrupt length, not a real file. */
const MIN_SIZE = 1024;
const MAX_SIZE = 1 << 24;

function ascii(bytes: Buffer, start: number, length: number): string {
  return bytes
    .toString('latin1', start, start + length)
    .replace(/[\0 ]+$/, '')
    .trim();
}

export async function readSasHeader(file: PositionalReader, fileSize: number, what: string): Promise<SasHeader> {
  if (fileSize < FIXED_FIELDS_END) {
    throw new FormatError(
      `file is ${fileSize.toLocaleString('en-US')} bytes, too short for a ${what} header (empty or truncated upload?)`,
      { offset: fileSize },
    );
  }
  const head = Buffer.alloc(FIXED_FIELDS_END);
  await file.read(head, 0, FIXED_FIELDS_END, 0);
  const magic = head.subarray(0, 32);
  const kind = magic.equals(DATA_MAGIC) ? 'data' : magic.equals(CATALOG_MAGIC) ? 'catalog' : undefined;
  if (!kind) {
    throw new FormatError(`not a ${what} file (its first 32 bytes are not the SAS signature)`, { offset: 0 });
  }
  const endian = head[37];
  if (endian !== 0 && endian !== 1) {
    throw new FormatError(`unknown byte order code ${endian} in the header (corrupt file)`, { offset: 37 });
  }
  const littleEndian = endian === 1;
  const u64 = head[32] === ALIGNMENT_4;
  const pad1 = head[35] === ALIGNMENT_4 ? 4 : 0;
  const u32 = (at: number) => (littleEndian ? head.readUInt32LE(at) : head.readUInt32BE(at));
  const f64 = (at: number) => (littleEndian ? head.readDoubleLE(at) : head.readDoubleBE(at));

  const headerSize = u32(196 + pad1);
  const pageSize = u32(200 + pad1);
  let pageCount: number;
  if (u64) {
    const big = littleEndian ? head.readBigUInt64LE(204 + pad1) : head.readBigUInt64BE(204 + pad1);
    pageCount = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
  } else {
    pageCount = u32(204 + pad1);
  }
  if (headerSize < MIN_SIZE || headerSize > MAX_SIZE) {
    throw new FormatError(`header declares an impossible header size of ${headerSize} bytes (corrupt file)`, {
      offset: 196 + pad1,
    });
  }
  if (pageSize < MIN_SIZE || pageSize > MAX_SIZE) {
    throw new FormatError(`header declares an impossible page size of ${pageSize} bytes (corrupt file)`, {
      offset: 200 + pad1,
    });
  }
  if (headerSize > fileSize) {
    throw new FormatError(
      `file ends inside its ${headerSize.toLocaleString('en-US')}-byte header (truncated upload?)`,
      { offset: fileSize },
    );
  }
  const expected = headerSize + pageCount * pageSize;
  if (expected > fileSize) {
    const lastWhole = Math.floor((fileSize - headerSize) / pageSize);
    throw new FormatError(
      `page ${(lastWhole + 1).toLocaleString('en-US')} of ${pageCount.toLocaleString('en-US')} is truncated (file ends early — incomplete upload?)`,
      { offset: fileSize },
    );
  }

  const text = 216 + pad1 + (u64 ? 4 : 0);
  return {
    kind,
    u64,
    littleEndian,
    pad1,
    encodingCode: head[70] as number,
    nameBytes: Buffer.from(head.subarray(92, 156)),
    created: f64(164 + pad1),
    modified: f64(172 + pad1),
    headerSize,
    pageSize,
    pageCount,
    release: ascii(head, text, 8),
    host: ascii(head, text + 8, 16),
    osVersion: ascii(head, text + 24, 16),
    osMaker: ascii(head, text + 40, 16),
    osName: ascii(head, text + 56, 16),
  };
}
