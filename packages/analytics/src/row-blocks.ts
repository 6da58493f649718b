import { statSync } from 'node:fs';
import { COLUMNS_PER_READ, type RowsRequest, readRows, viewQuery } from './dataset-rows.ts';
import type { DatasetStore, StoredDataset } from './dataset-store.ts';

/** A page of rows with each row already written as JSON (`["S-001",34,…]`), and the view's total. */
export interface RowPage {
  rows: string[];
  total: number;
}

interface Block {
  total: number;
  rows: string[];
}

/**
 * Rows read together and kept together. A page costs DuckDB a fixed ~5–8 ms of CPU whatever its
 * length up to a few hundred rows (planning, opening the file, decoding its row group, handing the
 * chunks to JavaScript): 250 rows cost what 50 do, so reading a block serves the next pages too.
 */
export const BLOCK_ROWS = 250;

/**
 * Pages of datasets' rows kept in memory, by what determines them: the file (its inode, size and
 * modification time, since a re-protection rewrites a file in place) and the view's SQL with its
 * parameters, which holds every reader-dependent part (masked columns, the sealed sidecar joined
 * for a reader who sees PHI in clear, filters, sort). Versions never change, so a kept block never
 * goes stale; the least recently used go beyond `maxBytes` of row text. A block read by one
 * request is shared with those asking at the same moment.
 *
 * The view's SQL is built on every request, hit or miss: building it is what notes a PHI read for
 * the access log (`datasetSource` calls the dataset's `onRead`), so a page from memory is logged
 * as one read from the file is. A review status's row set changes as records are reviewed, and a
 * wide dataset's block would be large: both are read as before, every time.
 */
export class RowBlockCache {
  private readonly blocks = new Map<string, Promise<Block>>();
  private readonly sizes = new Map<string, number>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onLookup?: (hit: boolean) => void,
  ) {}

  /** Bytes of row text kept now. */
  get keptBytes(): number {
    return this.bytes;
  }

  async page(store: DatasetStore, dataset: StoredDataset, request: RowsRequest): Promise<RowPage> {
    if (this.maxBytes === 0 || request.rowSet || dataset.columns.length > COLUMNS_PER_READ) {
      const page = await readRows(store, dataset, request);
      return { rows: page.rows.map((row) => JSON.stringify(row)), total: page.total };
    }
    const { sql, params } = viewQuery(dataset, request);
    const view = `${fileIdentity(dataset.file)}\u0000${sql}\u0000${JSON.stringify(params)}`;
    const first = Math.floor(request.offset / BLOCK_ROWS);
    const last = Math.floor((request.offset + request.limit - 1) / BLOCK_ROWS);
    const missing: number[] = [];
    for (let b = first; b <= last; b++) if (!this.blocks.has(blockKey(view, b))) missing.push(b);
    this.onLookup?.(missing.length === 0);
    if (missing.length > 0) this.readBlocks(store, dataset, request, view, missing);
    // Taken at once: a block read for another request may push one of these out while this one waits.
    const wanted: Promise<Block>[] = [];
    for (let b = first; b <= last; b++) wanted.push(this.use(blockKey(view, b)));
    const blocks = await Promise.all(wanted);
    const start = request.offset - first * BLOCK_ROWS;
    const rows = blocks.flatMap((block) => block.rows).slice(start, start + request.limit);
    return { rows, total: blocks[0]?.total ?? 0 };
  }

  /** One read from the first missing block to the last, kept block by block. */
  private readBlocks(
    store: DatasetStore,
    dataset: StoredDataset,
    request: RowsRequest,
    view: string,
    missing: number[],
  ): void {
    const from = missing[0] as number;
    const to = missing.at(-1) as number;
    const read = readRows(store, dataset, {
      ...request,
      offset: from * BLOCK_ROWS,
      limit: (to - from + 1) * BLOCK_ROWS,
    }).then((page) => ({ total: page.total, rows: page.rows.map((row) => JSON.stringify(row)) }));
    for (let b = from; b <= to; b++) {
      const key = blockKey(view, b);
      if (this.blocks.has(key)) continue;
      const start = (b - from) * BLOCK_ROWS;
      const block = read.then((page) => ({ total: page.total, rows: page.rows.slice(start, start + BLOCK_ROWS) }));
      this.blocks.set(key, block);
      block.then(
        (kept) => this.account(key, block, kept),
        () => {
          // A failed read is not kept: the next request tries again (its own caller sees the error).
          if (this.blocks.get(key) === block) this.blocks.delete(key);
        },
      );
    }
  }

  /** A kept block, moved to the most recently used end. */
  private use(key: string): Promise<Block> {
    const block = this.blocks.get(key);
    if (!block) throw new Error(`row block ${key} is not kept`);
    this.blocks.delete(key);
    this.blocks.set(key, block);
    return block;
  }

  private account(key: string, block: Promise<Block>, kept: Block): void {
    if (this.blocks.get(key) !== block) return;
    const size = kept.rows.reduce((sum, row) => sum + row.length, 0) + key.length;
    this.sizes.set(key, size);
    this.bytes += size;
    for (const oldest of this.blocks.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.forget(oldest);
    }
  }

  private forget(key: string): void {
    this.blocks.delete(key);
    this.bytes -= this.sizes.get(key) ?? 0;
    this.sizes.delete(key);
  }
}

function blockKey(view: string, block: number): string {
  return `${view}\u0000${block}`;
}

/** What changes when a file is replaced (a rename gives a new inode) or rewritten. */
function fileIdentity(file: string): string {
  const stat = statSync(file, { bigint: true });
  return `${stat.ino}:${stat.size}:${stat.mtimeNs}`;
}
