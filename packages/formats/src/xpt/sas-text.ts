/**
 * Text in transport files. The format declares no encoding: SAS writes the session encoding's
 * bytes, which for the files we meet is Latin-1/Windows-1252 or UTF-8. The rule, per value:
 * pure ASCII is ASCII; bytes that form valid UTF-8 are UTF-8 (a Latin-1 text almost never does,
 * because its accented letters are not followed by continuation bytes); anything else is
 * Windows-1252, which decodes every byte, so reading never fails on text.
 */

/**
 * Windows-1252 differs from Latin-1 only in 0x80–0x9F. Spelled out here because Node 20's
 * TextDecoder('windows-1252') drops those bytes instead of decoding them.
 */
const WINDOWS_1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeWindows1252(bytes: Buffer, start: number, end: number): string {
  return bytes
    .toString('latin1', start, end)
    .replace(/[\x80-\x9f]/g, (c) => WINDOWS_1252_HIGH.charAt(c.charCodeAt(0) - 0x80));
}

/** End of the value once trailing blanks (and, for header fields, NULs) are dropped. */
export function trimEnd(bytes: Uint8Array, start: number, end: number, dropNul = false): number {
  let e = end;
  while (e > start) {
    const b = bytes[e - 1] as number;
    if (b !== 0x20 && !(dropNul && b === 0)) break;
    e--;
  }
  return e;
}

/** A character value, decoded by the rule above. */
export function decodeText(bytes: Buffer, start: number, end: number): string {
  let i = start;
  while (i < end && (bytes[i] as number) < 0x80) i++;
  if (i === end) return bytes.toString('latin1', start, end);
  if (isUtf8(bytes, i, end)) return bytes.toString('utf8', start, end);
  return decodeWindows1252(bytes, start, end);
}

/** A fixed-width header field: trailing blanks and NULs are padding. */
export function headerText(bytes: Buffer, start: number, length: number): string {
  return decodeText(bytes, start, trimEnd(bytes, start, start + length, true));
}

/** Strict UTF-8 check (no overlongs, no surrogates, nothing above U+10FFFF). */
function isUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return false;
    }
    if (i + need >= end) return false;
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k] as number;
      if ((c & 0xc0) !== 0x80) return false;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}

/** Code point → Windows-1252 byte for 0x80–0x9F, for the writer; Latin-1 covers the rest. */
const windows1252HighBytes = new Map<number, number>();
for (let i = 0; i < WINDOWS_1252_HIGH.length; i++) windows1252HighBytes.set(WINDOWS_1252_HIGH.charCodeAt(i), 0x80 + i);

/**
 * Encodes `text` as Windows-1252. Returns the index of the first character it cannot encode
 * instead (a number), so the caller can say which character of which value is the problem.
 */
export function encodeWindows1252(text: string): Uint8Array | number {
  const out = new Uint8Array(text.length);
  const written = encodeWindows1252Into(text, text.length, out, 0);
  return written < 0 ? -written - 1 : out;
}

/**
 * Writes the first `count` characters of `text` as Windows-1252 at `offset` (one byte each).
 * Returns `count`, or −(i + 1) when character i cannot be encoded.
 */
export function encodeWindows1252Into(text: string, count: number, target: Uint8Array, offset: number): number {
  for (let i = 0; i < count; i++) {
    const code = text.charCodeAt(i);
    const b = code < 0x80 || (code >= 0xa0 && code <= 0xff) ? code : windows1252HighBytes.get(code);
    if (b === undefined) return -(i + 1);
    target[offset + i] = b;
  }
  return count;
}
