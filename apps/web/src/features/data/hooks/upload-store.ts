import type { DataVersion, UploadQuery } from '@cdp/contracts';
import { useSyncExternalStore } from 'react';
import { ApiError, errorMessage } from '../../../lib/api-error.ts';
import { queryClient } from '../../../lib/query-client.ts';
import { dataKeys } from '../api/data-api.ts';
import { uploadFile } from '../api/upload-file.ts';
import { ACCEPTED_FILES, isAcceptedFile } from '../lib/accepted-files.ts';

export type UploadPhase = 'uploading' | 'converting' | 'done' | 'failed' | 'cancelled';

export interface Upload {
  id: string;
  file: File;
  /** How its CSV files are to be read (sent again as is on retry). */
  query: UploadQuery;
  phase: UploadPhase;
  /** Bytes sent so far, of `total`. */
  loaded: number;
  total: number;
  version?: DataVersion;
  error?: string;
  /** Whether sending the same file again could succeed (a lost connection, a server fault). */
  retryable?: boolean;
}

/*
 * Uploads live outside React, per study, so one keeps running (and keeps its result on screen)
 * while the user opens a dataset and comes back; several run side by side, each with its own state.
 */
const uploads = new Map<string, Upload[]>();
const controllers = new Map<string, AbortController>();
const listeners = new Set<() => void>();
const NONE: Upload[] = [];
let counter = 0;

function update(studyId: string, id: string, patch: Partial<Upload>) {
  const list = uploads.get(studyId) ?? NONE;
  uploads.set(
    studyId,
    list.map((u) => (u.id === id ? { ...u, ...patch } : u)),
  );
  for (const listener of listeners) listener();
}

function add(studyId: string, upload: Upload) {
  uploads.set(studyId, [upload, ...(uploads.get(studyId) ?? NONE)]);
  for (const listener of listeners) listener();
}

function remove(studyId: string, id: string) {
  uploads.set(
    studyId,
    (uploads.get(studyId) ?? NONE).filter((u) => u.id !== id),
  );
  for (const listener of listeners) listener();
}

async function run(studyId: string, id: string, file: File, query: UploadQuery) {
  const controller = new AbortController();
  controllers.set(id, controller);
  try {
    const { data: version } = await uploadFile(studyId, file, query, {
      signal: controller.signal,
      onProgress: (loaded, total) => update(studyId, id, { loaded, total: total || file.size }),
      onSent: () => update(studyId, id, { phase: 'converting', loaded: file.size }),
    });
    update(studyId, id, { phase: 'done', version });
    await queryClient.invalidateQueries({ queryKey: dataKeys.versions(studyId) });
    await queryClient.invalidateQueries({ queryKey: ['audit'] });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') {
      update(studyId, id, { phase: 'cancelled', retryable: true });
    } else {
      // A file the server could not read fails the same way again; a dropped connection may not.
      const retryable = !(error instanceof ApiError) || error.status === 0 || error.status >= 500;
      update(studyId, id, { phase: 'failed', error: errorMessage(error), retryable });
    }
  } finally {
    controllers.delete(id);
  }
}

export function startUpload(studyId: string, file: File, query: UploadQuery = {}) {
  counter += 1;
  const id = `upload-${counter}`;
  const upload: Upload = { id, file, query, phase: 'uploading', loaded: 0, total: file.size };
  if (!isAcceptedFile(file.name)) {
    const list = ACCEPTED_FILES.map((f) => f.extension).join(', ');
    add(studyId, {
      ...upload,
      phase: 'failed',
      error: `${file.name}: this type of file cannot be loaded. Use ${list}.`,
    });
    return;
  }
  add(studyId, upload);
  void run(studyId, id, file, query);
}

export function retryUpload(studyId: string, upload: Upload) {
  remove(studyId, upload.id);
  startUpload(studyId, upload.file, upload.query);
}

export function cancelUpload(id: string) {
  controllers.get(id)?.abort();
}

export function dismissUpload(studyId: string, id: string) {
  remove(studyId, id);
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** The study's uploads of this browser tab, newest first. */
export function useUploads(studyId: string): Upload[] {
  return useSyncExternalStore(subscribe, () => uploads.get(studyId) ?? NONE);
}
