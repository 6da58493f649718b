import path from 'node:path';
import { NotForBytes, scanPieceBytes } from './clinical-bytes.ts';
import { type ClinicalCounts, ClinicalDataHandler, CsvSink, type FormStage, noCounts } from './clinical-data.ts';
import { type PieceEnd, XmlScanner, XmlSyntaxError } from './xml-scanner.ts';

/**
 * Sequence numbers of a piece start at `index × PIECE_SEQ`: records and removals of a later piece
 * always come later, whichever lane parsed it, so the merge's "later wins" holds across lanes.
 * 2^32 per piece leaves room for 2^21 pieces within JavaScript's exact integers.
 */
export const PIECE_SEQ = 2 ** 32;

/**
 * The byte scanner a lane uses (clinical-bytes.ts). Tests replace it with one that refuses a piece
 * the text scanner reads without fault, to reach the lane's internal-error path, which no real
 * input should reach.
 */
export const pieceBytes = { scan: scanPieceBytes };

/** What parsing one piece gave, for the caller to join in document order. */
export type PieceResult =
  | { index: number; ok: true; end: PieceEnd; subjects: string[] }
  | {
      index: number;
      ok: false;
      error:
        | { kind: 'syntax'; line: number; column: number; reason: string; cutOff: boolean }
        | { kind: 'utf8' }
        | { kind: 'rws'; description: string }
        | { kind: 'internal'; message: string };
    };

/** A lane's staged output once it is finished. */
export interface LaneResult {
  stages: { form: string; file: string; items: string[]; repeated: boolean }[];
  removalsFile: string;
  /** Pieces read from their bytes (clinical-bytes.ts) rather than as text. */
  bytePieces: number;
  cells: number;
  removals: number;
  subjects: string[];
  forms: string[];
  metadataVersions: string[];
}

/**
 * One parser of clinical-data pieces (a run of whole SubjectData blocks, see parse-clinical.ts),
 * on this thread or in a worker: each piece is scanned on its own and its records are staged into
 * this lane's own CSV files (one per form, plus removals), numbered in document order.
 */
export class ClinicalLane {
  private readonly stages = new Map<string, FormStage>();
  private readonly removals: CsvSink;
  private readonly counter = { seq: 0 };
  private readonly counts: ClinicalCounts = noCounts();
  private readonly handler: ClinicalDataHandler;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private bytePieces = 0;

  /**
   * `byteScanner`: pieces after the first are read from their bytes (clinical-bytes.ts) rather
   * than scanned as text, when they can be; false: always as text (the reference the tests compare with).
   */
  constructor(
    private readonly dir: string,
    private readonly lane: number,
    private readonly byteScanner = true,
  ) {
    this.removals = new CsvSink(path.join(dir, `rave-l${lane}-removals.csv`));
    this.handler = new ClinicalDataHandler(
      this.stages,
      (form) => {
        const file = path.join(this.dir, `rave-l${this.lane}-form-${this.stages.size}.csv`);
        const stage: FormStage = { form, file, items: [], itemIndex: new Map(), sink: new CsvSink(file) };
        this.stages.set(form, stage);
        return stage;
      },
      this.removals,
      this.counter,
      this.counts,
    );
  }

  /** Parses piece `index` (the document's first when `first`), staging its records. */
  async parsePiece(index: number, bytes: Uint8Array, first: boolean): Promise<PieceResult> {
    if (!first && this.byteScanner) {
      this.counter.seq = index * PIECE_SEQ;
      let end: PieceEnd | null = null;
      try {
        end = pieceBytes.scan(bytes, this.handler);
      } catch (error) {
        if (!(error instanceof NotForBytes))
          return { index, ok: false, error: { kind: 'internal', message: String((error as Error)?.message ?? error) } };
        // Something malformed, or an end inside a tag: the text scanner says what and where.
        const result = await this.parseText(index, bytes, first);
        if (result.ok && !result.end.unfinished) {
          // The text scanner read what the byte scanner stopped at: the lane's records are not to be trusted.
          return {
            index,
            ok: false,
            error: { kind: 'internal', message: 'the byte scanner stopped where the text scanner did not' },
          };
        }
        return result;
      }
      if (end) {
        this.bytePieces++;
        await this.handler.flush();
        return { index, ok: true, end, subjects: this.handler.blocks.splice(0) };
      }
    }
    return this.parseText(index, bytes, first);
  }

  /** Parses piece `index` as text with XmlScanner. */
  private async parseText(index: number, bytes: Uint8Array, first: boolean): Promise<PieceResult> {
    let text: string;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      return { index, ok: false, error: { kind: 'utf8' } };
    }
    this.counter.seq = index * PIECE_SEQ;
    const handler = this.handler;
    let root = first;
    let rws: string | undefined;
    const scanner = new XmlScanner(
      {
        open: (tag) => {
          if (root) {
            root = false;
            rws = tag.attributes['mdsol:ErrorDescription'];
            if (rws !== undefined) throw new RwsErrorDocument();
          }
          handler.open(tag);
        },
        itemData: (item) => handler.itemData(item),
        close: (name) => handler.close(name),
      },
      first ? 'first' : 'inner',
    );
    try {
      scanner.write(text);
      const end = scanner.endPiece();
      await handler.flush();
      return { index, ok: true, end, subjects: handler.blocks.splice(0) };
    } catch (error) {
      if (error instanceof RwsErrorDocument)
        return { index, ok: false, error: { kind: 'rws', description: rws ?? '' } };
      if (error instanceof XmlSyntaxError) {
        const { line, column, reason, cutOff } = error;
        return { index, ok: false, error: { kind: 'syntax', line, column, reason, cutOff } };
      }
      return { index, ok: false, error: { kind: 'internal', message: String((error as Error)?.message ?? error) } };
    }
  }

  /** Closes the lane's files and says what it staged. */
  async finish(): Promise<LaneResult> {
    await Promise.all([this.removals.close(), ...[...this.stages.values()].map((stage) => stage.sink.close())]);
    return {
      stages: [...this.stages.values()].map(({ form, file, items, repeated }) => ({
        form,
        file,
        items,
        repeated: repeated ?? false,
      })),
      removalsFile: this.removals.file,
      bytePieces: this.bytePieces,
      cells: this.counts.cells,
      removals: this.counts.removals,
      subjects: [...this.counts.subjects],
      forms: [...this.counts.forms],
      metadataVersions: [...this.counts.metadataVersions],
    };
  }
}

class RwsErrorDocument extends Error {}
