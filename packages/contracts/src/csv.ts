/**
 * The one CSV encoding of every CSV the product writes (dataset downloads, the audit export, a
 * widget's data, the demo generator): RFC 4180 quoting, CRLF line ends.
 *
 * Text a spreadsheet would run as a formula (first character `=`, `+`, `-`, `@`, tab or carriage
 * return) gets a leading apostrophe, which Excel, LibreOffice and Google Sheets show as text and
 * do not evaluate (OWASP's advice for CSV injection). Only text is neutralised: numbers are numbers
 * (-1.5 in a numeric column is written -1.5), and text that is exactly a number (`-1.5` in a
 * character result such as LBORRES) is left alone too, since a spreadsheet reads it as that
 * number and runs nothing. `raw` writes every value as it is, for programs that read the file back
 * (the API's `raw=true`, the demo generator); the web app never asks for it.
 */
export interface CsvWriteOptions {
  /** Write text exactly as stored, formulas and all. */
  raw?: boolean;
}

const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain decimal number, as a spreadsheet would read it: `-1.5`, `+3`, `-.5`, `1e-7`. */
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Text as a spreadsheet may safely open it: formulas lose their power, everything else is kept. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** A field's text as RFC 4180 writes it: quoted when it holds a comma, a quote, CR or LF. */
export function quoteCsv(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * One CSV field. `null`/`undefined` are empty, numbers and booleans as written by `String`, dates as
 * ISO 8601, objects as JSON; strings are neutralised unless `raw`.
 */
export function csvField(value: unknown, options: CsvWriteOptions = {}): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return quoteCsv(options.raw ? value : neutraliseFormula(value));
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return quoteCsv(String(value));
  if (value instanceof Date) return value.toISOString();
  // JSON starts with `{`, `[` or `"`: never a formula.
  return quoteCsv(JSON.stringify(value));
}

/** One CSV line, CRLF-terminated. */
export function csvRow(values: readonly unknown[], options: CsvWriteOptions = {}): string {
  return `${values.map((value) => csvField(value, options)).join(',')}\r\n`;
}
