import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type DatasetReader, readXpt, writeXpt } from '@cdp/formats';
import { buildZip } from '@cdp/formats/testing';
import { expect } from 'vitest';
import { datasetFile } from '../src/lib/study-folders.ts';
import type { Session } from './harness.ts';
import { multipartFile } from './harness.ts';
import { PILOT_SDTM, type PilotStudy, pilotStudy } from './pilot-study.ts';
import { parquetSql } from './stored-datasets.ts';

/**
 * Review-status tests (the dataset viewer's and the subject listing's `review` filters): a study of
 * the file's own holding some of the pilot SDTM as version 1, where the file marks records, then a
 * version 2 of the same files with one cell of one record changed, which is activated. Expected
 * answers come from plain DuckDB SQL over the stored Parquet files of either version and the marks
 * as PostgreSQL holds them.
 */
export interface AmendedPilot extends PilotStudy {
  /** Version 1: the pilot's `files` as uploaded. */
  v1: string;
  /** A study manager of another organization (for the 404s). */
  other: Session;
  /** Plain DuckDB SQL (no views: queries name `read_parquet(…)` of `fileOf`). */
  sql(query: string): Promise<unknown[][]>;
  /** The stored Parquet file of `dataset` (any case) in a version of the study. */
  fileOf(versionId: string, dataset: string): Promise<string>;
  /**
   * Uploads the same pilot files again with `column` set to `value` in the records of `dataset`
   * whose `key` columns hold the key's values (all else as read), activates that version and
   * returns its id.
   */
  amend(change: Amendment): Promise<string>;
  close(): Promise<void>;
}

export interface Amendment {
  dataset: string;
  key: Record<string, string | number>;
  column: string;
  value: string;
  /** The activation's reason. */
  reason: string;
}

/** The pilot's `files` (XPT names) in a new study of the file's own, as version 1. */
export async function amendedPilot(files: string[]): Promise<AmendedPilot> {
  const pilot = await pilotStudy({ own: true, files });
  const { t, studyId, manager } = pilot;
  const other = await (await t.tenant()).as('study_manager');
  const { rows } = await t.admin.query('select id from data_versions where study_id = $1', [studyId]);
  expect(rows).toHaveLength(1);
  const duck = await parquetSql({}, []);
  return {
    ...pilot,
    v1: rows[0].id as string,
    other,
    sql: duck.sql,
    async fileOf(versionId, dataset) {
      const found = await t.admin.query(
        `select d.file, d.org_id as "orgId", d.study_id as "studyId", v.label
           from datasets d join data_versions v on v.id = d.version_id
          where d.version_id = $1 and upper(d.name) = upper($2)`,
        [versionId, dataset],
      );
      const row = found.rows[0];
      if (!row) throw new Error(`version ${versionId} has no dataset ${dataset}`);
      return datasetFile(t.ctx.config.dataDir, row, row.label);
    },
    async amend(change) {
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'cdp-amended-pilot-'));
      try {
        const entries = await Promise.all(
          files.map(async (name) => {
            const original = path.join(PILOT_SDTM, name);
            if (name.toLowerCase() !== `${change.dataset.toLowerCase()}.xpt`) {
              return { name, data: await readFile(original) };
            }
            const amended = path.join(tmp, name);
            await writeXpt(amended, withCell(original, change));
            return { name, data: await readFile(amended) };
          }),
        );
        const uploaded = await t.request(manager, {
          method: 'POST',
          url: `/api/studies/${studyId}/uploads`,
          ...multipartFile('pilot.zip', buildZip(entries)),
        });
        expect(uploaded.statusCode, uploaded.body).toBe(201);
        const versionId = uploaded.json().data.id as string;
        const activated = await t.request(manager, {
          method: 'POST',
          url: `/api/studies/${studyId}/versions/${versionId}/activate`,
          payload: { reason: change.reason },
        });
        expect(activated.statusCode, activated.body).toBe(200);
        return versionId;
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    },
    async close() {
      duck.close();
      await t.close();
    },
  };
}

/** The XPT file's datasets with `column` replaced in the rows matching `key` (everything else as read). */
async function* withCell(file: string, change: Amendment): AsyncGenerator<DatasetReader> {
  for await (const dataset of readXpt(file)) {
    const index = (name: string) => {
      const found = dataset.info.columns.findIndex((c) => c.name.toUpperCase() === name.toUpperCase());
      if (found < 0) throw new Error(`${path.basename(file)} has no column ${name}`);
      return found;
    };
    const keys = Object.entries(change.key).map(([name, value]) => ({ at: index(name), value }));
    const target = index(change.column);
    yield {
      info: dataset.info,
      async *batches() {
        for await (const batch of dataset.batches()) {
          const cells = batch.columns[target] as (string | null)[];
          for (let i = 0; i < batch.length; i += 1) {
            if (keys.every((k) => (batch.columns[k.at] as ArrayLike<unknown>)[i] === k.value)) cells[i] = change.value;
          }
          yield batch;
        }
      },
    };
  }
}
