import { describe, expect, it } from 'vitest';
import { createEventParser } from './sse.ts';

describe('createEventParser', () => {
  it('parses named events with ids, across chunk boundaries', () => {
    const feed = createEventParser();
    expect(feed('event: log\nid: 3\ndata: {"seq":3,')).toEqual([]);
    expect(feed('"message":"step 1"}\n\nevent: run\ndata: {}\r')).toEqual([
      { event: 'log', id: '3', data: '{"seq":3,"message":"step 1"}' },
    ]);
    expect(feed('\n\r\n')).toEqual([{ event: 'run', id: '3', data: '{}' }]);
  });

  it('joins data lines, skips comments and defaults the event name', () => {
    const feed = createEventParser();
    expect(feed(': keep-alive\n\ndata: a\ndata:b\n\n')).toEqual([{ event: 'message', id: null, data: 'a\nb' }]);
  });

  it('ignores an event without data', () => {
    const feed = createEventParser();
    expect(feed('event: end\n\n')).toEqual([]);
  });
});
