/**
 * What kind of file an upload (or a ZIP entry) is, from its first bytes and, failing that, its
 * name.
 *
 * Decisions:
 * - Content wins over the name: a `.txt` that is really an XPT is read as XPT, and a `.xpt` whose
 *   bytes are not XPT is unknown (`null`) rather than handed to a reader that will fail obscurely.
 *   The exception is SAS CPORT (often named `.xpt`): it is reported as `xpt` so the XPT reader can
 *   say what it is and how to export the data instead.
 * - SAS7BDAT and SAS7BCAT share a 32-byte magic number that differs in one byte.
 * - ZIP magic with an `.xlsx`/`.xlsm` name is a workbook, any other ZIP an archive.
 * - ODM XML is `define-xml` when the name says define or the head declares the Define-XML
 *   namespace: define.xml is metadata, which the caller skips with a reason.
 * - Only CSV-like text is recognised by name alone (`.csv`, `.tsv`, `.txt`); legacy binary Excel
 *   (`.xls`) is not supported and yields `null`.
 */

export type DetectedFormat =
  | 'xpt'
  | 'sas7bdat'
  | 'sas7bcat'
  | 'csv'
  | 'xlsx'
  | 'parquet'
  | 'odm'
  | 'dataset-json'
  | 'zip'
  | 'define-xml';

const XPT_V5 = 'HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!';
const XPT_V8 = 'HEADER RECORD*******LIBV8   HEADER RECORD!!!!!!!';
/** SAS CPORT files often carry `.xpt` names; the XPT reader recognises them and says what to do instead. */
const CPORT = '**COMPRESSED** **COMPRESSED**';

/**
 * Bytes 12-31 of every SAS7BDAT/SAS7BCAT file (the first 12 are zero). Byte 15 tells them apart:
 * 0x60 for data sets, 0x63 for catalogs (as in ReadStat's `sas7bdat_magic_number` and
 * `sas7bcat_magic_number`).
 */
const SAS_MAGIC = Buffer.from([
  0xc2, 0xea, 0x81, 0x60, 0xb3, 0x14, 0x11, 0xcf, 0xbd, 0x92, 0x08, 0x00, 0x09, 0xc7, 0x31, 0x8c, 0x18, 0x1f, 0x10,
  0x11,
]);

export function detectFormat(name: string, head: Buffer): DetectedFormat | null {
  const fromContent = detectFromContent(name, head);
  if (fromContent !== undefined) return fromContent;
  const extension = name.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  if (extension === 'csv' || extension === 'tsv' || extension === 'txt') return 'csv';
  return null;
}

/** The format the bytes prove, `null` when they prove it is nothing we read, `undefined` when they say nothing. */
function detectFromContent(name: string, head: Buffer): DetectedFormat | null | undefined {
  const ascii = head.subarray(0, 48).toString('latin1');
  if (ascii === XPT_V5 || ascii === XPT_V8 || ascii.startsWith(CPORT)) return 'xpt';
  if (isSas(head)) return head[15] === 0x63 ? 'sas7bcat' : 'sas7bdat';
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
  if (
    head[0] === 0x50 &&
    head[1] === 0x4b &&
    (head[2] === 0x03 || head[2] === 0x05) &&
    (head[3] === 0x04 || head[3] === 0x06)
  ) {
    return /\.xls[xm]$/i.test(name) ? 'xlsx' : 'zip';
  }
  const text = decodeText(head);
  if (text === undefined) return undefined;
  const start = text.trimStart();
  if (start.startsWith('<')) return detectXml(name, start);
  if (start.startsWith('{') && /"(datasetJSONVersion|clinicalData|referenceData)"\s*:/.test(start)) {
    return 'dataset-json';
  }
  return undefined;
}

function isSas(head: Buffer): boolean {
  if (head.length < 32 || head.subarray(0, 12).some((b) => b !== 0)) return false;
  for (let i = 0; i < SAS_MAGIC.length; i++) {
    const expected = SAS_MAGIC[i] as number;
    const actual = head[12 + i];
    if (actual !== expected && !(i === 3 && actual === 0x63)) return false;
  }
  return true;
}

/** The head as text when it starts like text: UTF-8 (BOM optional) or UTF-16 with a BOM. */
function decodeText(head: Buffer): string | undefined {
  if (head[0] === 0xff && head[1] === 0xfe) return new TextDecoder('utf-16le').decode(head.subarray(2));
  if (head[0] === 0xfe && head[1] === 0xff) return new TextDecoder('utf-16be').decode(head.subarray(2));
  const body = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.subarray(3) : head;
  return body.includes(0) ? undefined : body.toString('utf8');
}

/**
 * The root element after the XML declaration, comments, processing instructions and DOCTYPE.
 * An ODM root (any prefix) is ODM or define.xml; any other root is not data we read.
 */
function detectXml(name: string, text: string): DetectedFormat | null | undefined {
  const withoutProlog = text.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>|\s+/gy, '');
  const root = /^<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(withoutProlog.slice(withoutProlog.indexOf('<')));
  const isOdm = root ? root[2] === 'ODM' : text.includes('http://www.cdisc.org/ns/odm/');
  if (!isOdm) return root ? null : undefined;
  const defineNamespace = /xmlns:def\s*=\s*["']http:\/\/www\.cdisc\.org\/ns\/def\//.test(text);
  return /define[^/\\]*\.xml$/i.test(name) || defineNamespace ? 'define-xml' : 'odm';
}
