/**
 * A file that cannot be read. The message says what and where, in words a data manager can act on:
 * `ae.xpt, record 1,204: file ends inside an observation (truncated upload?)`.
 */
export interface FormatErrorLocation {
  file?: string;
  /** Dataset (member, sheet, form) inside the file. */
  dataset?: string;
  /** 1-based row / record / observation number. */
  row?: number;
  column?: string;
  /** Byte offset in the file, when that is the best "where" there is. */
  offset?: number;
}

export class FormatError extends Error {
  readonly reason: string;
  readonly location: FormatErrorLocation;

  constructor(reason: string, location: FormatErrorLocation = {}) {
    super(formatMessage(reason, location));
    this.name = 'FormatError';
    this.reason = reason;
    this.location = location;
  }

  /** The same error, told about the file it came from (readers below a ZIP know only the entry). */
  withFile(file: string): FormatError {
    return new FormatError(this.reason, { ...this.location, file });
  }
}

function formatMessage(reason: string, where: FormatErrorLocation): string {
  const parts: string[] = [];
  if (where.file) parts.push(where.file);
  if (where.dataset) parts.push(`dataset ${where.dataset}`);
  if (where.row !== undefined) parts.push(`row ${where.row.toLocaleString('en-US')}`);
  if (where.column) parts.push(`column ${where.column}`);
  if (where.offset !== undefined && where.row === undefined) parts.push(`byte ${where.offset.toLocaleString('en-US')}`);
  if (parts.length === 0) return reason;
  // "ae.csv is empty" reads as a sentence about the file; other reasons follow a colon.
  return `${parts.join(', ')}${reason.startsWith('is ') ? ' ' : ': '}${reason}`;
}
