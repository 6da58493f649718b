import { writeFile } from 'node:fs/promises';
import { valueAt } from '../text-cells.ts';
import type { DatasetInfo, ReadOptions } from '../types.ts';
import { encodeIbmFloat } from './ibm-float.ts';
import { readXpt } from './read-xpt.ts';

/**
 * Test helpers: read a transport file whole (fine for test files, never for production data) and
 * build small transport files byte by byte, including broken ones.
 */

export interface ReadMember {
  info: DatasetInfo;
  rows: number;
  batches: number;
  /** Per column: numbers (NaN for missing) or strings (null for blank). */
  values: (number | string | null)[][];
  /** Per column: the missing-value character code per row (0 when not missing). */
  missing: number[][];
}

export async function readAll(file: string, options: ReadOptions = {}): Promise<ReadMember[]> {
  const members: ReadMember[] = [];
  for await (const dataset of readXpt(file, options)) {
    const member: ReadMember = {
      info: dataset.info,
      rows: 0,
      batches: 0,
      values: dataset.info.columns.map(() => []),
      missing: dataset.info.columns.map(() => []),
    };
    for await (const batch of dataset.batches()) {
      member.batches++;
      batch.columns.forEach((values, c) => {
        const target = member.values[c] as (number | string | null)[];
        const codes = member.missing[c] as number[];
        for (let r = 0; r < batch.length; r++) {
          target.push(valueAt(values, r) as number | string | null);
          codes.push(batch.missing?.[c]?.[r] ?? 0);
        }
      });
      member.rows += batch.length;
    }
    members.push(member);
  }
  return members;
}

export interface TestVariable {
  name: string;
  type: 'number' | 'string';
  length: number;
  label?: string;
  format?: [name: string, width: number, decimals: number];
  /** Overrides for corrupting the descriptor. */
  raw?: { typeCode?: number; varnum?: number; position?: number; hash?: number; justification?: number };
}

export interface TestMember {
  name: string;
  label?: string;
  variables: TestVariable[];
  /** The observations, already laid out (see `row`). */
  data: Buffer;
  /** Version 8 only: long labels for the LABELV8 section, by variable index. */
  longLabels?: Record<number, string>;
}

const RECORD = 80;

function record(text: string): Buffer {
  const bytes = Buffer.alloc(RECORD, 0x20);
  bytes.write(text, 0, 'latin1');
  return bytes;
}

function padded(text: string, width: number): string {
  return text.padEnd(width, ' ').slice(0, width);
}

function padToRecord(bytes: Buffer, fill = 0x20): Buffer {
  const rest = bytes.length % RECORD;
  return rest === 0 ? bytes : Buffer.concat([bytes, Buffer.alloc(RECORD - rest, fill)]);
}

const STAMP = '01JAN24:10:20:30';

/**
 * A whole transport file: library header, then each member's headers and data. VAX/VMS SAS wrote
 * 136-byte variable descriptors (`namestrLength: 136`).
 */
export function buildXpt(members: TestMember[], version: 5 | 8 = 5, namestrLength: 140 | 136 = 140): Buffer {
  const v8 = version === 8;
  const parts: Buffer[] = [
    record(`HEADER RECORD*******${v8 ? 'LIBV8   ' : 'LIBRARY '}HEADER RECORD!!!!!!!${'0'.repeat(30)}`),
    record(`SAS     SAS     SASLIB  9.4     X64_10PR${' '.repeat(24)}${STAMP}`),
    record(STAMP),
  ];
  for (const member of members) {
    parts.push(
      record(
        `HEADER RECORD*******${v8 ? 'MEMBV8  ' : 'MEMBER  '}HEADER RECORD!!!!!!!${'0'.repeat(17)}16${'0'.repeat(8)}${namestrLength}`,
      ),
      record(`HEADER RECORD*******${v8 ? 'DSCPTV8 ' : 'DSCRPTR '}HEADER RECORD!!!!!!!${'0'.repeat(30)}`),
      v8
        ? record(`SAS     ${padded(member.name, 32)}SASDATA 9.4     X64_10PR${STAMP}`)
        : record(`SAS     ${padded(member.name, 8)}SASDATA 9.4     X64_10PR${' '.repeat(24)}${STAMP}`),
      record(`${STAMP}${' '.repeat(16)}${padded(member.label ?? '', 40)}DATA    `),
      record(
        `HEADER RECORD*******${v8 ? 'NAMSTV8 ' : 'NAMESTR '}HEADER RECORD!!!!!!!000000${String(member.variables.length).padStart(4, '0')}${'0'.repeat(20)}`,
      ),
    );
    let position = 0;
    const namestrs = member.variables.map((v, i) => {
      const namestr = Buffer.alloc(140, 0);
      namestr.writeInt16BE(v.raw?.typeCode ?? (v.type === 'number' ? 1 : 2), 0);
      namestr.writeInt16BE(v.raw?.hash ?? 0, 2);
      namestr.writeInt16BE(v.length, 4);
      namestr.writeInt16BE(v.raw?.varnum ?? i + 1, 6);
      namestr.write(padded(v.name, 8), 8, 'latin1');
      namestr.write(padded(v.label ?? '', 40), 16, 'latin1');
      const [formatName, width, decimals] = v.format ?? ['', 0, 0];
      namestr.write(padded(formatName, 8), 56, 'latin1');
      namestr.writeInt16BE(width, 64);
      namestr.writeInt16BE(decimals, 66);
      namestr.writeInt16BE(v.raw?.justification ?? 0, 68);
      namestr.write(padded('', 8), 72, 'latin1');
      namestr.writeInt32BE(v.raw?.position ?? position, 84);
      if (v8) namestr.write(padded(v.name, 32), 88, 'latin1');
      position += v.length;
      return namestr.subarray(0, namestrLength);
    });
    parts.push(padToRecord(Buffer.concat(namestrs)));
    if (v8 && member.longLabels) {
      const entries = Object.entries(member.longLabels);
      parts.push(record(`HEADER RECORD*******LABELV8 HEADER RECORD!!!!!!!${entries.length}`));
      const bytes = entries.map(([index, label]) => {
        const variable = member.variables[Number(index)] as TestVariable;
        const head = Buffer.alloc(6);
        head.writeUInt16BE(Number(index) + 1, 0);
        head.writeUInt16BE(variable.name.length, 2);
        head.writeUInt16BE(label.length, 4);
        return Buffer.concat([head, Buffer.from(variable.name, 'latin1'), Buffer.from(label, 'latin1')]);
      });
      parts.push(padToRecord(Buffer.concat(bytes)));
    }
    parts.push(record(`HEADER RECORD*******${v8 ? 'OBSV8   ' : 'OBS     '}HEADER RECORD!!!!!!!${'0'.repeat(30)}`));
    parts.push(padToRecord(member.data));
  }
  return Buffer.concat(parts);
}

/** An IBM double of `length` bytes (truncated as SAS stores short numerics). */
export function ibm(value: number, length = 8): Buffer {
  const bytes = Buffer.alloc(8);
  if (!encodeIbmFloat(value, bytes, 0)) throw new Error(`${value} has no IBM form`);
  return bytes.subarray(0, length);
}

/** A SAS missing value (`.`, `_`, `A`..`Z`) of `length` bytes. */
export function missingValue(code: string, length = 8): Buffer {
  const bytes = Buffer.alloc(length);
  bytes[0] = code.charCodeAt(0);
  return bytes;
}

/** A character value blank-padded to `length` bytes. */
export function text(value: string | Buffer, length: number): Buffer {
  const bytes = Buffer.alloc(length, 0x20);
  (typeof value === 'string' ? Buffer.from(value, 'latin1') : value).copy(bytes);
  return bytes;
}

export async function writeXptFile(file: string, bytes: Buffer): Promise<string> {
  await writeFile(file, bytes);
  return file;
}
