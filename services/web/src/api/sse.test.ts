import { describe, expect, it } from 'vitest';
import { ServerSentEventParser } from './sse.js';

describe('ServerSentEventParser', () => {
  it('answers each event once its blank line has arrived, across chunk boundaries', () => {
    const parser = new ServerSentEventParser();
    expect(parser.push('event: job\nda')).toEqual([]);
    expect(parser.push('ta: {"state":"running"}\n')).toEqual([]);
    expect(parser.push('\nevent: job\ndata: {"state":"completed"}\n\n')).toEqual([
      { event: 'job', data: '{"state":"running"}' },
      { event: 'job', data: '{"state":"completed"}' },
    ]);
  });

  it('joins data lines, skips comments, defaults the name to "message" and takes CRLF split over chunks', () => {
    const parser = new ServerSentEventParser();
    expect(parser.push(': keep-alive\r\ndata: a\r')).toEqual([]);
    expect(parser.push('\ndata:b\r\n\r\n')).toEqual([{ event: 'message', data: 'a\nb' }]);
  });

  it('ignores an event with no data and unknown fields', () => {
    const parser = new ServerSentEventParser();
    expect(parser.push('event: job\nid: 3\nretry: 10\n\n')).toEqual([]);
  });
});
