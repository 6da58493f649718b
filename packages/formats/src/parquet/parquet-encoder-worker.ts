import { parentPort } from 'node:worker_threads';
import { FormatError } from '../errors.ts';
import { TextCells } from '../text-cells.ts';
import type { ColumnValues, RowBatch } from '../types.ts';
import type { EncoderFailure, EncoderReply, EncoderRequest } from './encoder-protocol.ts';
import { ParquetFileWriter } from './parquet-file-writer.ts';

/**
 * The Parquet encoder thread (see threaded-parquet-writer.ts): it receives a dataset's batches
 * packed in transferred buffers, encodes, compresses and writes them with the ordinary
 * `ParquetFileWriter`, and hands each buffer back for the next batch. It serves one dataset at a
 * time and stays for the next. Messages are handled strictly in order.
 */
let writer: ParquetFileWriter | undefined;
/** The dataset's first failure: later batches are only handed back until `close` or `abort`. */
let failure: EncoderFailure | undefined;
let queue: Promise<void> = Promise.resolve();

const port = parentPort;
if (!port) throw new Error('parquet-encoder-worker.ts runs as a worker thread');

function failed(error: unknown): EncoderFailure {
  return error instanceof FormatError
    ? { kind: 'failed', format: true, reason: error.reason, location: error.location }
    : {
        kind: 'failed',
        format: false,
        message: error instanceof Error ? error.message : String(error),
        code: (error as NodeJS.ErrnoException | undefined)?.code,
      };
}

async function handle(message: EncoderRequest): Promise<void> {
  switch (message.kind) {
    case 'open':
      failure = undefined;
      writer = undefined;
      try {
        writer = await ParquetFileWriter.create(message.file, message.columns, message.metadata, message.where);
      } catch (error) {
        failure = failed(error);
        port?.postMessage(failure);
      }
      return;
    case 'batch': {
      if (!failure && writer) {
        try {
          await writer.write(unpack(message));
        } catch (error) {
          failure = failed(error);
          port?.postMessage(failure);
        }
      }
      const reply: EncoderReply = { kind: 'buffer', buffer: message.buffer };
      port?.postMessage(reply, [message.buffer]);
      return;
    }
    case 'close': {
      let reply: EncoderReply;
      if (failure || !writer) {
        await writer?.abort();
        reply = { kind: 'ended', failure: failure ?? failed(new Error('no dataset is open')) };
      } else {
        try {
          const rows = await writer.close();
          reply = { kind: 'closed', rows, digest: writer.digest };
        } catch (error) {
          reply = { kind: 'ended', failure: failed(error) };
        }
      }
      writer = undefined;
      failure = undefined;
      port?.postMessage(reply);
      return;
    }
    case 'abort':
      await writer?.abort();
      writer = undefined;
      port?.postMessage({ kind: 'ended', failure } satisfies EncoderReply);
      failure = undefined;
  }
}

/** The batch as views of the transferred buffer (no copy): numbers as doubles, text as `TextCells`. */
function unpack(message: Extract<EncoderRequest, { kind: 'batch' }>): RowBatch {
  const { buffer, length, layout, strings } = message;
  const columns: ColumnValues[] = layout.map((entry, c) => {
    if (entry.type === 'number') return new Float64Array(buffer, entry.at, length);
    if (entry.type === 'text') {
      const offsets = new Int32Array(buffer, entry.at, length + 1);
      return new TextCells(length, new Uint8Array(buffer, entry.bytesAt, entry.bytes), offsets);
    }
    return strings?.[c] ?? [];
  });
  return { length, columns };
}

port.on('message', (message: EncoderRequest) => {
  queue = queue.then(() => handle(message));
});
