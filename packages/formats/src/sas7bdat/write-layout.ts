import type { ColumnInfo, RowBatch } from '../types.ts';

/** The byte layout of the files the writer makes: 64-bit, little-endian. */
export const HEADER_SIZE = 8192;
export const PAGE_HEADER_SIZE = 40;
export const POINTER_SIZE = 24;
export const SAS_EPOCH_SECONDS = 3653 * 86_400;

export interface ColumnPlan {
  info: ColumnInfo;
  numeric: boolean;
  offset: number;
  width: number;
}

export interface RowLayout {
  columns: ColumnPlan[];
  rowLength: number;
}

/** Numbers first, then character columns, as SAS lays rows out (full-width numbers stay 8-byte aligned). */
export function rowLayout(columns: ColumnInfo[]): RowLayout {
  const plans: ColumnPlan[] = columns.map((info) => {
    const numeric = info.type !== 'string';
    let width = 8;
    if (numeric) {
      if (info.length !== undefined && info.length >= 3 && info.length < 8) width = info.length;
    } else {
      if (!info.length || info.length < 1 || info.length > 32_767) {
        throw new Error(`writeSas7bdat: character column ${info.name} needs a length of 1–32767 bytes`);
      }
      width = info.length;
    }
    return { info, numeric, offset: 0, width };
  });
  let offset = 0;
  for (const plan of plans.filter((p) => p.numeric)) {
    plan.offset = offset;
    offset += plan.width;
  }
  for (const plan of plans.filter((p) => !p.numeric)) {
    plan.offset = offset;
    offset += plan.width;
  }
  const rowLength = plans.some((p) => p.numeric) ? Math.ceil(offset / 8) * 8 : offset;
  return { columns: plans, rowLength: Math.max(rowLength, 1) };
}

/** Encodes rows of a batch into SAS bytes. */
export class RowEncoder {
  readonly row: Buffer;
  private readonly scratch = Buffer.alloc(8);

  constructor(private readonly layout: RowLayout) {
    this.row = Buffer.alloc(layout.rowLength);
  }

  encode(batch: RowBatch, r: number, rowNumber: number): Buffer {
    const row = this.row;
    const { columns } = this.layout;
    for (let c = 0; c < columns.length; c++) {
      const plan = columns[c] as ColumnPlan;
      const values = batch.columns[c];
      if (plan.numeric) {
        const value = values ? (values as Float64Array)[r] : Number.NaN;
        this.writeNumber(plan, value as number, batch.missing?.[c]?.[r] ?? 0, row);
        continue;
      }
      const text = values ? (values as (string | null)[])[r] : null;
      const end = plan.offset + plan.width;
      let written = 0;
      if (text) {
        written = Buffer.byteLength(text, 'utf8');
        if (written > plan.width) {
          throw new Error(
            `writeSas7bdat: row ${rowNumber}, column ${plan.info.name}: ${written} bytes do not fit its length ${plan.width}`,
          );
        }
        row.write(text, plan.offset, 'utf8');
      }
      row.fill(0x20, plan.offset + written, end);
    }
    return row;
  }

  private writeNumber(plan: ColumnPlan, value: number, kind: number, row: Buffer): void {
    const scratch = this.scratch;
    if (Number.isNaN(value)) {
      // SAS missing values: a NaN whose byte 5 is the complement of the kind (`.` 1, `._` 0, `.A` 2 ...).
      const tag = kind === 95 ? 0 : kind >= 65 && kind <= 90 ? kind - 63 : 1;
      scratch.writeUInt32LE(0, 0);
      scratch.writeUInt32LE((0xffff0000 | ((~tag & 0xff) << 8)) >>> 0, 4);
    } else {
      scratch.writeDoubleLE(toSas(plan.info.type, value), 0);
    }
    // Little-endian: the most significant bytes are the last ones.
    scratch.copy(row, plan.offset, 8 - plan.width, 8);
  }
}

function toSas(type: ColumnInfo['type'], value: number): number {
  if (type === 'date') return value + 3653;
  if (type === 'datetime') return value / 1000 + SAS_EPOCH_SECONDS;
  return value;
}
