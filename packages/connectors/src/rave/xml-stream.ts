import { SaxesParser, type SaxesTag } from 'saxes';
import { ConnectorError } from '../types.ts';
import type { RwsClient, RwsResponse } from './rws-client.ts';

export interface XmlHandlers {
  open(tag: SaxesTag): void;
  close(name: string): void;
  text?(text: string): void;
  /** Awaited after each chunk of the body (a sink's backpressure). */
  flush?(): Promise<void>;
}

/**
 * Feeds an RWS response body into a streaming XML parser chunk by chunk: the document never sits
 * in memory, whatever its size. A body cut off mid-way, malformed XML, an RWS error ODM or a
 * timeout fail with a ConnectorError naming the request.
 */
export async function parseXmlResponse(
  client: RwsClient,
  { response, request }: RwsResponse,
  handlers: XmlHandlers,
  onBytes?: (bytes: number) => void,
): Promise<void> {
  const parser = new SaxesParser({ position: true });
  let failure: Error | undefined;
  let root = true;
  parser.on('error', (error) => {
    failure ??= error;
  });
  // An exception of a handler is a bug of ours, not bad XML: it is rethrown as it is.
  let handlerError: unknown;
  const guard = (run: () => void) => {
    if (failure || handlerError) return;
    try {
      run();
    } catch (error) {
      handlerError = error;
    }
  };
  parser.on('opentag', (tag) =>
    guard(() => {
      if (root) {
        root = false;
        const description = tag.attributes['mdsol:ErrorDescription'];
        if (typeof description === 'string') {
          failure = new ConnectorError(`Rave request ${request} failed — Rave says: "${description}"`, { request });
          return;
        }
      }
      handlers.open(tag as SaxesTag);
    }),
  );
  parser.on('closetag', (tag) => guard(() => handlers.close(tag.name)));
  if (handlers.text) parser.on('text', (text) => guard(() => handlers.text?.(text)));
  const body = response.body;
  if (!body) throw new ConnectorError(`Rave request ${request} returned no body.`, { request });
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  let bytes = 0;
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        client.throwIfAborted(request);
        throw new ConnectorError(
          `Rave request ${request} failed after ${bytes.toLocaleString('en-US')} bytes: ${client.networkReason(error)}`,
          { request, retryable: true },
        );
      }
      if (chunk.done) break;
      bytes += chunk.value.byteLength;
      onBytes?.(chunk.value.byteLength);
      try {
        parser.write(decoder.decode(chunk.value, { stream: true }));
      } catch (error) {
        failure ??= error as Error;
      }
      if (failure || handlerError) break;
      if (handlers.flush) await handlers.flush();
    }
    if (!failure) {
      try {
        parser.write(decoder.decode());
        parser.close();
      } catch (error) {
        failure ??= error as Error;
      }
    }
  } finally {
    if (failure || handlerError) await reader.cancel().catch(() => undefined);
  }
  if (handlerError) throw handlerError;
  if (failure instanceof ConnectorError) throw failure;
  if (failure) {
    const reason = (failure.message.split('\n')[0] ?? '').replace(/^(\d+):(\d+): /, 'line $1, column $2: ');
    const cutOff = /unclosed|unexpected end|closing tag|root tag/i.test(reason) && bytes > 0;
    throw new ConnectorError(
      `Rave request ${request} returned ${cutOff ? 'an incomplete (cut-off) or ' : ''}malformed ODM: ${reason.slice(0, 200)}`,
      { request, retryable: cutOff },
    );
  }
  if (root) throw new ConnectorError(`Rave request ${request} returned an empty body, not ODM.`, { request });
}

export function attr(tag: SaxesTag, name: string): string {
  const value = tag.attributes[name];
  return typeof value === 'string' ? value : '';
}

/** An element's local name (`mdsol:Foo` → `Foo`). */
export function local(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}
