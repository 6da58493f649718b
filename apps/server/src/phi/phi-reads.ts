import { AsyncLocalStorage } from 'node:async_hooks';

/** One dataset whose PHI columns were read in clear while answering a request. */
export interface PhiRead {
  studyId: string;
  dataset: string;
  columns: string[];
  /** Rows the read covered: the dataset's rows unless a reader noted fewer (a page of the viewer). */
  rows: number;
}

/**
 * The clear PHI reads of the request being answered. Every read of a stored dataset builds its SQL
 * through `datasetSource`, which calls the dataset's `onRead`; for a dataset whose PHI columns are
 * in clear that lands here, and the `phi-access` plugin writes the log after the response.
 */
export class PhiReads {
  private readonly reads = new Map<string, PhiRead>();

  note(read: PhiRead): void {
    const key = `${read.studyId}\n${read.dataset.toUpperCase()}`;
    const known = this.reads.get(key);
    if (known) {
      known.rows = Math.max(known.rows, read.rows);
      for (const column of read.columns) if (!known.columns.includes(column)) known.columns.push(column);
    } else this.reads.set(key, { ...read, columns: [...read.columns] });
  }

  /** A reader that knows how many rows it handed over (a page) says so. */
  rows(studyId: string, dataset: string, rows: number): void {
    const known = this.reads.get(`${studyId}\n${dataset.toUpperCase()}`);
    if (known) known.rows = rows;
  }

  all(): PhiRead[] {
    return [...this.reads.values()];
  }
}

const storage = new AsyncLocalStorage<PhiReads>();

/** From here on (a request's hooks and handler), clear PHI reads are noted in `reads`. */
export function enterPhiReads(reads: PhiReads): void {
  storage.enterWith(reads);
}

/** Runs `fn` with its own record of clear PHI reads (a test, a job acting for a user). */
export function withPhiReads<T>(reads: PhiReads, fn: () => T): T {
  return storage.run(reads, fn);
}

export function currentPhiReads(): PhiReads | undefined {
  return storage.getStore();
}
