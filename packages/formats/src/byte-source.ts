import { open } from 'node:fs/promises';
import path from 'node:path';

/**
 * What the binary readers (XPT, SAS7BDAT) read from: a file on disk, or a member of an uploaded
 * ZIP inflated as it is read (issue 17: members are no longer extracted to disk first).
 */
export interface PositionalReader {
  /** Like `FileHandle.read`: fewer bytes than asked only at the end; 0 past it. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

export interface ByteSource extends PositionalReader {
  /** Bytes in the source (a ZIP member's are checked against its inflated bytes as they come). */
  readonly size: number;
  /**
   * Reads are cheap only going forward (an inflating stream): a read before the last one starts
   * inflating again from the beginning. Readers that would seek backwards read forward instead.
   */
  readonly sequential: boolean;
  /**
   * Every byte of the source, when it already lies in memory (a ZIP member inflated whole): a
   * reader may read it there instead of copying it into buffers of its own. Valid until `close`.
   */
  readonly whole?: Buffer;
  close(): Promise<void>;
}

/** Something a reader opens: a member of a ZIP, say. Each `open()` starts at its beginning. */
export interface ByteInput {
  /** Its name inside the upload (`archive.zip/dm.xpt`); readers use the base name as a fallback. */
  readonly name: string;
  open(): Promise<ByteSource>;
}

/** A path on disk, or something that opens like one. */
export type ReadInput = string | ByteInput;

export async function openInput(input: ReadInput): Promise<ByteSource> {
  if (typeof input !== 'string') return input.open();
  const handle = await open(input, 'r');
  try {
    const { size } = await handle.stat();
    return {
      size,
      sequential: false,
      read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** The input's file name, without folders. */
export function inputBaseName(input: ReadInput): string {
  return path.basename(typeof input === 'string' ? input : input.name);
}
