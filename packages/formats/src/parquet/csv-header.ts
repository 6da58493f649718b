import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

const DELIMITER_CANDIDATES = [',', ';', '\t', '|'];
const HEAD_BYTES = 1 << 20;

/**
 * The first record of a CSV file, split into fields, and the delimiter that splits it best. Read by
 * hand because DuckDB's sniffer, given a file it does not like, either gives up without saying where
 * or quietly decides the header is data.
 */
export async function readCsvHeader(
  file: string,
  options: { delimiter?: string; quote?: string; encoding: string },
): Promise<{ delimiter: string; fields: string[]; empty: boolean }> {
  const handle = await open(file, 'r');
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const text = new TextDecoder(options.encoding === 'latin-1' ? 'windows-1252' : options.encoding)
    .decode(head)
    .replace(/^\uFEFF/, '');
  const quote = options.quote ?? '"';
  const line = firstRecord(text, quote);
  const delimiter = options.delimiter ?? bestDelimiter(line, quote);
  return { delimiter, fields: splitRecord(line, delimiter, quote), empty: text.trim() === '' };
}

function firstRecord(text: string, quote: string): string {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === quote) quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) return text.slice(0, i);
  }
  return text;
}

function bestDelimiter(line: string, quote: string): string {
  let best = ',';
  let bestCount = 0;
  for (const candidate of DELIMITER_CANDIDATES) {
    const count = splitRecord(line, candidate, quote).length;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

export function splitRecord(line: string, delimiter: string, quote: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === quote && line[i + 1] === quote) {
        field += quote;
        i++;
      } else if (ch === quote) quoted = false;
      else field += ch;
    } else if (ch === quote) quoted = true;
    else if (ch === delimiter) {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

/**
 * How many fields record `record` (1-based, the header being record 1) has. DuckDB stops counting
 * at the first field too many and reports "Found: 7" for a line of 8 fields, so the error message
 * counts them here instead. Streams the file up to that record; `undefined` if it is not there.
 */
export async function countRecordFields(
  file: string,
  record: number,
  options: { delimiter: string; quote: string; encoding: string },
): Promise<number | undefined> {
  const decoder = new TextDecoder(options.encoding === 'latin-1' ? 'windows-1252' : options.encoding);
  let current = 1;
  let fields = 1;
  let quoted = false;
  let previous = '';
  for await (const chunk of createReadStream(file)) {
    const text = decoder.decode(chunk as Buffer, { stream: true });
    for (const ch of text) {
      if (ch === options.quote) quoted = !quoted;
      else if (!quoted && ch === options.delimiter && current === record) fields++;
      else if (!quoted && (ch === '\r' || (ch === '\n' && previous !== '\r'))) {
        // CRLF ends one record: the LF after a CR ends nothing new.
        if (current === record) return fields;
        current++;
      }
      previous = ch;
    }
  }
  return current === record ? fields : undefined;
}
