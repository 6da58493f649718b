import { randomUUID } from 'node:crypto';
import { copyFile, link, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { quoteLiteral } from '@cdp/formats';
import type { FlushPath } from '../types.ts';
import type { RaveSubject, StudyMetadata } from './other-handlers.ts';

/**
 * The Rave source's merged records, kept between pulls in its `stateDir`:
 *   state.json          names the current generation folder (written atomically by `commit`)
 *   g-<uuid>/form-<n>.parquet one per form: a row per record (subject, event, form repeat, item
 *                            group, with their repeat keys) and a text column per item (v0, v1…
 *                            in the order of `info.forms[form].items`)
 *   g-<uuid>/form-<n>.<k>.parquet  the form's parts, if any: the same columns, the records of the
 *                            subjects later pulls changed (`FormState.parts`, `stateRows`)
 *   g-<uuid>/dataset-<hash>.parquet + outputs.json  the version's form datasets as last written,
 *                            reused (hard-linked) while their form and the subjects are unchanged
 *   g-<uuid>/audit.parquet   the Clinical Audit Records taken so far
 *   g-<uuid>/info.json       subjects, metadata, the audit position, the subjects' fingerprint
 * A pull writes a new generation beside the current one; `commit` points state.json at it and
 * removes the old one, so a failed or cancelled pull leaves the previous state untouched.
 *
 * Durability (with the runtime's `flush`): the new generation's files and folder are flushed before
 * the version's row commits (`flushGeneration`), and state.json's new content before its rename
 * and its folder after it, before the previous generation is removed (`commitGeneration`). A power
 * loss then leaves either the previous pointer with the previous generation intact, or the new
 * pointer with a complete generation: never a state.json naming a folder that is gone or short
 * (which would fail every later pull until the source's state is reset).
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
  /** Each form's merged records (absent in states written before per-form files: a full pull). */
  forms?: Record<string, FormState>;
  pulledAt: string;
}

export interface FormState {
  /** The file in the generation folder. */
  file: string;
  items: string[];
  rows: number;
  /**
   * Later parts of the form's records, oldest first: a part holds every record of its `subjects`
   * (none for a subject whose records all went), which replace theirs in `file` and in earlier
   * parts. An incremental pull writes its changed subjects' records as a part rather than the
   * whole file again (`statePartsLimit`); absent in states written whole.
   */
  parts?: StatePart[];
}

export interface StatePart {
  file: string;
  subjects: string[];
  rows: number;
}

/**
 * When a form's state is written whole again instead of gaining a part: more parts than `count`,
 * or parts holding more than `share` of its records (reading the parts back costs a little per
 * part and per record).
 */
export const statePartsLimit = { count: 8, share: 0.25 };

/** A form's records as one relation (the columns of its file), whichever parts hold them. */
export function stateRows(dir: string, state: FormState): string {
  const parts = state.parts ?? [];
  const read = (file: string) => `read_parquet(${quoteLiteral(path.join(dir, file))})`;
  if (parts.length === 0) return read(state.file);
  const laterSubjects = (from: number) => [...new Set(parts.slice(from).flatMap((part) => part.subjects))];
  const without = (subjects: string[]) =>
    subjects.length === 0 ? '' : ` WHERE subject_key NOT IN (${subjects.map(quoteLiteral).join(', ')})`;
  const pieces = [
    `SELECT * FROM ${read(state.file)}${without(laterSubjects(0))}`,
    ...parts.map((part, i) => `SELECT * FROM ${read(part.file)}${without(laterSubjects(i + 1))}`),
  ];
  return `(${pieces.join(' UNION ALL ')})`;
}

/** Every file of a form's state (the first is its main file). */
export function stateFiles(state: FormState): string[] {
  return [state.file, ...(state.parts ?? []).map((part) => part.file)];
}

export interface Generation {
  dir: string;
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
  return { dir, audit: path.join(dir, 'audit.parquet'), info };
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
  return { dir, audit: path.join(dir, 'audit.parquet'), info: null };
}

export async function writeInfo(generation: Generation, info: StateInfo): Promise<void> {
  generation.info = info;
  await writeFile(path.join(generation.dir, 'info.json'), JSON.stringify(info));
}

/**
 * Every file of the generation, then its folder, then the state folder that holds its name (the
 * folder is new). Files kept from the previous generation are hard links of flushed inodes: their
 * flush finds nothing to write.
 */
export async function flushGeneration(stateDir: string, generation: Generation, flush: FlushPath): Promise<void> {
  const files: string[] = [];
  for (const entry of await readdir(generation.dir, { withFileTypes: true })) {
    if (entry.isFile()) files.push(path.join(generation.dir, entry.name));
  }
  await inTurns(files, (file) => flush(file, 'file'));
  await flush(generation.dir, 'folder');
  await flush(stateDir, 'folder');
}

/** Side by side on libuv's pool, at most this many at once (as the runtime's durable-files helper). */
const FLUSHES_AT_ONCE = 4;

async function inTurns(items: string[], run: (item: string) => Promise<void>): Promise<void> {
  const queue = items.values();
  const lane = async () => {
    for (const item of queue) await run(item);
  };
  const lanes = await Promise.allSettled(Array.from({ length: Math.min(FLUSHES_AT_ONCE, items.length) }, lane));
  const failed = lanes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Makes `next` current (an atomic rename of state.json), then removes the previous generation. With
 * `flush`, the new pointer reaches the disk before the rename and the rename before the removal.
 */
export async function commitGeneration(
  stateDir: string,
  next: Generation,
  previous: Generation | null,
  flush?: FlushPath,
): Promise<void> {
  const tmp = path.join(stateDir, `state.json.${randomUUID()}`);
  await writeFile(tmp, JSON.stringify({ dir: path.basename(next.dir) }));
  await flush?.(tmp, 'file');
  await rename(tmp, path.join(stateDir, 'state.json'));
  await flush?.(stateDir, 'folder');
  if (previous) await rm(previous.dir, { recursive: true, force: true });
}

/** `from` under a new name in `to`'s folder: a hard link (files never change once written), else a copy. */
export async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}
