import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RaveSubject, StudyMetadata } from './other-handlers.ts';

/**
 * The Rave source's merged records, kept between pulls in its `stateDir`:
 *   state.json          names the current generation folder (written atomically by `commit`)
 *   g-<uuid>/cells.parquet   every current value: subject, event, form, item group (with their
 *                            repeat keys), item, value
 *   g-<uuid>/audit.parquet   the Clinical Audit Records taken so far
 *   g-<uuid>/info.json       subjects, metadata, the audit position, the subjects' fingerprint
 * A pull writes a new generation beside the current one; `commit` points state.json at it and
 * removes the old one, so a failed or cancelled pull leaves the previous state untouched.
 */
export interface StateInfo {
  project: string;
  environment: string;
  /** The forms pulled (sorted, comma-separated), null for all: a change means a full pull. */
  formsKey: string | null;
  subjects: RaveSubject[];
  subjectsHash: string;
  metadata: StudyMetadata | null;
  metadataVersion: string | null;
  /** The next Clinical Audit Records id to ask for. */
  auditStartId: number | null;
  auditRows: number;
  cellRows: number;
  pulledAt: string;
}

export interface Generation {
  dir: string;
  cells: string;
  audit: string;
  info: StateInfo | null;
}

export async function currentGeneration(stateDir: string): Promise<Generation | null> {
  let pointer: { dir: string };
  try {
    pointer = JSON.parse(await readFile(path.join(stateDir, 'state.json'), 'utf8'));
  } catch {
    return null;
  }
  const dir = path.join(stateDir, pointer.dir);
  const info = JSON.parse(await readFile(path.join(dir, 'info.json'), 'utf8')) as StateInfo;
  return { dir, cells: path.join(dir, 'cells.parquet'), audit: path.join(dir, 'audit.parquet'), info };
}

/** A new generation folder beside the current one; generations left by failed pulls are removed. */
export async function newGeneration(stateDir: string, current: Generation | null): Promise<Generation> {
  await mkdir(stateDir, { recursive: true });
  for (const entry of await readdir(stateDir)) {
    if (entry.startsWith('g-') && path.join(stateDir, entry) !== current?.dir) {
      await rm(path.join(stateDir, entry), { recursive: true, force: true });
    }
  }
  const dir = path.join(stateDir, `g-${randomUUID()}`);
  await mkdir(dir);
  return { dir, cells: path.join(dir, 'cells.parquet'), audit: path.join(dir, 'audit.parquet'), info: null };
}

export async function writeInfo(generation: Generation, info: StateInfo): Promise<void> {
  generation.info = info;
  await writeFile(path.join(generation.dir, 'info.json'), JSON.stringify(info));
}

/** Makes `next` current (an atomic rename of state.json), then removes the previous generation. */
export async function commitGeneration(stateDir: string, next: Generation, previous: Generation | null): Promise<void> {
  const tmp = path.join(stateDir, `state.json.${randomUUID()}`);
  await writeFile(tmp, JSON.stringify({ dir: path.basename(next.dir) }));
  await rename(tmp, path.join(stateDir, 'state.json'));
  if (previous) await rm(previous.dir, { recursive: true, force: true });
}
