import type { ColumnInfo, RowBatch } from '../types.ts';

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

/** Encodes rows of a batch into SAS bytes, numbers in the file's byte order. */
export class RowEncoder {
  readonly row: Buffer;
  private readonly scratch = Buffer.alloc(8);

  constructor(
    private readonly layout: RowLayout,
    private readonly littleEndian = true,
  ) {
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
    const little = this.littleEndian;
    if (Number.isNaN(value)) {
      // SAS missing values: a NaN whose byte 5 (from the least significant end) is the complement
      // of the kind (`.` 1, `._` 0, `.A` 2 ...).
      const tag = kind === 95 ? 0 : kind >= 65 && kind <= 90 ? kind - 63 : 1;
      const high = (0xffff0000 | ((~tag & 0xff) << 8)) >>> 0;
      if (little) {
        scratch.writeUInt32LE(0, 0);
        scratch.writeUInt32LE(high, 4);
      } else {
        scratch.writeUInt32BE(high, 0);
        scratch.writeUInt32BE(0, 4);
      }
    } else if (little) {
      scratch.writeDoubleLE(toSas(plan.info.type, value), 0);
    } else {
      scratch.writeDoubleBE(toSas(plan.info.type, value), 0);
    }
    // A short number keeps the most significant bytes: the last ones little-endian, the first big-endian.
    if (little) scratch.copy(row, plan.offset, 8 - plan.width, 8);
    else scratch.copy(row, plan.offset, 0, plan.width);
  }
}

function toSas(type: ColumnInfo['type'], value: number): number {
  if (type === 'date') return value + 3653;
  if (type === 'datetime') return value / 1000 + SAS_EPOCH_SECONDS;
  return value;
}
