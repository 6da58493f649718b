import { createReadStream } from 'node:fs';
import { TextDecoder } from 'node:util';
import { FormatError } from '../errors.ts';

/**
 * The text of an XML file, chunk by chunk, decoded as the file says: a byte-order mark first,
 * then the `encoding` of the XML declaration, then UTF-8 (the XML default). SAX parsers take
 * strings, and ODM files are not always UTF-8 (ODM 1.1 examples are ISO-8859-1).
 */
export async function* xmlText(path: string, file: string): AsyncGenerator<string> {
  let decoder: TextDecoder | undefined;
  let encoding = 'UTF-8';
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    if (!decoder) {
      encoding = declaredEncoding(chunk);
      decoder = makeDecoder(encoding, file);
    }
    try {
      yield decoder.decode(chunk, { stream: true });
    } catch {
      throw new FormatError(`the file is not valid ${encoding} text, as its XML declaration says`, {
        file,
        offset: bytes,
      });
    }
    bytes += chunk.length;
  }
  if (!decoder) return;
  try {
    yield decoder.decode();
  } catch {
    throw new FormatError('the file ends inside a multi-byte character (truncated upload?)', { file, offset: bytes });
  }
}

function declaredEncoding(head: Buffer): string {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'UTF-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'UTF-16LE';
  if (head[0] === 0xfe && head[1] === 0xff) return 'UTF-16BE';
  const declaration = /^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(
    head.subarray(0, 200).toString('latin1'),
  );
  return declaration?.[1] ?? 'UTF-8';
}

function makeDecoder(encoding: string, file: string): TextDecoder {
  try {
    // The decoder drops a byte-order mark itself.
    return new TextDecoder(encoding, { fatal: true });
  } catch {
    throw new FormatError(`the XML declaration names an encoding this reader does not know: ${encoding}`, { file });
  }
}
