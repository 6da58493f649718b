import { z } from 'zod';
import { IsoDateTime, listOf, listWithMeta, Reason, Uuid, withPermissions } from './common.ts';

/** Logical column types of a stored dataset (as in Parquet). */
export const DATASET_COLUMN_TYPES = ['string', 'number', 'integer', 'boolean', 'date', 'datetime', 'time'] as const;
export const DatasetColumnType = z.enum(DATASET_COLUMN_TYPES);
export type DatasetColumnType = z.infer<typeof DatasetColumnType>;

export const DatasetColumn = z.object({
  name: z.string(),
  label: z.string().nullable(),
  type: DatasetColumnType,
  /** SAS storage length, when the source had one. */
  length: z.number().int().nullable(),
  /** SAS display format (e.g. `DATE9.`), when the source had one. */
  format: z.string().nullable(),
  /** The study's classification of the column (`phi`, `sensitive`), when it has one. */
  phi: z.enum(['phi', 'sensitive']).optional(),
  /** True when the caller sees this PHI column masked (no `data:view_phi:assigned`). */
  masked: z.boolean().optional(),
});
export type DatasetColumn = z.infer<typeof DatasetColumn>;

export const DatasetSummary = z.object({
  name: z.string(),
  label: z.string().nullable(),
  rows: z.number().int(),
  columns: z.array(DatasetColumn),
  /** The uploaded file (or `archive.zip/entry`) it came from. */
  source: z.string(),
  /** Source format: xpt, sas7bdat, csv, xlsx, parquet, odm, dataset-json. */
  format: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
});
export type DatasetSummary = z.infer<typeof DatasetSummary>;

export const SkippedFile = z.object({ file: z.string(), reason: z.string() });
export type SkippedFile = z.infer<typeof SkippedFile>;

export const VersionActor = z.object({ id: Uuid, name: z.string(), email: z.string() }).nullable();

export const DataVersion = z.object({
  id: Uuid,
  /** The folder name, `YYYYMMDD_HHMMSS` (with a suffix when two land in the same second). */
  label: z.string(),
  createdAt: IsoDateTime,
  createdBy: VersionActor,
  source: z.object({
    kind: z.enum(['upload', 'demo']),
    fileName: z.string(),
    bytes: z.number().int(),
    sha256: z.string(),
  }),
  active: z.boolean(),
  datasets: z.array(DatasetSummary),
  skipped: z.array(SkippedFile),
});
export type DataVersion = z.infer<typeof DataVersion>;

/** A version with what the caller may do in its study. */
export const DataVersionResource = withPermissions(DataVersion);
export type DataVersionResource = z.infer<typeof DataVersionResource>;
/** An upload answers the version it made, as any version is answered. */
export const UploadResponse = DataVersionResource;

const CSV_TYPE_OVERRIDE = /^[^:,]{1,128}:(string|number|integer|boolean|date|datetime|time)$/;

/**
 * How to read the upload's CSV files when the guess is wrong: `csvDelimiter=;`, `csvEncoding=latin-1`,
 * `csvHeader=false`, `csvTypes=SUBJID:string,VISITNUM:integer`.
 */
export const UploadQuery = z.object({
  csvDelimiter: z
    .string()
    .refine((v) => [',', ';', '\t', '|', 'tab'].includes(v), 'Use , ; | or tab.')
    .transform((v) => (v === 'tab' ? '\t' : v))
    .optional(),
  csvEncoding: z.enum(['utf-8', 'latin-1', 'utf-16']).optional(),
  csvHeader: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  csvTypes: z
    .string()
    .max(4000)
    .refine(
      (v) => v.split(',').every((pair) => CSV_TYPE_OVERRIDE.test(pair.trim())),
      'Use COLUMN:type pairs separated by commas; types: string, number, integer, boolean, date, datetime, time.',
    )
    .transform((v) =>
      Object.fromEntries(
        v.split(',').map((pair) => {
          const at = pair.lastIndexOf(':');
          return [pair.slice(0, at).trim(), pair.slice(at + 1).trim() as DatasetColumnType];
        }),
      ),
    )
    .optional(),
});
export type UploadQuery = z.input<typeof UploadQuery>;
export type UploadResponse = z.infer<typeof UploadResponse>;

/** `meta.activeVersionId`: the study's active version; `meta.permissions`: what you may do with its data. */
export const VersionList = listWithMeta(
  DataVersion,
  z.object({ activeVersionId: Uuid.nullable(), permissions: z.array(z.string()) }),
);
export type VersionList = z.infer<typeof VersionList>;

export const ActivateVersionRequest = z.strictObject({
  reason: Reason,
  /** A signature of this version just made (POST /api/signatures), when the organization requires one. */
  signatureId: z.uuid().optional(),
});
export type ActivateVersionRequest = z.infer<typeof ActivateVersionRequest>;

export const VersionParams = z.strictObject({ id: Uuid, vid: Uuid });
export const DiffParams = z.strictObject({ id: Uuid, a: Uuid, b: Uuid });
export const DatasetParams = z.strictObject({ id: Uuid, vid: Uuid, name: z.string().min(1).max(128) });

/** `?key=USUBJID,AESEQ` overrides the key rows are matched by, for every dataset of the diff. */
export const DiffQuery = z.object({
  key: z
    .string()
    .max(500)
    .optional()
    .transform((v) =>
      v
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined,
    ),
  dataset: z.string().max(128).optional(),
  samples: z.coerce.number().int().min(0).max(100).default(5),
});

export const CellChange = z.object({ column: z.string(), from: z.unknown(), to: z.unknown() });

export const DatasetDiff = z.object({
  name: z.string(),
  status: z.enum(['added', 'removed', 'changed', 'unchanged']),
  rows: z.object({ from: z.number().int().nullable(), to: z.number().int().nullable() }),
  columnsAdded: z.array(z.string()),
  columnsRemoved: z.array(z.string()),
  columnsRetyped: z.array(z.object({ name: z.string(), from: z.string(), to: z.string() })),
  /**
   * Columns stored as integer in one version and as floating point in the other (XPT keeps every
   * number as a double): the same numbers, so no retype; values are still compared as numbers.
   */
  columnsNumericStorage: z.array(z.object({ name: z.string(), from: z.string(), to: z.string() })).default([]),
  /** Columns rows were matched by; null when no key could be found (row changes not computed). */
  key: z.array(z.string()).nullable(),
  /** Why rows could not be compared by key, when they could not. */
  keyProblem: z.string().nullable(),
  rowsAdded: z.number().int(),
  rowsRemoved: z.number().int(),
  rowsChanged: z.number().int(),
  samples: z.object({
    added: z.array(z.record(z.string(), z.unknown())),
    removed: z.array(z.record(z.string(), z.unknown())),
    changed: z.array(z.object({ key: z.record(z.string(), z.unknown()), changes: z.array(CellChange) })),
  }),
});
export type DatasetDiff = z.infer<typeof DatasetDiff>;

export const VersionDiff = z.object({
  from: Uuid,
  to: Uuid,
  datasetsAdded: z.array(z.string()),
  datasetsRemoved: z.array(z.string()),
  datasets: z.array(DatasetDiff),
});
export type VersionDiff = z.infer<typeof VersionDiff>;

export const DatasetList = listOf(DatasetSummary);
export type DatasetList = z.infer<typeof DatasetList>;

export const ROW_FILTER_OPS = [
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'contains',
  'starts',
  'in',
  'null',
  'notnull',
] as const;
export const RowFilter = z.strictObject({
  column: z.string().min(1).max(128),
  op: z.enum(ROW_FILTER_OPS),
  value: z
    .union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()])).max(1000)])
    .optional(),
});
export type RowFilter = z.infer<typeof RowFilter>;

function parseJsonArray(value: string, ctx: z.RefinementCtx): unknown {
  try {
    return JSON.parse(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'filter must be a JSON array of {column, op, value}.' });
    return z.NEVER;
  }
}

/**
 * `sort=AESTDTC` or `sort=-AESTDTC` (descending); `filter=[{"column":"AESEV","op":"eq","value":"SEVERE"}]`.
 */
const RowFilterParam = z
  .string()
  .max(10_000)
  .optional()
  .transform((v, ctx) => (v ? parseJsonArray(v, ctx) : []))
  .pipe(z.array(RowFilter).max(20));

export const DatasetRowsQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  sort: z.string().max(200).optional(),
  filter: RowFilterParam,
  /**
   * Only the records of this review status (active version only), ANDed with `filter`: `reviewed`,
   * `changed` (since review) or `not_reviewed`.
   */
  review: z.enum(['reviewed', 'changed', 'not_reviewed']).optional(),
});
export type DatasetRowsQuery = z.input<typeof DatasetRowsQuery>;

export const DatasetRows = z.object({
  columns: z.array(DatasetColumn),
  /** Cells in column order; dates as `YYYY-MM-DD`, datetimes as `YYYY-MM-DDTHH:MM:SS(.sss)`, times as `HH:MM:SS`. */
  rows: z.array(z.array(z.unknown())),
  total: z.number().int(),
});
export type DatasetRows = z.infer<typeof DatasetRows>;

/**
 * `column` to profile, over the rows `filter` keeps (the viewer's filters, same format as the rows
 * endpoint); `by=LBTESTCD` adds the same statistics per value of that column (the 50 largest).
 */
export const ColumnProfileQuery = z.object({
  column: z.string().min(1).max(128),
  filter: RowFilterParam,
  by: z.string().min(1).max(128).optional(),
});
export type ColumnProfileQuery = z.input<typeof ColumnProfileQuery>;

const ProfileStats = z.object({
  /** Rows profiled: those the filters keep. */
  rows: z.number().int(),
  /** Missing values (blank text counts as missing); `rows − missing` are filled. */
  missing: z.number().int(),
  distinct: z.number().int(),
  min: z.unknown(),
  max: z.unknown(),
  mean: z.number().nullable(),
});

export const ColumnProfileGroup = ProfileStats.extend({ value: z.unknown() });
export type ColumnProfileGroup = z.infer<typeof ColumnProfileGroup>;

export const ColumnProfile = ProfileStats.extend({
  name: z.string(),
  label: z.string().nullable(),
  type: DatasetColumnType,
  top: z.array(z.object({ value: z.unknown(), count: z.number().int() })),
  /** Filters applied (0: every row of the dataset). */
  filters: z.number().int().default(0),
  /** With `by`: the split column, its groups largest first, and how many groups there are in all. */
  split: z.object({ by: z.string(), groups: z.array(ColumnProfileGroup), totalGroups: z.number().int() }).optional(),
});
export type ColumnProfile = z.infer<typeof ColumnProfile>;

export const DOWNLOAD_FORMATS = ['csv', 'parquet', 'xpt'] as const;
/**
 * `format`; with `filter` and/or `sort` (as for rows), only the rows the viewer shows, in its order
 * (CSV only: Parquet and XPT downloads are the dataset as stored, with its labels).
 * `raw=true` writes CSV text exactly as stored, formulas and all, for programs that read the file
 * back; without it, text a spreadsheet would run as a formula is neutralised (see `csv.ts`). The web
 * app never asks for raw output; the audit trail records which one was taken.
 */
export const DownloadQuery = z
  .object({
    format: z.enum(DOWNLOAD_FORMATS).default('csv'),
    filter: RowFilterParam,
    sort: z.string().max(200).optional(),
    raw: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
  })
  .refine((q) => q.raw === undefined || q.format === 'csv', {
    message: 'raw applies to CSV downloads only.',
    path: ['raw'],
  });
