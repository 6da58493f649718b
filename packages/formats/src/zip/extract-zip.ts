/**
 * Extraction of an uploaded ZIP (and ZIPs inside it) to a folder, all or nothing: on any failure
 * every file and folder this call created is removed. The checks (names, links, encryption,
 * methods, duplicates, entries, bytes, ratio, nesting) are the archive's (`zip-archive.ts`).
 * Uploads read members in place instead (`convertUpload`); this remains for callers that want
 * the files.
 */

import path from 'node:path';
import { openZipArchive, type ZipLimits } from './zip-archive.ts';

export type { ZipLimits } from './zip-archive.ts';

export interface ExtractedEntry {
  /** Inside the archive, `/`-separated, e.g. `sdtm/dm.xpt` or `sdtm.zip/ae.xpt`. */
  path: string;
  /** Absolute path of the extracted file. */
  file: string;
  bytes: number;
}

export async function extractZip(
  zipPath: string,
  destDir: string,
  limits: ZipLimits = {},
  options: { fileName?: string } = {},
): Promise<ExtractedEntry[]> {
  const archive = await openZipArchive(zipPath, destDir, limits, options);
  try {
    await archive.createDir(path.resolve(destDir));
    const extracted: ExtractedEntry[] = [];
    for (const member of archive.members) {
      extracted.push({ path: member.path, file: await member.extract(), bytes: member.bytes });
    }
    return extracted;
  } catch (error) {
    await archive.close();
    await archive.removeCreated();
    throw error;
  } finally {
    await archive.close();
  }
}
