import { describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import { rdcDecompress, rleDecompress } from './decompress.ts';
import { RdcCompressor, rdcBound } from './rdc-compress.ts';
import { rleBound, rleCompress } from './rle-compress.ts';

const bytes = (...values: (number | string | number[])[]): Uint8Array =>
  Uint8Array.from(
    values.flatMap((v) => (typeof v === 'string' ? [...Buffer.from(v, 'latin1')] : Array.isArray(v) ? v : [v])),
  );
const repeat = (byte: number, count: number): number[] => new Array(count).fill(byte);

function decode(kind: 'rle' | 'rdc', input: Uint8Array, length: number): Uint8Array {
  const output = new Uint8Array(length);
  (kind === 'rle' ? rleDecompress : rdcDecompress)(input, 0, input.length, output);
  return output;
}

describe('RLE decompression (COMPRESS=CHAR)', () => {
  const abc = [...Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+-')];
  it.each([
    ['0x8n copies n+1 bytes', bytes(0x82, 'abc'), bytes('abc')],
    ['0x9n copies n+17 bytes', bytes(0x90, abc.slice(0, 17)), bytes(abc.slice(0, 17))],
    ['0xAn copies n+33 bytes', bytes(0xa1, abc.slice(0, 34)), bytes(abc.slice(0, 34))],
    ['0xBn copies n+49 bytes', bytes(0xbf, abc.slice(0, 64)), bytes(abc.slice(0, 64))],
    ['0x0n copies next+64+n·256 bytes', bytes(0x00, 2, abc, 'xy'), bytes(abc, 'xy')],
    ['0x1n copies next+64+n·256+4096 bytes', bytes(0x10, 0, repeat(7, 4160)), bytes(repeat(7, 4160))],
    ['0x2n copies n+96 bytes', bytes(0x21, repeat(9, 97)), bytes(repeat(9, 97))],
    ['0x4n inserts next+18+n·256 copies of a byte', bytes(0x40, 2, 0x5a), bytes(repeat(0x5a, 20))],
    ['0x4n with a length nibble', bytes(0x41, 0, 0x5a), bytes(repeat(0x5a, 274))],
    ['0x5n inserts next+17+n·256 @', bytes(0x50, 1), bytes(repeat(0x40, 18))],
    ['0x6n inserts next+17+n·256 blanks', bytes(0x61, 3), bytes(repeat(0x20, 276))],
    ['0x7n inserts next+17+n·256 NULs', bytes(0x70, 0), bytes(repeat(0, 17))],
    ['0xCn inserts n+3 copies of the next byte', bytes(0xc1, 0x99), bytes(repeat(0x99, 4))],
    ['0xDn inserts n+2 @', bytes(0xd0), bytes('@@')],
    ['0xEn inserts n+2 blanks', bytes(0xe2), bytes('    ')],
    ['0xFn inserts n+2 NULs', bytes(0xf1), bytes(0, 0, 0)],
    [
      "the specification's example 1",
      bytes(0x87, 'ABCDEFGH', 0xf2, 0x8a, '123456789AB', 0xd0, 0xa1, 'abcdefghijklmnopqrstuvwxyzabcdefgh'),
      bytes('ABCDEFGH', 0, 0, 0, 0, '123456789AB', '@@', 'abcdefghijklmnopqrstuvwxyzabcdefgh'),
    ],
  ])('%s', (_, input, expected) => {
    expect(decode('rle', input, expected.length)).toEqual(expected);
  });

  it.each([
    ['a copy past the row length', bytes(0x83, 'abcd'), 3, /overruns the row length/],
    ['an insert past the row length', bytes(0xe5), 4, /overruns the row length/],
    ['a copy past the end of the input', bytes(0x85, 'ab'), 6, /ends inside a command/],
    ['a command missing its length byte', bytes(0x60), 20, /ends inside a command/],
    ['a 0x4 command missing its byte', bytes(0x40, 1), 19, /ends inside a command/],
    ['the unknown command 0x3', bytes(0x30, 0), 1, /unknown command 0x30/],
    ['a row that comes out short', bytes(0x81, 'ab'), 4, /decompresses to 2 bytes, the row length is 4/],
    ['an empty input for a non-empty row', bytes(), 8, /decompresses to 0 bytes/],
  ])('rejects %s', (_, input, length, message) => {
    expect(() => decode('rle', input, length)).toThrow(FormatError);
    expect(() => decode('rle', input, length)).toThrow(message);
  });
});

describe('RDC decompression (COMPRESS=BINARY)', () => {
  it.each([
    ['literal bytes (control bits 0)', bytes(0x00, 0x00, 'abc'), bytes('abc')],
    ['a short run: n+3 copies', bytes(0x80, 0x00, 0x02, 0x41), bytes('AAAAA')],
    ['a long run: n + next·16 + 19 copies', bytes(0x80, 0x00, 0x11, 0x01, 0x42), bytes(repeat(0x42, 36))],
    ['a short pattern: copy cmd bytes from offset n+3', bytes(0x10, 0x00, 'abc', 0x30, 0x00), bytes('abcabc')],
    [
      'a long pattern: next+16 bytes from offset n + next·16 + 3',
      bytes(0x10, 0x00, 'abc', 0x20, 0x00, 0x01),
      bytes('abc', 'abcabcabcabcabcabc'.slice(0, 17)),
    ],
  ])('%s', (_, input, expected) => {
    expect(decode('rdc', input, expected.length)).toEqual(expected);
  });

  it('copies overlapping patterns byte by byte', () => {
    // "abc", then 6 bytes from 3 back: the copy reads bytes it has just written.
    const input = bytes(0x10, 0x00, 'abc', 0x60, 0x00);
    expect(decode('rdc', input, 9)).toEqual(bytes('abcabcabc'));
  });

  it.each([
    ['a reference before the start of the row', bytes(0x80, 0x00, 0x30, 0x00), 3, /refers back before the start/],
    ['a run past the row length', bytes(0x80, 0x00, 0x05, 0x41), 4, /overruns the row length/],
    ['a literal past the row length', bytes(0x00, 0x00, 'abcd'), 3, /overruns the row length/],
    ['a command cut off', bytes(0x80, 0x00, 0x11), 40, /ends inside a command/],
    ['a row that comes out short', bytes(0x00, 0x00, 'ab'), 4, /decompresses to 2 bytes, the row length is 4/],
  ])('rejects %s', (_, input, length, message) => {
    expect(() => decode('rdc', input, length)).toThrow(FormatError);
    expect(() => decode('rdc', input, length)).toThrow(message);
  });
});

describe('RLE compression (writer)', () => {
  /** Commands pandas 1.5, ReadStat and parso all decode the same way. */
  function commands(packed: Uint8Array): number[] {
    const seen: number[] = [];
    let i = 0;
    while (i < packed.length) {
      const control = packed[i] as number;
      const command = control >> 4;
      const nibble = control & 0x0f;
      seen.push(command === 0 || command === 4 ? control : command << 4);
      if (command === 0) i += 2 + (packed[i + 1] as number) + 64;
      else if (command === 4) i += 3;
      else if (command === 6 || command === 7) i += 2;
      else if (command >= 8 && command <= 11) i += 1 + nibble + 1 + (command - 8) * 16;
      else if (command === 12) i += 2;
      else i += 1;
    }
    return seen;
  }

  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const samples: [string, Uint8Array][] = [
    ['an empty row', new Uint8Array(0)],
    ['one byte', bytes('x')],
    ['blank padding', bytes('PLACEBO', repeat(0x20, 200))],
    ['a long blank run', bytes(repeat(0x20, 9000))],
    ['a long run of another byte', bytes(repeat(0x41, 700), 'z')],
    ['@ runs', bytes('@@', 'x', repeat(0x40, 30))],
    [
      'NUL runs and doubles',
      Uint8Array.from(Buffer.concat([Buffer.alloc(40), Buffer.from(new Float64Array([1.5, Number.NaN]).buffer)])),
    ],
  ];
  for (let n = 0; n < 40; n++) {
    const length = Math.floor(random() * 3000);
    const alphabet = 1 + Math.floor(random() * 6);
    samples.push([
      `random row ${n}`,
      Uint8Array.from({ length }, () => [0x20, 0, 0x40, 0x41, 0x42, 0xff][Math.floor(random() * alphabet)] as number),
    ]);
  }

  it.each(samples)('round-trips %s with portable commands only', (_, row) => {
    const packed = new Uint8Array(rleBound(row.length));
    const length = rleCompress(row, 0, row.length, packed);
    expect(length).toBeLessThanOrEqual(rleBound(row.length));
    expect(decode('rle', packed.subarray(0, length), row.length)).toEqual(row);
    for (const control of commands(packed.subarray(0, length))) {
      expect([0x00, 0x40, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0]).toContain(control);
    }
  });
});

describe('RDC compression (writer)', () => {
  /** The items of a compressed row: literal bytes, runs and copies, as the decoder would meet them. */
  function items(packed: Uint8Array): { literals: number; runs: number; copies: number; longest: number } {
    const seen = { literals: 0, runs: 0, copies: 0, longest: 0 };
    let i = 0;
    let mask = 0;
    let control = 0;
    while (i < packed.length) {
      mask >>>= 1;
      if (mask === 0) {
        control = ((packed[i] as number) << 8) | (packed[i + 1] as number);
        i += 2;
        mask = 0x8000;
        // A control word is only written with an item after it (pandas reads one unconditionally).
        expect(i).toBeLessThan(packed.length);
      }
      if ((control & mask) === 0) {
        seen.literals++;
        i++;
        continue;
      }
      const command = (packed[i] as number) >> 4;
      if (command === 0 || command === 1) {
        seen.runs++;
        const length = command === 0 ? ((packed[i] as number) & 15) + 3 : 0;
        seen.longest = Math.max(seen.longest, length);
        i += command === 0 ? 2 : 3;
      } else {
        seen.copies++;
        i += command === 2 ? 3 : 2;
      }
    }
    return seen;
  }

  function roundTrip(row: Uint8Array, compressor = new RdcCompressor()): Uint8Array {
    const packed = new Uint8Array(rdcBound(row.length));
    const length = compressor.compress(row, 0, row.length, packed);
    expect(length).toBeLessThanOrEqual(rdcBound(row.length));
    expect(decode('rdc', packed.subarray(0, length), row.length)).toEqual(row);
    return packed.subarray(0, length);
  }

  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const words = ['PLACEBO', 'XANOMELINE', 'HIGH DOSE', 'ALT', 'U/L', '01-701-'];
  const samples: [string, Uint8Array][] = [
    ['an empty row', new Uint8Array(0)],
    ['one byte', bytes('x')],
    ['two equal bytes (too short for a run)', bytes('xx')],
    ['exactly 16 literals (one full control word)', bytes('abcdefghijklmnop')],
    ['17 literals (a second control word)', bytes('abcdefghijklmnopq')],
    ['a run longer than one long run (4,114)', bytes(repeat(0x20, 9000))],
    ['a pattern longer than one long copy (271)', bytes(Array.from({ length: 2000 }, (_, k) => 0x41 + (k % 7)))],
    ['a repeat just within the farthest offset', bytes('xyz', repeat(1, 4095), 'xyz')],
    [
      'a repeat beyond the farthest offset',
      bytes(
        'xyz',
        Array.from({ length: 4200 }, (_, k) => k & 0xff),
        'xyz',
      ),
    ],
    [
      'numbers and padded text',
      Uint8Array.from(
        Buffer.concat([
          Buffer.from(new Float64Array([1.5, 20_000, Number.NaN, 1.5]).buffer),
          Buffer.from('PLACEBO             XANOMELINE          PLACEBO      '),
        ]),
      ),
    ],
  ];
  for (let n = 0; n < 40; n++) {
    const length = Math.floor(random() * 3000);
    const text = Array.from({ length }, () => words[Math.floor(random() * words.length)]).join(' ');
    const noise = Uint8Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256));
    samples.push([`random row ${n}`, Uint8Array.from([...noise, ...Buffer.from(text.slice(0, length)), ...noise])]);
  }

  it.each(samples)('round-trips %s', (_, row) => {
    roundTrip(row);
  });

  it('keeps no match from one row to the next (a copy never reaches into another row)', () => {
    const compressor = new RdcCompressor();
    roundTrip(bytes('ABCDEFGHIJ'), compressor);
    const second = roundTrip(bytes('ABCDEFGHIJ'), compressor);
    expect(items(second)).toMatchObject({ literals: 10, runs: 0, copies: 0 });
  });

  it('compresses runs and repeats into commands', () => {
    expect(items(roundTrip(bytes(repeat(0x20, 9000))))).toMatchObject({ literals: 0, runs: 3 });
    expect(roundTrip(bytes(repeat(0x20, 9000))).length).toBe(2 + 3 * 3);
    expect(items(roundTrip(bytes('AB', repeat(0, 18), 'CD'))).longest).toBe(18);
    const repeated = items(roundTrip(bytes('PLACEBO PLACEBO PLACEBO')));
    expect(repeated).toMatchObject({ literals: 8, runs: 0, copies: 1 });
  });
});
