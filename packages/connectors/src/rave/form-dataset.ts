import { type FileHandle, open, rm } from 'node:fs/promises';
import {
  type DatasetInfo,
  fileDigest,
  type OpenDuckDb,
  ParquetFileWriter,
  type ParquetResult,
  quoteLiteral,
  type RowGroupLayout,
  SCHEMA_METADATA_KEY,
  schemaMetadata,
} from '@cdp/formats';
import { bulkQuery, ChunkColumns } from './chunk-columns.ts';

/**
 * A form dataset of a Rave version, written by our own Parquet writer in row groups that start
 * at a subject: a group is cut at the first subject boundary past `formGroupRows.value` rows. An
 * incremental pull then rewrites only the groups that hold a changed subject and copies the
 * others' bytes from the previous version's file as they are (`spliceFormDataset`).
 */
export const formGroupRows = { value: 2_048 };

/** A subject's place in a form dataset: `SubjectName` (nulls last), then `SubjectKey`. */
export type SortKey = [string | null, string];

/** A row group of a form dataset with the subjects it holds (in order), kept in the version's outputs. */
export interface FormGroup {
  layout: RowGroupLayout;
  subjects: string[];
  first: SortKey;
  last: SortKey;
}

/**
 * The rows of a form dataset: `rows(only)` is a query whose first two columns are SubjectKey and
 * SubjectName, whose other columns are in the Parquet writer's units (numbers as DOUBLE), sorted
 * as the dataset is, limited to the subjects `only` when given; `keys(only)` gives the distinct
 * (SubjectName, SubjectKey) of those subjects.
 */
export interface FormRows {
  rows(only?: string[]): string;
  /** All rows typed as the columns say (for DuckDB's own writer). */
  typed(): string;
  keys(only: string[]): string;
}

export interface FormWritten {
  result: ParquetResult;
  /** The row groups with their subjects; absent when DuckDB wrote the file (it cannot be spliced). */
  groups?: FormGroup[];
  /** Made from a previous file's row groups (some copied, some written again). */
  spliced: boolean;
  copied: number;
  written: number;
}

type Connection = OpenDuckDb['connection'];

/** Binary order of the UTF-8 bytes (DuckDB's default collation), nulls last, as `ORDER BY` sorts. */
function compareText(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function compareKeys(a: SortKey, b: SortKey): number {
  return compareText(a[0], b[0]) || compareText(a[1], b[1]);
}

/**
 * How the pull's DuckDB writes every Parquet file (state files, form datasets, audit): zstd at level
 * 1 rather than DuckDB's default level. Measured on the bench study's 20 form datasets, one process,
 * alternating, load ~20: a filtered copy cost 31–36 ms of CPU per file against 36–41 ms, and the
 * files came out 12 % smaller (13.1 against 14.9 MB); snappy 28–30 ms but 67 % larger, uncompressed
 * 26 ms and 5× larger (DuckDB's writer itself is most of a file's cost, the codec ~10 ms).
 */
export const PARQUET_OPTIONS = 'FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1';

/**
 * Which writer writes a form dataset whole: DuckDB's COPY (the default: in the same run it wrote
 * the bench's form datasets 2.4–2.7× faster than ours, and writing every changed form whole with it
 * beat splicing them, see docs/decisions.md), or ours, whose subject-aligned row groups the next
 * pull splices (`spliceFormDataset`; a file COPY wrote has no groups and is written whole). Ours
 * stays selectable so `npm run bench -- rave` measures both in one run, and for studies whose
 * forms are large enough for splicing to pay.
 */
export const formDatasetWriter: { value: 'own' | 'duckdb' } = { value: 'duckdb' };

/** The whole dataset from `rows()`. */
export function writeFormDataset(c: Connection, rows: FormRows, info: DatasetInfo, outFile: string) {
  return formDatasetWriter.value === 'duckdb'
    ? copyFormDataset(c, rows, info, outFile)
    : write(c, rows.rows(), info, outFile, null, []);
}

/** A form dataset written by DuckDB's COPY from the typed rows' query. */
export async function copyFormDataset(
  c: Connection,
  rows: Pick<FormRows, 'typed'>,
  info: DatasetInfo,
  outFile: string,
): Promise<FormWritten> {
  const metadata = quoteLiteral(JSON.stringify(schemaMetadata(info)));
  const written = await c.runAndReadAll(
    `COPY (${rows.typed()}) TO ${quoteLiteral(outFile)} (${PARQUET_OPTIONS}, ROW_GROUP_SIZE 122880, ` +
      `KV_METADATA { ${quoteLiteral(SCHEMA_METADATA_KEY)}: ${metadata} })`,
  );
  return {
    result: {
      name: info.name,
      ...(info.label ? { label: info.label } : {}),
      rows: Number(written.getRowsJson()[0]?.[0] ?? 0),
      columns: info.columns,
      file: outFile,
      ...(await fileDigest(outFile)),
    },
    spliced: false,
    copied: 0,
    written: 1,
  };
}

/**
 * The dataset again after the subjects `changed` changed: the previous file's row groups that
 * hold none of them are copied as they are; the others' subjects and `changed` are read again
 * from `rows` and written as new groups between them, in the dataset's order. A group whose
 * range a rewritten subject now sorts into (a renamed or new subject) is rewritten too. Returns
 * null when more than half the groups would be rewritten, or when earlier splices left the file
 * in many small groups: the caller then writes it whole. `keyOf` gives a subject's place when the
 * caller knows it (null: the subject has no rows), else the state is asked.
 */
export async function spliceFormDataset(
  c: Connection,
  rows: FormRows,
  info: DatasetInfo,
  outFile: string,
  previous: { file: string; groups: FormGroup[]; rows: number },
  changed: Iterable<string>,
  keyOf: (subject: string) => SortKey | null | undefined = () => undefined,
): Promise<FormWritten | null> {
  const { groups } = previous;
  const ideal = Math.ceil(previous.rows / formGroupRows.value);
  if (groups.length > 2 * ideal + 4) return null;
  const dirtySubjects = new Set(changed);
  let dirty = new Set<FormGroup>();
  for (;;) {
    dirty = new Set(groups.filter((g) => g.subjects.some((s) => dirtySubjects.has(s))));
    for (const g of dirty) for (const s of g.subjects) dirtySubjects.add(s);
    if (dirtySubjects.size === 0) break;
    // A subject of the subject list has its place there; only the others' are asked of the state.
    const keys: SortKey[] = [];
    const unknown: string[] = [];
    for (const subject of dirtySubjects) {
      const key = keyOf(subject);
      if (key === undefined) unknown.push(subject);
      else if (key !== null) keys.push(key);
    }
    if (unknown.length > 0) keys.push(...((await c.runAndReadAll(rows.keys(unknown))).getRowsJson() as SortKey[]));
    const inside = groups.filter(
      (g) => !dirty.has(g) && keys.some((k) => compareKeys(g.first, k) <= 0 && compareKeys(k, g.last) <= 0),
    );
    if (inside.length === 0) break;
    for (const g of inside) for (const s of g.subjects) dirtySubjects.add(s);
  }
  if (dirty.size * 2 > groups.length) return null;
  const clean = groups.filter((g) => !dirty.has(g));
  const query = dirtySubjects.size > 0 ? rows.rows([...dirtySubjects]) : null;
  const source = await open(previous.file, 'r');
  try {
    return await write(c, query, info, outFile, source, clean);
  } finally {
    await source.close();
  }
}

async function write(
  c: Connection,
  query: string | null,
  info: DatasetInfo,
  outFile: string,
  source: FileHandle | null,
  clean: FormGroup[],
): Promise<FormWritten> {
  const metadata = { [SCHEMA_METADATA_KEY]: JSON.stringify(schemaMetadata(info)) };
  const writer = await ParquetFileWriter.create(outFile, info.columns, metadata, { dataset: info.name });
  const numeric = info.columns.map((column) => column.type !== 'string');
  const buffer = new ChunkColumns(numeric);
  const groups: Omit<FormGroup, 'layout'>[] = [];
  let subjects: string[] = [];
  let first: SortKey | null = null;
  let last: SortKey | null = null;
  let copied = 0;
  let written = 0;
  let next = 0;

  const flush = async () => {
    const length = buffer.length;
    if (length === 0 || !first || !last) return;
    await writer.write({ length, columns: buffer.take() });
    await writer.endRowGroup();
    groups.push({ subjects, first, last });
    written++;
    subjects = [];
    first = null;
    last = null;
  };
  const copy = async (group: FormGroup) => {
    await flush();
    await writer.copyRowGroup(source as FileHandle, group.layout);
    groups.push({ subjects: group.subjects, first: group.first, last: group.last });
    copied++;
  };

  try {
    if (query) {
      const result = await c.stream(bulkQuery(query, numeric));
      let subject: string | undefined;
      let name: string | null = null;
      for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        buffer.load(chunk);
        // Rows `[start, r)` of the chunk are the current group's and not yet gathered.
        let start = 0;
        for (let r = 0; r < chunk.rowCount; r++) {
          const key = buffer.text(0, r) as string;
          const rowName = buffer.text(1, r);
          if (key !== subject || rowName !== name) {
            const at: SortKey = [rowName, key];
            const copies = next < clean.length && compareKeys(at, (clean[next] as FormGroup).first) > 0;
            const cut = key !== subject && buffer.length + (r - start) >= formGroupRows.value;
            if (copies || cut) {
              buffer.add(start, r);
              start = r;
            }
            // Clean groups that sort before this subject go first, as they are.
            while (next < clean.length && compareKeys(at, (clean[next] as FormGroup).first) > 0) {
              await copy(clean[next] as FormGroup);
              next++;
            }
            if (key !== subject && buffer.length >= formGroupRows.value) await flush();
            if (key !== subject) subjects.push(key);
            subject = key;
            name = rowName;
            first ??= at;
            last = at;
          }
        }
        buffer.add(start, chunk.rowCount);
      }
    }
    await flush();
    while (next < clean.length) {
      await copy(clean[next] as FormGroup);
      next++;
    }
    const rows = await writer.close();
    const layouts = writer.rowGroups;
    if (layouts.length !== groups.length) throw new Error(`wrote ${layouts.length} row groups for ${groups.length}`);
    return {
      result: {
        name: info.name,
        ...(info.label ? { label: info.label } : {}),
        rows,
        columns: info.columns,
        file: outFile,
        ...(writer.digest ?? { bytes: 0, sha256: '' }),
      },
      groups: groups.map((g, i) => ({ ...g, layout: layouts[i] as RowGroupLayout })),
      spliced: source !== null,
      copied,
      written,
    };
  } catch (error) {
    await writer.abort();
    await rm(outFile, { force: true });
    throw error;
  }
}

/** `IN (…)` over subject keys. */
export function subjectList(keys: string[]): string {
  return `(${keys.map(quoteLiteral).join(', ')})`;
}
