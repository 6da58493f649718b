import type { FormatErrorLocation } from '../errors.ts';
import type { ColumnInfo } from '../types.ts';

/**
 * Where each column of a packed batch lies in its buffer: doubles at `at`, or text as `length + 1`
 * offsets at `at` and their bytes at `bytesAt`, or strings sent beside the buffer (readers that
 * give JavaScript strings; the SAS readers give bytes on the upload path).
 */
export type PackedColumn =
  | { type: 'number'; at: number }
  | { type: 'text'; at: number; bytesAt: number; bytes: number }
  | { type: 'strings' };

/** What the writer side sends the encoder thread, one dataset at a time. */
export type EncoderRequest =
  | {
      kind: 'open';
      file: string;
      columns: ColumnInfo[];
      metadata: Record<string, string>;
      where: FormatErrorLocation;
    }
  | {
      kind: 'batch';
      buffer: ArrayBuffer;
      length: number;
      layout: PackedColumn[];
      strings?: Record<number, (string | null)[]>;
    }
  | { kind: 'close' }
  | { kind: 'abort' };

export type EncoderFailure =
  | { kind: 'failed'; format: true; reason: string; location: FormatErrorLocation }
  | { kind: 'failed'; format: false; message: string; code?: string };

/**
 * What the encoder thread answers: a buffer to fill again; a failure, as soon as it happens; and
 * one answer to `close` or `abort` (`closed`, or `ended` with the dataset's failure if it had one).
 */
export type EncoderReply =
  | { kind: 'buffer'; buffer: ArrayBuffer }
  | EncoderFailure
  | { kind: 'closed'; rows: number; digest: { bytes: number; sha256: string } | undefined }
  | { kind: 'ended'; failure: EncoderFailure | undefined };
