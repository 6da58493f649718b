import { describe, expect, it } from 'vitest';
import { formatBytes } from './format-bytes.ts';

describe('formatBytes', () => {
  it.each([
    [0, '0 bytes'],
    [1023, '1023 bytes'],
    [1024, '1 KB'],
    [1536, '1.5 KB'],
    [64 * 1024 * 1024, '64 MB'],
    [2147483648, '2 GB'],
    [8589934592, '8 GB'],
    [28_400_000, '27.1 MB'],
  ])('%d bytes reads %s', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });

  it('names IEC units when asked', () => {
    expect(formatBytes(51_000, { iec: true })).toBe('49.8 KiB');
    expect(formatBytes(8589934592, { iec: true })).toBe('8 GiB');
  });
});
