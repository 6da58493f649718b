import type { Writable } from 'node:stream';

/**
 * Writes text lines to `stream` one write per turn of the event loop: the lines given in one turn go
 * out together, in order, at its end. A page's answers often finish together (the queries of one
 * fold answer several widgets at once), and each write to the socket is a system call that, on a
 * busy machine, also wakes the reader; a dozen lines of one page are then one write instead of twelve.
 * `end` writes what is pending and ends the stream.
 */
export function lineBatcher(stream: Writable): { write: (line: string) => void; end: () => void } {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    stream.write(text);
  };
  return {
    write: (line) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push(line);
    },
    end: () => {
      flush();
      stream.end();
    },
  };
}
