import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { lineBatcher } from './line-batcher.ts';

/** The chunks the stream gives its reader, in order, until it ends. */
function chunksOf(stream: PassThrough): Promise<string[]> {
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return new Promise((resolve) => stream.on('end', () => resolve(chunks)));
}

describe('lineBatcher', () => {
  it('writes the lines of one turn of the event loop as one chunk, in order, and ends after the last', async () => {
    const stream = new PassThrough();
    const read = chunksOf(stream);
    const lines = lineBatcher(stream);
    lines.write('head\n');
    // Answers settling in the same turn (microtasks) join the same write.
    await Promise.resolve();
    lines.write('a\n');
    lines.write('b\n');
    await new Promise((resolve) => setImmediate(resolve));
    lines.write('c\n');
    lines.end();
    expect(await read).toEqual(['head\na\nb\n', 'c\n']);
  });

  it('ends an empty stream, and writes nothing twice', async () => {
    const stream = new PassThrough();
    const read = chunksOf(stream);
    const lines = lineBatcher(stream);
    lines.write('only\n');
    await new Promise((resolve) => setImmediate(resolve));
    lines.end();
    expect(await read).toEqual(['only\n']);
    const empty = new PassThrough();
    const none = chunksOf(empty);
    lineBatcher(empty).end();
    expect(await none).toEqual([]);
  });
});
