/** One server-sent event: its `event` name (`message` when none), `data` and `id` if given. */
export interface ServerEvent {
  event: string;
  data: string;
  id: string | null;
}

/**
 * An incremental parser of `text/event-stream` (the WHATWG rules: `field: value` lines, `data`
 * lines joined with newlines, a blank line ends an event, `:` lines are comments). Feed it chunks
 * as they arrive; it returns the events each chunk completed.
 */
export function createEventParser() {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | null = null;

  const line = (text: string, out: ServerEvent[]) => {
    if (text === '') {
      if (data.length > 0) out.push({ event: event || 'message', data: data.join('\n'), id });
      event = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  };

  return (chunk: string): ServerEvent[] => {
    buffer += chunk;
    const out: ServerEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      if (!match) break;
      // A lone \r at the very end may be the first half of \r\n: wait for the next chunk.
      if (match[0] === '\r' && match.index === buffer.length - 1) break;
      line(buffer.slice(0, match.index), out);
      buffer = buffer.slice(match.index + match[0].length);
    }
    return out;
  };
}
