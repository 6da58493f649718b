import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { readDatasetJson } from './dataset-json/read-dataset-json.ts';
import { FormatError } from './errors.ts';
import { readOdm } from './odm/read-odm.ts';
import { type CsvOptions, convertCsv } from './parquet/convert-csv.ts';
import { readCsvHeader } from './parquet/csv-header.ts';
import type { DuckDbLimits } from './parquet/duckdb.ts';
import type { ParquetResult } from './parquet/parquet-output.ts';
import { convertParquet } from './parquet/read-parquet.ts';
import { writeParquet } from './parquet/write-parquet.ts';
import { readSas7bdat } from './sas7bdat/read-sas7bdat.ts';
import type { DatasetReader, ReadOptions } from './types.ts';
import { readXlsx } from './xlsx/read-xlsx.ts';
import { readXpt } from './xpt/read-xpt.ts';
import { detectFormat } from './zip/detect-format.ts';
import { extractZip } from './zip/extract-zip.ts';

export interface ConvertedDataset extends ParquetResult {
  /** The uploaded file (or `archive.zip/entry`) it came from. */
  source: string;
  format: string;
}

export interface ConvertedUpload {
  datasets: ConvertedDataset[];
  skipped: { file: string; reason: string }[];
}

export interface UploadLimits extends DuckDbLimits {
  maxZipBytes?: number;
  maxZipEntries?: number;
  maxZipRatio?: number;
  /** What the user told us about the upload's CSV files, when DuckDB's guesses are wrong. */
  csv?: CsvOptions;
}

type Reader = (file: string, options: ReadOptions) => AsyncIterable<DatasetReader>;

const READERS: Record<string, Reader> = {
  xpt: readXpt,
  sas7bdat: readSas7bdat,
  odm: readOdm,
  'dataset-json': readDatasetJson,
  xlsx: readXlsx,
};

/** What a file that holds no data is, in the words the upload result shows. */
const NOT_DATA: Record<string, string> = {
  'define-xml': 'define.xml is study metadata, not data',
  sas7bcat: 'SAS format catalog: its value labels are kept with the SAS datasets of this upload',
};

const HEAD_BYTES = 4096;

/** Extensions that only data files carry: content that is none of our formats fails the upload. */
const DATA_EXTENSIONS: Record<string, string> = {
  xpt: 'SAS XPT',
  sas7bdat: 'SAS7BDAT',
  sas7bcat: 'a SAS format catalog',
  parquet: 'Parquet',
  xlsx: 'an Excel workbook',
  xlsm: 'an Excel workbook',
};

/**
 * Turns one uploaded file (a ZIP or a single data file) into Parquet files in `outDir`, one per
 * dataset. All or nothing: any file that looks like data but cannot be read fails the whole upload
 * with "file X: reason" (a half-loaded study is worse than none); files that are not data are
 * listed as skipped with the reason, never dropped silently.
 */
export async function convertUpload(
  file: string,
  fileName: string,
  outDir: string,
  limits: UploadLimits = {},
): Promise<ConvertedUpload> {
  const result: ConvertedUpload = { datasets: [], skipped: [] };
  const names = new Map<string, string>();
  const format = detectFormat(fileName, await readHead(file));
  if (format === 'zip') {
    const extractDir = path.join(outDir, '.unzipped');
    const entries = await extractZip(
      file,
      extractDir,
      { maxTotalBytes: limits.maxZipBytes, maxEntries: limits.maxZipEntries, maxRatio: limits.maxZipRatio },
      { fileName },
    );
    try {
      // An empty member is a file that lost its data on the way (an export that failed, a copy cut
      // short); loading the archive without it, or as a dataset of invented columns, hides that.
      const empty = entries.find((entry) => entry.bytes === 0);
      if (empty) throw new FormatError('is empty', { file: `${fileName}/${empty.path}` });
      const formats = await Promise.all(
        entries.map(async (entry) => detectFormat(entry.path, await readHead(entry.file))),
      );
      // A catalog beside the datasets gives coded values their labels (kept in the Parquet metadata).
      const catalog = entries.find((_, i) => formats[i] === 'sas7bcat')?.file;
      for (const [i, entry] of entries.entries()) {
        const source = `${fileName}/${entry.path}`;
        await convertOne(entry.file, source, formats[i] ?? null, outDir, { ...limits, catalog }, result, names);
      }
    } finally {
      await rm(extractDir, { recursive: true, force: true });
    }
  } else {
    await convertOne(file, fileName, format, outDir, limits, result, names);
  }
  if (result.datasets.length === 0) {
    const why = result.skipped.map((s) => `${s.file}: ${s.reason}`).join('; ');
    throw new FormatError(`no datasets found${why ? ` (${why})` : ''}`, { file: fileName });
  }
  return result;
}

async function convertOne(
  file: string,
  source: string,
  format: ReturnType<typeof detectFormat>,
  outDir: string,
  limits: UploadLimits & { catalog?: string },
  result: ConvertedUpload,
  names: Map<string, string>,
): Promise<void> {
  const claimed = DATA_EXTENSIONS[path.extname(source).slice(1).toLowerCase()];
  if (format === null && claimed) {
    // The name promises data the bytes do not hold (a failed export, a renamed file, or worse):
    // skipping it would load the study without a dataset its sender meant to send.
    throw new FormatError(
      `the name says ${claimed}, but the content is not (a damaged or mislabelled file?); export it again`,
      { file: source },
    );
  }
  if (format === null || format === 'zip') {
    // A ZIP at this depth means nesting beyond what extractZip allows; it has already refused it.
    result.skipped.push({
      file: source,
      reason: 'not a supported data file (SAS XPT or SAS7BDAT, CSV, XLSX, Parquet, ODM, Dataset-JSON)',
    });
    return;
  }
  const notData = NOT_DATA[format];
  if (notData) {
    result.skipped.push({ file: source, reason: notData });
    return;
  }
  const stem = path.basename(source).replace(/\.[^.]+$/, '');
  const claim = (name: string): string => {
    const key = name.toLowerCase();
    const other = names.get(key);
    if (other !== undefined)
      throw new FormatError(`dataset ${name} also comes from ${other}; upload one of them`, { file: source });
    names.set(key, source);
    return path.join(outDir, `${fileSafe(name)}-${names.size}.parquet`);
  };
  if (
    format === 'csv' &&
    !/\.csv$/i.test(source) &&
    (await readCsvHeader(file, { encoding: 'latin-1' })).fields.length < 2
  ) {
    // A .txt that is not delimited text is a note or a readme, not a dataset.
    result.skipped.push({ file: source, reason: 'text file without delimited columns (not a dataset)' });
    return;
  }
  try {
    if (format === 'csv') {
      const converted = await convertCsv(file, claim(stem), { ...limits, ...limits.csv, fileName: source, name: stem });
      result.datasets.push({ ...converted, source, format });
      return;
    }
    if (format === 'parquet') {
      const converted = await convertParquet(file, claim(stem), { ...limits, fileName: source, name: stem });
      result.datasets.push({ ...converted, source, format });
      return;
    }
    const read = READERS[format];
    if (!read) throw new FormatError(`no reader for ${format}`, { file: source });
    const single = format === 'sas7bdat' || format === 'dataset-json';
    const spill = { fileName: source, tempDirectory: limits.tempDirectory ?? outDir };
    const options = format === 'sas7bdat' && limits.catalog ? { ...spill, catalog: limits.catalog } : spill;
    for await (const reader of read(file, options)) {
      // A SAS7BDAT's internal name is often a placeholder ("DATA"); the file name is what users know.
      if (single) reader.info.name = format === 'sas7bdat' ? stem.toUpperCase() : reader.info.name || stem;
      const converted = await writeParquet(reader, claim(reader.info.name), { ...limits, fileName: source });
      result.datasets.push({ ...converted, source, format });
    }
  } catch (error) {
    if (error instanceof FormatError) throw error.location.file ? error : error.withFile(source);
    throw new FormatError(`could not be read (${error instanceof Error ? error.message : String(error)})`, {
      file: source,
    });
  }
}

/** A dataset name as a file name: letters, digits, `_` and `-` only, at most 64 characters. */
export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 64) || 'dataset';
}

async function readHead(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
