import { FormatError } from '../errors.ts';
import type { SasHeader } from './header.ts';

/**
 * Byte order and word size of one file, and bounds-checked integer reads. Every length, count and
 * offset in a SAS file is a claim to verify: a read past the buffer throws a FormatError
 * ("corrupt file") rather than Node's RangeError.
 */
export class SasLayout {
  readonly u64: boolean;
  readonly littleEndian: boolean;
  /** 4 or 8: integers, offsets and subheader signatures are this wide. */
  readonly intSize: number;
  /** 24 or 40: page type, block count and subheader count sit in its last 8 bytes. */
  readonly pageHeaderSize: number;
  /** 12 or 24. */
  readonly pointerSize: number;

  constructor(header: Pick<SasHeader, 'u64' | 'littleEndian'>) {
    this.u64 = header.u64;
    this.littleEndian = header.littleEndian;
    this.intSize = header.u64 ? 8 : 4;
    this.pageHeaderSize = header.u64 ? 40 : 24;
    this.pointerSize = header.u64 ? 24 : 12;
  }

  u8(bytes: Buffer, at: number): number {
    check(bytes, at, 1);
    return bytes[at] as number;
  }

  u16(bytes: Buffer, at: number): number {
    check(bytes, at, 2);
    return this.littleEndian ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at);
  }

  u32(bytes: Buffer, at: number): number {
    check(bytes, at, 4);
    return this.littleEndian ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at);
  }

  /** A 4- or 8-byte unsigned integer; 8-byte values beyond 2^53 are corrupt, not real counts. */
  int(bytes: Buffer, at: number): number {
    if (!this.u64) return this.u32(bytes, at);
    check(bytes, at, 8);
    const value = this.littleEndian ? bytes.readBigUInt64LE(at) : bytes.readBigUInt64BE(at);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new FormatError(`an 8-byte count or offset holds an impossible value ${value} (corrupt file)`);
    }
    return Number(value);
  }
}

function check(bytes: Buffer, at: number, width: number): void {
  if (at < 0 || at + width > bytes.length) {
    throw new FormatError('a field lies outside its page or subheader (corrupt file)');
  }
}
