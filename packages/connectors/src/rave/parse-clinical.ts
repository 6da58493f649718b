import { Worker } from 'node:worker_threads';
import { ConnectorError } from '../types.ts';
import { indexOfLed, MARKUP_BANG, MARKUP_QUESTION, SUBJECT_TAG } from './byte-search.ts';
import { ClinicalLane, type LaneResult, type PieceResult } from './clinical-lane.ts';
import type { LaneRequest } from './clinical-lane-worker.ts';
import type { RwsClient, RwsResponse } from './rws-client.ts';
import { XmlSyntaxError } from './xml-scanner.ts';

/**
 * How a clinical-data response is parsed. The scanner is most of a full pull's time, so a large
 * response is cut into pieces of whole SubjectData blocks that worker threads parse side by side,
 * while this thread only reads the network and finds the cuts (a native byte search).
 */
export interface ClinicalParsing {
  /** Worker threads for a large response (0: everything on this thread). */
  workers: number;
  /** A piece is cut at the last `<SubjectData` once this many bytes are waiting. */
  pieceBytes: number;
  /** Bytes parsed on this thread before workers are started: a small response never starts one. */
  inlineBytes: number;
  /** Pieces a worker may hold at once (sent, not yet parsed): bounds the memory in flight. */
  perWorker: number;
  /** Wait for every worker to start rather than parse on this thread meanwhile (tests: the pieces go to all workers). */
  waitForWorkers: boolean;
  /** Read pieces after the first from their bytes (clinical-bytes.ts); false: every piece as text (tests compare the two). */
  byteScanner: boolean;
}

/** The defaults; tests change them (through the `testing` entry) to send small documents through workers. */
export const clinicalParsing: ClinicalParsing = {
  workers: 2,
  pieceBytes: 1 << 20,
  inlineBytes: 4 << 20,
  perWorker: 2,
  waitForWorkers: false,
  byteScanner: true,
};

/** Sets how clinical data is parsed (tests); returns a function that puts the previous settings back. */
export function setClinicalParsing(options: Partial<ClinicalParsing>): () => void {
  const previous = { ...clinicalParsing };
  Object.assign(clinicalParsing, options);
  return () => {
    Object.assign(clinicalParsing, previous);
  };
}

/**
 * A worker's JavaScript heap. A piece is whole SubjectData blocks (a subject of the 1,000-subject
 * bench study is ~350 KB of ODM); a subject whose data pass ~40 MB would need more.
 */
const WORKER_HEAP_MB = 160;

/** The worker's entry: from the sources, a bootstrap that registers tsx; from the production build, the compiled file. */
const WORKER_ENTRY = process.env.CDP_BUNDLED
  ? new URL('./rave-lane-worker.mjs', import.meta.url)
  : new URL('./lane-worker-bootstrap.mjs', import.meta.url);

export interface ClinicalParse {
  lanes: LaneResult[];
  /** A SubjectKey came in two SubjectData blocks: any record may have come twice. */
  repeatedSubject: boolean;
  /** Threads that parsed pieces (this one included when it did). */
  threads: number;
  /**
   * Where the parse's time went, for the pull's log: pieces parsed on this thread and by each
   * worker, when each worker was ready, and how long this thread waited for a worker to take a
   * piece (long waits: the parsers are the bottleneck; none: reading and cutting are).
   */
  detail: string;
}

/**
 * Parses one clinical-data response into staged CSVs in `dir`, on this thread and worker threads.
 * The pieces' checks are joined in document order (tags that close across pieces, content after
 * the root, a cut-off end), so a malformed or cut-off document fails as it does when scanned in
 * one go, naming line and column. Sequence numbers come from the piece's index (`counter.piece`
 * goes on across the responses of one pull), so "later wins" holds whichever thread parsed what.
 */
export async function parseClinicalResponse(
  client: RwsClient,
  answer: RwsResponse,
  dir: string,
  counter: { lane: number; piece: number },
  onBytes?: (bytes: number) => void,
): Promise<ClinicalParse> {
  const { request } = answer;
  const options = { ...clinicalParsing };
  const reader = answer.body[Symbol.asyncIterator]();
  const join = new PieceJoin(counter.piece);
  const workers: WorkerLane[] = [];
  let inline: ClinicalLane | undefined;
  let inlineUsed = false;
  let bytes = 0;
  let offset = 0;
  let done = false;
  let inlinePieces = 0;
  let waitedMs = 0;
  const began = performance.now();

  const dispatch = async (piece: Uint8Array) => {
    const index = counter.piece++;
    join.expect(index, offset);
    offset += piece.byteLength;
    if (options.workers > 0 && workers.length === 0 && offset > options.inlineBytes) {
      for (let w = 0; w < options.workers; w++) {
        workers.push(new WorkerLane(dir, counter.lane++, options.byteScanner, (result) => join.add(result)));
      }
    }
    let lanes = workers.filter((w) => w.ready && !w.failed);
    while (options.waitForWorkers && workers.some((w) => !w.ready && !w.failed)) {
      await Promise.race(workers.map((w) => w.changed()));
      lanes = workers.filter((w) => w.ready && !w.failed);
    }
    if (lanes.length === 0) {
      inline ??= new ClinicalLane(dir, counter.lane++, options.byteScanner);
      inlineUsed = true;
      inlinePieces++;
      join.add(await inline.parsePiece(index, piece, index === join.first));
      return;
    }
    for (;;) {
      join.throwIfFailed();
      const lane = lanes.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
      if (lane.inFlight < options.perWorker) {
        lane.send({ type: 'piece', index, first: index === join.first, bytes: piece });
        return;
      }
      const waitFrom = performance.now();
      await Promise.race(lanes.map((w) => w.changed()));
      waitedMs += performance.now() - waitFrom;
      lanes = workers.filter((w) => w.ready && !w.failed);
      if (lanes.length === 0) throw workerFailure(request, workers);
    }
  };

  try {
    const waiting = new Pending();
    let retryAt = options.pieceBytes;
    for (;;) {
      join.throwIfFailed();
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
      bytes += chunk.value.byteLength;
      onBytes?.(chunk.value.byteLength);
      waiting.push(chunk.value);
      if (waiting.length < retryAt) continue;
      const candidate = waiting.lastCandidate();
      if (candidate <= 0) continue;
      const cut = cutPoint(waiting.view(), candidate);
      if (cut <= 0) {
        // The candidate lies in a comment or the like: try again once twice as much is waiting.
        retryAt = waiting.length * 2;
        continue;
      }
      retryAt = options.pieceBytes;
      await dispatch(waiting.take(cut));
    }
    if (waiting.length > 0) await dispatch(waiting.take(waiting.length));
    for (const lane of workers) {
      while (lane.inFlight > 0 && !lane.failed) await lane.changed();
    }
    if (workers.some((w) => w.failed && w.inFlight > 0)) throw workerFailure(request, workers);
    join.throwIfFailed();
    if (!join.started)
      throw new ConnectorError(`Rave request ${request} returned an empty body, not ODM.`, { request });
    join.end();
    const lanes: LaneResult[] = [];
    if (inline) lanes.push(await inline.finish());
    inline = undefined;
    for (const lane of workers) if (lane.ready && !lane.failed) lanes.push(await lane.finish());
    done = true;
    const threads = (inlineUsed ? 1 : 0) + workers.filter((w) => w.used).length;
    const s = (ms: number) => (ms / 1_000).toFixed(1);
    const detail = [
      `${inlinePieces} pieces on this thread`,
      ...workers.map(
        (w, i) =>
          `worker ${i + 1}: ${w.pieces} pieces, ready after ${w.readyAt === undefined ? '-' : s(w.readyAt - began)} s`,
      ),
      `waited ${s(waitedMs)} s for a free worker`,
      `${lanes.reduce((n, lane) => n + lane.bytePieces, 0)} of ${counter.piece - join.first} pieces read as bytes`,
    ].join('; ');
    return { lanes, repeatedSubject: join.repeatedSubject, threads, detail };
  } catch (error) {
    if (error instanceof PieceFailure) throw error.toConnectorError(request);
    if (!(error instanceof XmlSyntaxError)) throw error;
    throw new ConnectorError(
      `Rave request ${request} returned ${error.cutOff ? 'an incomplete (cut-off) or ' : ''}malformed ODM: ${error.message.slice(0, 240)}`,
      { request, retryable: error.cutOff },
    );
  } finally {
    if (!done) answer.cancel();
    if (inline) await inline.finish().catch(() => undefined);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

const SUBJECT = SUBJECT_TAG.bytes;

/**
 * The bytes read and not yet sent, in one growing buffer, with the last `<SubjectData` start tag
 * among them found incrementally (each byte is searched once, so a huge subject block costs no
 * repeated scans).
 */
class Pending {
  private buf = new Uint8Array(1 << 20);
  length = 0;
  /** Bytes searched for a start tag so far, and the last one found (-1: none after the start). */
  private searched = 0;
  private candidate = -1;

  push(chunk: Uint8Array): void {
    if (this.length + chunk.byteLength > this.buf.byteLength) {
      const bigger = new Uint8Array(Math.max(this.buf.byteLength * 2, this.length + chunk.byteLength));
      bigger.set(this.buf.subarray(0, this.length));
      this.buf = bigger;
    }
    this.buf.set(chunk, this.length);
    this.length += chunk.byteLength;
  }

  view(): Buffer {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, this.length);
  }

  /** The last `<SubjectData` start tag after the first byte, or -1. */
  lastCandidate(): number {
    const buf = this.view();
    let at = indexOfLed(buf, SUBJECT_TAG, Math.max(1, this.searched - SUBJECT.length + 1));
    this.searched = this.length;
    for (; at >= 0; at = indexOfLed(buf, SUBJECT_TAG, at + 1)) {
      const next = buf[at + SUBJECT.length];
      if (next === undefined) {
        this.searched = at; // the name may go on in the next chunk: look again then
        break;
      }
      if (next === 32 || next === 9 || next === 10 || next === 13 || next === 62 || next === 47) this.candidate = at;
    }
    return this.candidate;
  }

  /** The first `count` bytes, in a buffer of their own (it is transferred to a worker). */
  take(count: number): Uint8Array {
    const piece = this.buf.slice(0, count);
    this.buf.copyWithin(0, count, this.length);
    this.length -= count;
    this.searched = Math.max(0, this.searched - count);
    this.candidate = this.candidate > count ? this.candidate - count : -1;
    return piece;
  }
}

/**
 * Where to cut, at or before the start tag `candidate`: the last `<SubjectData` start tag that is
 * not inside a comment, CDATA section or processing instruction (RWS sends none; a document with
 * them is still cut correctly). A `<` never falls inside a UTF-8 sequence, so each piece decodes
 * on its own. 0 or -1: no cut.
 */
function cutPoint(buf: Buffer, candidate: number): number {
  let cut = candidate;
  for (let from = 0; cut > 0; ) {
    const bang = indexOfLed(buf, MARKUP_BANG, from);
    const question = indexOfLed(buf, MARKUP_QUESTION, from);
    const markup = bang < 0 ? question : question < 0 ? bang : Math.min(bang, question);
    if (markup < 0 || markup >= cut) return cut;
    const end = markupEnd(buf, markup);
    if (end >= 0 && end <= cut) {
      from = end;
      continue;
    }
    // The candidate lies inside this markup (or after one that does not end here): cut before it.
    cut = lastStartTag(buf, markup);
    from = 0;
  }
  return cut;
}

function lastStartTag(buf: Buffer, before: number): number {
  for (let at = buf.lastIndexOf(SUBJECT, before - 1); at > 0; at = buf.lastIndexOf(SUBJECT, at - 1)) {
    const next = buf[at + SUBJECT.length];
    if (next === undefined) continue; // the tag's name may go on in the next chunk
    if (next === 32 || next === 9 || next === 10 || next === 13 || next === 62 || next === 47) return at;
  }
  return -1;
}

function markupEnd(buf: Buffer, at: number): number {
  const close =
    buf[at + 1] === 63
      ? '?>'
      : buf.indexOf('<!--', at) === at
        ? '-->'
        : buf.indexOf('<![CDATA[', at) === at
          ? ']]>'
          : '>';
  const end = buf.indexOf(close, at + 2);
  return end < 0 ? -1 : end + close.length;
}

/** A piece that failed: turned into the request's error once every piece before it was joined. */
class PieceFailure extends Error {
  constructor(
    readonly detail:
      | { kind: 'utf8'; offset: number }
      | { kind: 'rws'; description: string }
      | { kind: 'internal'; message: string },
  ) {
    super(detail.kind);
  }

  toConnectorError(request: string): ConnectorError {
    if (this.detail.kind === 'internal')
      // A fault of ours, not of the document (see ClinicalLane.parsePiece): nothing was merged yet.
      return new ConnectorError(
        `Rave request ${request}: parsing the clinical data failed: ${this.detail.message} (an internal error; the pull wrote nothing).`,
        { request },
      );
    if (this.detail.kind === 'rws')
      return new ConnectorError(`Rave request ${request} failed — Rave says: "${this.detail.description}"`, {
        request,
      });
    return new ConnectorError(
      `Rave request ${request} returned bytes that are not UTF-8 (after byte ${this.detail.offset.toLocaleString('en-US')}).`,
      { request },
    );
  }
}

/**
 * Joins the pieces' results in document order: the open elements carried from piece to piece,
 * the line and column where each piece starts (so an error inside one names its place in the
 * document), repeated subjects, and the end-of-document checks.
 */
class PieceJoin {
  private readonly results = new Map<number, PieceResult>();
  private readonly offsets = new Map<number, number>();
  private next: number;
  private readonly stack: string[] = [];
  private line = 1;
  private column = 1;
  private unfinished = false;
  private readonly subjects = new Set<string>();
  private failure: unknown;
  started = false;
  repeatedSubject = false;

  constructor(readonly first: number) {
    this.next = first;
  }

  expect(index: number, offset: number): void {
    this.offsets.set(index, offset);
  }

  add(result: PieceResult): void {
    this.results.set(result.index, result);
    while (this.failure === undefined) {
      const ready = this.results.get(this.next);
      if (!ready) return;
      this.results.delete(this.next);
      try {
        this.apply(ready);
      } catch (error) {
        this.failure = error;
      }
      this.next++;
    }
  }

  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** The document's end: nothing may be left open or unfinished. */
  end(): void {
    if (this.unfinished)
      throw new XmlSyntaxError(this.line, this.column, 'the document ends inside a tag (cut off?)', true);
    const open = this.stack.at(-1);
    if (open) throw new XmlSyntaxError(this.line, this.column, `the document ends inside <${open}> (cut off?)`, true);
  }

  private at(line: number, column: number): [number, number] {
    return [this.line + line - 1, line === 1 ? this.column + column - 1 : column];
  }

  private apply(result: PieceResult): void {
    if (this.unfinished) {
      // The piece before ended inside a tag, yet the document went on: no cut falls inside a tag.
      throw new XmlSyntaxError(
        this.line,
        this.column,
        "a tag, comment or reference that runs into the next '<SubjectData'",
      );
    }
    if (!result.ok) {
      const { error } = result;
      if (error.kind === 'syntax') {
        const [line, column] = this.at(error.line, error.column);
        throw new XmlSyntaxError(line, column, error.reason, error.cutOff);
      }
      if (error.kind === 'utf8') throw new PieceFailure({ kind: 'utf8', offset: this.offsets.get(result.index) ?? 0 });
      if (error.kind === 'rws') throw new PieceFailure({ kind: 'rws', description: error.description });
      throw new PieceFailure({ kind: 'internal', message: error.message });
    }
    const { end } = result;
    if (result.index === this.first) this.started = end.started;
    if (end.outside >= 0 && this.stack.length - end.outside < 1) {
      throw new XmlSyntaxError(this.line, this.column, 'content after the root element');
    }
    for (const close of end.closes) {
      const open = this.stack.pop();
      if (open === close.name) continue;
      const [line, column] = this.at(close.line, close.column);
      throw new XmlSyntaxError(
        line,
        column,
        open === undefined
          ? `unexpected close tag </${close.name.slice(0, 40)}> (no element is open)`
          : `unexpected close tag </${close.name.slice(0, 40)}> (<${open}> is open)`,
      );
    }
    this.stack.push(...end.opens);
    for (const subject of result.subjects) {
      if (this.subjects.has(subject)) this.repeatedSubject = true;
      else this.subjects.add(subject);
    }
    if (end.lines > 0) {
      this.line += end.lines;
      this.column = end.column;
    } else {
      this.column += end.column - 1;
    }
    this.unfinished = end.unfinished;
    this.offsets.delete(result.index);
  }
}

function workerFailure(request: string, workers: WorkerLane[]): Error {
  const reason = workers.find((w) => w.failed)?.failed?.message ?? 'no parser thread is left';
  return new ConnectorError(`Rave request ${request}: parsing the clinical data failed: ${reason}`, { request });
}

/** A lane in a worker thread: pieces go in as transferred bytes, results come back in order. */
class WorkerLane {
  ready = false;
  /** When the thread said it was ready (performance.now()). */
  readyAt: number | undefined;
  pieces = 0;
  used = false;
  inFlight = 0;
  failed: Error | undefined;
  private readonly worker: Worker;
  private waiters: (() => void)[] = [];
  private finished: ((result: LaneResult) => void) | undefined;
  private finishFailed: ((error: Error) => void) | undefined;
  private terminated = false;

  constructor(dir: string, lane: number, byteScanner: boolean, onResult: (result: PieceResult) => void) {
    this.worker = new Worker(WORKER_ENTRY, {
      workerData: { entry: new URL('./clinical-lane-worker.ts', import.meta.url).href, dir, lane, byteScanner },
      // A lane holds one piece and its staged lines at a time (a few MB); a small heap makes V8
      // collect often instead of letting each thread's heap grow towards the peak-memory budget.
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    this.worker.on('message', (message: { type: string; result?: unknown; message?: string }) => {
      if (message.type === 'ready') {
        this.ready = true;
        this.readyAt = performance.now();
      } else if (message.type === 'piece') {
        this.inFlight--;
        onResult(message.result as PieceResult);
      } else if (message.type === 'finish') this.finished?.(message.result as LaneResult);
      else if (message.type === 'failed') this.fail(new Error(message.message));
      this.notify();
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => {
      if (!this.terminated) this.fail(new Error(`the parser thread stopped (exit code ${code})`));
    });
  }

  send(request: Extract<LaneRequest, { type: 'piece' }>): void {
    this.inFlight++;
    this.pieces++;
    this.used = true;
    const { bytes } = request;
    // The piece is the start of a buffer of its own (see Pending.take): hand the whole buffer over.
    this.worker.postMessage(request, [bytes.buffer as ArrayBuffer]);
  }

  /** Resolves at the lane's next event (a result, readiness, a failure). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  finish(): Promise<LaneResult> {
    return new Promise((resolve, reject) => {
      this.finished = resolve;
      this.finishFailed = reject;
      this.worker.postMessage({ type: 'finish' } satisfies LaneRequest);
    });
  }

  async terminate(): Promise<void> {
    this.terminated = true;
    await this.worker.terminate();
    this.notify();
  }

  private fail(error: Error): void {
    this.failed ??= error;
    this.finishFailed?.(error);
    this.notify();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
