import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatBytes } from '@cdp/contracts';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../lib/app-error.ts';
import { runTempName } from '../../lib/process-run.ts';

export interface ReceivedUpload {
  path: string;
  fileName: string;
  bytes: number;
  sha256: string;
}

/**
 * Streams the multipart field `file` to `dir` (never into memory), hashing it on the way. An upload
 * over the limit is cut off by the parser and refused; the partial file is removed.
 */
export async function receiveUpload(request: FastifyRequest, dir: string, maxBytes: number): Promise<ReceivedUpload> {
  if (!request.isMultipart()) {
    throw new AppError('VALIDATION_FAILED', 'Send the file as multipart/form-data in a field named "file".', {
      issues: [{ path: 'body.file', message: 'Expected a multipart upload.' }],
    });
  }
  const part = await request.file({ limits: { fileSize: maxBytes, files: 1, fields: 0 } });
  if (part?.fieldname !== 'file') {
    part?.file.resume();
    throw new AppError('VALIDATION_FAILED', 'Send the file in a multipart field named "file".', {
      issues: [{ path: 'body.file', message: 'Required.' }],
    });
  }
  // The client's name is for messages and the manifest only; the file on disk is named by us.
  const printable = [...path.basename(part.filename.replaceAll('\\', '/'))].filter((ch) => ch.charCodeAt(0) >= 0x20);
  const fileName = printable.join('').slice(0, 255) || 'upload';
  await mkdir(dir, { recursive: true });
  const target = path.join(dir, runTempName(`upload-${randomUUID()}`));
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(part.file, meter, createWriteStream(target, { mode: 0o640 }));
    if (part.file.truncated) {
      throw new AppError(
        'PAYLOAD_TOO_LARGE',
        `${fileName} is larger than the upload limit of ${formatBytes(maxBytes)}. Nothing was saved.`,
        {
          file: fileName,
          limit: maxBytes,
        },
      );
    }
    if (bytes === 0) throw new AppError('INVALID_FILE', `${fileName} is empty. Nothing was saved.`, { file: fileName });
  } catch (error) {
    await rm(target, { force: true });
    throw error;
  }
  return { path: target, fileName, bytes, sha256: hash.digest('hex') };
}
