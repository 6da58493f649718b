import { describe, expect, it } from 'vitest';
import { ByteWindow } from './byte-window.ts';

/** A source over `bytes` that counts its reads; `whole` when it says its bytes are in memory. */
function source(bytes: Buffer, whole: boolean) {
  const counted = {
    reads: 0,
    ...(whole ? { whole: bytes } : {}),
    read: async (buffer: Buffer, offset: number, length: number, position: number) => {
      counted.reads++;
      return { bytesRead: bytes.copy(buffer, offset, position, Math.min(bytes.length, position + length)) };
    },
  };
  return counted;
}

const file = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));

describe('ByteWindow', () => {
  it('reads a source whole in memory in place: no copy, no read, every range at once', async () => {
    const bytes = source(file, true);
    const window = new ByteWindow(bytes, file.length, 1024);
    expect(window.bytes).toBe(file);
    for (const [pos, length] of [
      [0, 80],
      [4000, 1000],
      [4990, 80],
      [5000, 80],
    ] as const) {
      expect(await window.ensure(pos, length)).toBe(Math.max(0, Math.min(length, file.length - pos)));
      if (pos < file.length) expect(window.at(pos)).toBe(file[pos]);
    }
    expect(bytes.reads).toBe(0);
  });

  it('reads any other source forward in chunks, giving the same bytes', async () => {
    const bytes = source(file, false);
    const window = new ByteWindow(bytes, file.length, 1024);
    expect(window.bytes).not.toBe(file);
    for (const pos of [0, 1000, 2500, 4990]) {
      const available = await window.ensure(pos, 80);
      expect(available).toBe(Math.min(80, file.length - pos));
      expect(window.bytes.subarray(pos - window.start, pos - window.start + available)).toEqual(
        file.subarray(pos, pos + available),
      );
    }
    expect(bytes.reads).toBeGreaterThan(1);
    await window.settle();
  });

  it('copies a source whose bytes in memory are not the whole file (a short buffer)', async () => {
    const bytes = { ...source(file, false), whole: file.subarray(0, 100) };
    const window = new ByteWindow(bytes, file.length, 1024);
    expect(await window.ensure(3000, 80)).toBe(80);
    expect(window.at(3000)).toBe(file[3000]);
    await window.settle();
  });
});
