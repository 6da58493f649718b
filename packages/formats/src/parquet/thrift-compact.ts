/**
 * The few Thrift compact-protocol structures a Parquet file needs (page headers, the footer),
 * written by hand: a Thrift runtime and generated code for the whole Parquet IDL would be far
 * more than the dozen structs we write. A struct is a list of fields; `undefined` fields are left
 * out, as optional fields are.
 */

/** A field value: numbers are i32, bigints i64, booleans bool, strings/bytes binary. */
export type ThriftValue = number | bigint | boolean | string | Uint8Array | ThriftStruct | ThriftList;

/** `[fieldId, value]` pairs in ascending field id. */
export type ThriftStruct = { struct: [number, ThriftValue | undefined][] };
export type ThriftList = { list: ThriftValue[]; of: 'i32' | 'i64' | 'binary' | 'struct' };

const TYPE = { true: 1, false: 2, i32: 5, i64: 6, binary: 8, list: 9, struct: 12 } as const;

export function struct(...fields: [number, ThriftValue | undefined][]): ThriftStruct {
  return { struct: fields };
}

export function list(of: ThriftList['of'], values: ThriftValue[]): ThriftList {
  return { list: values, of };
}

export class ThriftWriter {
  private buffer = new Uint8Array(1024);
  private length = 0;
  private readonly encoder = new TextEncoder();

  /** The encoded bytes of one struct. */
  static encode(value: ThriftStruct): Uint8Array {
    const writer = new ThriftWriter();
    writer.writeStruct(value);
    return writer.buffer.subarray(0, writer.length);
  }

  private ensure(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + bytes));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  private byte(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value;
  }

  private varint(value: bigint): void {
    let v = value;
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      this.byte(v === 0n ? low : low | 0x80);
    } while (v !== 0n);
  }

  private zigzag(value: number | bigint): void {
    const v = BigInt(value);
    this.varint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
  }

  private bytes(value: string | Uint8Array): void {
    const data = typeof value === 'string' ? this.encoder.encode(value) : value;
    this.varint(BigInt(data.length));
    this.ensure(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  private typeOf(value: ThriftValue): number {
    if (typeof value === 'number') return TYPE.i32;
    if (typeof value === 'bigint') return TYPE.i64;
    if (typeof value === 'boolean') return value ? TYPE.true : TYPE.false;
    if (typeof value === 'string' || value instanceof Uint8Array) return TYPE.binary;
    return 'list' in value ? TYPE.list : TYPE.struct;
  }

  private writeStruct(value: ThriftStruct): void {
    let last = 0;
    for (const [id, field] of value.struct) {
      if (field === undefined) continue;
      const type = this.typeOf(field);
      const delta = id - last;
      if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
      else {
        this.byte(type);
        this.zigzag(id);
      }
      last = id;
      if (typeof field !== 'boolean') this.writeValue(field);
    }
    this.byte(0);
  }

  private writeValue(value: ThriftValue): void {
    if (typeof value === 'number' || typeof value === 'bigint') this.zigzag(value);
    else if (typeof value === 'boolean') this.byte(value ? 1 : 2);
    else if (typeof value === 'string' || value instanceof Uint8Array) this.bytes(value);
    else if ('list' in value) {
      const type = TYPE[value.of];
      const size = value.list.length;
      if (size < 15) this.byte((size << 4) | type);
      else {
        this.byte(0xf0 | type);
        this.varint(BigInt(size));
      }
      for (const item of value.list) this.writeValue(item);
    } else this.writeStruct(value);
  }
}
