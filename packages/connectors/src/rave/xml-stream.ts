import { ConnectorError } from '../types.ts';
import type { RwsClient, RwsResponse } from './rws-client.ts';
import { type ItemDataAttributes, XmlScanner, XmlSyntaxError, type XmlTag } from './xml-scanner.ts';

export interface XmlHandlers {
  open(tag: XmlTag): void;
  /** The scanner's fast path for `<ItemData>` (see XmlScanHandlers.itemData). */
  itemData?(item: ItemDataAttributes): void;
  close(name: string): void;
  text?(text: string): void;
  /** Awaited after each chunk of the body (a sink's backpressure). */
  flush?(): Promise<void>;
}

/**
 * Feeds an RWS response body into the streaming tag scanner chunk by chunk: the document never
 * sits in memory, whatever its size. A body cut off mid-way, malformed XML or bytes that are not
 * UTF-8, an RWS error ODM or a timeout fail with a ConnectorError naming the request.
 */
export async function parseXmlResponse(
  client: RwsClient,
  answer: RwsResponse,
  handlers: XmlHandlers,
  onBytes?: (bytes: number) => void,
): Promise<void> {
  let root = true;
  const scanner = new XmlScanner({
    open(tag) {
      if (root) {
        root = false;
        const description = tag.attributes['mdsol:ErrorDescription'];
        if (description !== undefined)
          throw new ConnectorError(`Rave request ${request} failed — Rave says: "${description}"`, { request });
      }
      handlers.open(tag);
    },
    close: (name) => handlers.close(name),
    ...(handlers.text ? { text: (text: string) => handlers.text?.(text) } : {}),
    ...(handlers.itemData ? { itemData: handlers.itemData.bind(handlers) } : {}),
  });
  const { request } = answer;
  const reader = answer.body[Symbol.asyncIterator]();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  let done = false;
  try {
    for (;;) {
      let chunk: IteratorResult<Uint8Array>;
      try {
        chunk = await reader.next();
      } catch (error) {
        client.throwIfAborted(request);
        throw new ConnectorError(
          `Rave request ${request} failed after ${bytes.toLocaleString('en-US')} bytes: ${client.networkReason(error)}`,
          { request, retryable: true },
        );
      }
      if (chunk.done) break;
      const text = decode(decoder, chunk.value, true, request, bytes);
      bytes += chunk.value.byteLength;
      onBytes?.(chunk.value.byteLength);
      scanner.write(text);
      if (handlers.flush) await handlers.flush();
    }
    scanner.write(decode(decoder, undefined, false, request, bytes));
    if (!scanner.started)
      throw new ConnectorError(`Rave request ${request} returned an empty body, not ODM.`, { request });
    scanner.end();
    done = true;
  } catch (error) {
    if (!(error instanceof XmlSyntaxError)) throw error;
    throw new ConnectorError(
      `Rave request ${request} returned ${error.cutOff ? 'an incomplete (cut-off) or ' : ''}malformed ODM: ${error.message.slice(0, 240)}`,
      { request, retryable: error.cutOff },
    );
  } finally {
    if (!done) answer.cancel();
  }
}

function decode(
  decoder: TextDecoder,
  bytes: Uint8Array | undefined,
  stream: boolean,
  request: string,
  offset: number,
): string {
  try {
    return decoder.decode(bytes, { stream });
  } catch {
    throw new ConnectorError(
      `Rave request ${request} returned bytes that are not UTF-8 (after byte ${offset.toLocaleString('en-US')}).`,
      { request },
    );
  }
}

export function attr(tag: XmlTag, name: string): string {
  return tag.attributes[name] ?? '';
}

/** An element's local name (`mdsol:Foo` → `Foo`). */
export function local(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}
