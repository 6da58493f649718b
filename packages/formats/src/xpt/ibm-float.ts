/**
 * IBM System/370 hexadecimal floating point, the number format of SAS transport files: one sign
 * bit, a 7-bit base-16 exponent biased by 64, and a 56-bit fraction (`value = 0.f × 16^(e−64)`).
 * Variables shorter than 8 bytes keep only the leading bytes; the missing ones are zero.
 *
 * Decoding works on two integers per value (no per-byte strings, no DataView): that is what makes
 * a 1 GB file decode at disk speed.
 */

/** `POW2_FOR_EXPONENT[e]` = 2^(4·(e−64) − 56): scales the 56-bit integer fraction to its value. */
const POW2_FOR_EXPONENT = new Float64Array(128);
for (let e = 0; e < 128; e++) POW2_FOR_EXPONENT[e] = 2 ** (4 * (e - 64) - 56);

const TWO_POW_32 = 4_294_967_296;

/** What `decodeIbmFloat` found besides a number. */
export const IBM_VALUE = 0;
/** The bytes are a SAS missing value (`.`, `._`, `.A`..`.Z`); its character code is in `lastMissingCode`. */
export const IBM_MISSING = 1;
/** A zero fraction with an exponent byte that is neither 0 nor a missing-value code: not a SAS number. */
export const IBM_MALFORMED = 2;

/** Result slots of `decodeIbmFloat`, reused so decoding allocates nothing. */
export const ibmResult = { value: 0, missingCode: 0 };

/**
 * Decodes `length` (2..8) bytes at `offset`. Returns `IBM_VALUE` with the number in
 * `ibmResult.value`, `IBM_MISSING` with the code in `ibmResult.missingCode`, or `IBM_MALFORMED`.
 */
export function decodeIbmFloat(bytes: Uint8Array, offset: number, length: number): number {
  const first = bytes[offset] as number;
  let high = 0;
  let low = 0;
  if (length === 8) {
    high = ((bytes[offset + 1] as number) << 16) | ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number);
    low =
      (((bytes[offset + 4] as number) << 24) |
        ((bytes[offset + 5] as number) << 16) |
        ((bytes[offset + 6] as number) << 8) |
        (bytes[offset + 7] as number)) >>>
      0;
  } else {
    // Truncated numbers: the bytes that were dropped are zeros.
    for (let i = 1; i < 4; i++) high = (high << 8) | (i < length ? (bytes[offset + i] as number) : 0);
    for (let i = 4; i < 8; i++) low = low * 256 + (i < length ? (bytes[offset + i] as number) : 0);
  }

  if (high === 0 && low === 0) {
    if (first === 0 || first === 0x80) {
      ibmResult.value = 0;
      return IBM_VALUE;
    }
    // `.` 0x2E, `_` 0x5F, `A`..`Z` 0x41..0x5A, followed by zero bytes.
    if (first === 0x2e || first === 0x5f || (first >= 0x41 && first <= 0x5a)) {
      ibmResult.missingCode = first;
      return IBM_MISSING;
    }
    return IBM_MALFORMED;
  }

  // high·2^32 + low is a 56-bit integer: adding the two rounds once, to nearest, which gives the
  // nearest double; scaling by a power of two is then exact (IBM's range sits well inside IEEE's).
  const magnitude = (high * TWO_POW_32 + low) * (POW2_FOR_EXPONENT[first & 0x7f] as number);
  ibmResult.value = first & 0x80 ? -magnitude : magnitude;
  return IBM_VALUE;
}

/** IBM doubles stay below 16^63 (about 7.2e75); the largest double under it still fits. */
export const IBM_LIMIT = 16 ** 63;

const doubleView = new DataView(new ArrayBuffer(8));

/**
 * Encodes `value` as an 8-byte IBM double at `offset`. A 53-bit double always fits a 56-bit IBM
 * fraction exactly; only magnitudes below 16^−64 lose bits, and those round to nearest.
 * Returns false (writing nothing) when the value is not finite or too large for IBM's range.
 */
export function encodeIbmFloat(value: number, target: Uint8Array, offset: number): boolean {
  if (!Number.isFinite(value) || Math.abs(value) >= IBM_LIMIT) return false;
  if (value === 0) {
    target.fill(0, offset, offset + 8);
    return true;
  }
  const sign = value < 0 ? 0x80 : 0;
  const magnitude = Math.abs(value);

  let exponent: number;
  let high: number;
  let low: number;
  // Below 16^−64 the exponent byte would reach 0 or less: keep byte 0 and an unnormalised fraction.
  if (magnitude < 2 ** -256) {
    exponent = 0;
    const fraction = Math.round(magnitude * 2 ** 312);
    if (fraction === 0) {
      target.fill(0, offset, offset + 8);
      return true;
    }
    high = Math.floor(fraction / TWO_POW_32);
    low = fraction - high * TWO_POW_32;
  } else {
    doubleView.setFloat64(0, magnitude);
    const bitsHigh = doubleView.getUint32(0);
    const bitsLow = doubleView.getUint32(4);
    const binaryExponent = ((bitsHigh >>> 20) & 0x7ff) - 1023;
    // magnitude = 1.m · 2^E = 0.f · 16^q with q = ⌊E/4⌋ + 1; the 53-bit significand moves left by E mod 4.
    const hexExponent = Math.floor(binaryExponent / 4) + 1;
    const shift = binaryExponent - 4 * (hexExponent - 1);
    const significandHigh = (bitsHigh & 0xfffff) | 0x100000;
    high = shift === 0 ? significandHigh : (significandHigh << shift) | (bitsLow >>> (32 - shift));
    low = shift === 0 ? bitsLow : (bitsLow << shift) >>> 0;
    exponent = hexExponent + 64;
  }

  target[offset] = sign | exponent;
  target[offset + 1] = (high >>> 16) & 0xff;
  target[offset + 2] = (high >>> 8) & 0xff;
  target[offset + 3] = high & 0xff;
  target[offset + 4] = (low >>> 24) & 0xff;
  target[offset + 5] = (low >>> 16) & 0xff;
  target[offset + 6] = (low >>> 8) & 0xff;
  target[offset + 7] = low & 0xff;
  return true;
}

/** Writes the 8 bytes of a SAS missing value: its character code followed by zeros. */
export function encodeIbmMissing(code: number, target: Uint8Array, offset: number): void {
  target[offset] = code;
  target.fill(0, offset + 1, offset + 8);
}
