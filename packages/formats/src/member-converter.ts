import { parentPort } from 'node:worker_threads';
import { convertPortableMember } from './convert-upload.ts';
import { FormatError } from './errors.ts';
import type { MemberReply, MemberRequest } from './member-threads.ts';

/**
 * A member conversion thread (see member-threads.ts): converts the ZIP members it is sent, one at
 * a time, and answers each with its datasets or its error. It stays for the next member.
 */
const port = parentPort;
if (!port) throw new Error('member-converter.ts runs as a worker thread');

port.on('message', async ({ id, request }: { id: number; request: MemberRequest }) => {
  let reply: MemberReply;
  try {
    reply = { ok: true, outcome: await convertPortableMember(request) };
  } catch (error) {
    reply =
      error instanceof FormatError
        ? { ok: false, format: true, reason: error.reason, location: error.location }
        : { ok: false, format: false, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage({ id, reply });
});
port.postMessage({ ready: true });
