import { TextDecoder } from 'node:util';
import { FormatError } from '../errors.ts';
import type { SasEncoding } from './encodings.ts';
import { UNSPECIFIED_ENCODING_DECODER } from './encodings.ts';

const SPACE = 0x20;
const NUL = 0x00;

/**
 * Decodes SAS character data in the file's declared encoding. SAS pads character values with
 * blanks (and some writers with NULs), so both are trimmed from the end; leading blanks are data.
 *
 * Most clinical text is ASCII, so that case skips TextDecoder: `latin1` slicing of bytes below
 * 0x80 is the same string in every encoding SAS uses, and several times faster.
 */
export class SasText {
  private readonly decoder: TextDecoder | undefined;
  readonly encodingName: string;
  /** True when the caller chose the encoding instead of the file. */
  readonly overridden: boolean;

  constructor(encoding: SasEncoding | undefined, overridden = false) {
    this.encodingName = encoding?.name ?? UNSPECIFIED_ENCODING_DECODER;
    this.overridden = overridden;
    const label = encoding ? encoding.decoder : UNSPECIFIED_ENCODING_DECODER;
    // fatal: a byte sequence the declared encoding cannot produce means a corrupt or mislabelled
    // file, and silently turning it into U+FFFD would hide that.
    this.decoder = label ? new TextDecoder(label, { fatal: true }) : undefined;
  }

  /** A character value: trimmed, `null` when blank (SAS has no empty string distinct from missing). */
  value(bytes: Buffer, start: number, end: number): string | null {
    const stop = this.end(bytes, start, end);
    if (stop === start) return null;
    return this.decode(bytes, start, stop);
  }

  /** Where a character value ends once the padding (blanks, NULs) is dropped. */
  end(bytes: Buffer, start: number, end: number): number {
    let stop = end;
    while (stop > start) {
      const last = bytes[stop - 1];
      if (last !== SPACE && last !== NUL) break;
      stop--;
    }
    return stop;
  }

  /** Metadata text (names, labels, formats): trimmed, '' when blank. */
  text(bytes: Buffer, start: number, end: number): string {
    return this.value(bytes, start, end) ?? '';
  }

  /** Text in the file's encoding (the padding already dropped); throws a `FormatError` when it cannot be. */
  readonly decode = (bytes: Buffer, start: number, end: number): string => {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if ((bytes[i] as number) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return bytes.toString('latin1', start, end);
    if (!this.decoder) {
      throw new FormatError(
        `text uses the character set ${this.encodingName}, which this reader cannot decode (re-save the file as UTF-8 or Latin-1)`,
      );
    }
    try {
      return this.decoder.decode(bytes.subarray(start, end));
    } catch {
      throw new FormatError(
        `text is not valid ${this.encodingName}, the character set the file declares (corrupt or mislabelled file)`,
      );
    }
  };
}
