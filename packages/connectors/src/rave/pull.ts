import { createHash } from 'node:crypto';
import { access, rm } from 'node:fs/promises';
import path from 'node:path';
import type { RaveSourceConfig } from '@cdp/contracts';
import {
  type ColumnInfo,
  type ConvertedDataset,
  type ConvertedUpload,
  copyQuery,
  type DatasetInfo,
  duckMessage,
  FormatError,
  type OpenDuckDb,
  openDuckDb,
  quoteIdent,
  quoteLiteral,
} from '@cdp/formats';
import { ConnectorError, type PullContext, type PullOutcome } from '../types.ts';
import {
  CELL_COLUMNS,
  type ClinicalCounts,
  ClinicalDataHandler,
  CsvSink,
  RECORD_COLUMNS,
  REMOVAL_COLUMNS,
} from './clinical-data.ts';
import {
  AUDIT_COLUMNS,
  AuditHandler,
  MetadataHandler,
  type RaveSubject,
  type StudyMetadata,
  SubjectsHandler,
} from './other-handlers.ts';
import { nextLink, RwsClient } from './rws-client.ts';
import { commitGeneration, currentGeneration, type Generation, newGeneration, writeInfo } from './state.ts';
import { parseXmlResponse } from './xml-stream.ts';

/** DuckDB's budget for the merge and the Parquet files; beyond it work spills to the pull's work folder. */
const MEMORY_LIMIT = '256MB';

export function studyOid(config: RaveSourceConfig): string {
  return `${config.project}(${config.environment})`;
}

/** RWS's `start=`: UTC, seconds precision, no zone designator (as rwslib sends it). */
export function rwsTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19);
}

const enc = encodeURIComponent;

export async function pullRave(
  config: RaveSourceConfig,
  secret: string | null,
  context: PullContext,
): Promise<PullOutcome> {
  const client = new RwsClient(config, secret, { signal: context.signal, log: context.log });
  const study = studyOid(config);
  const previous = await currentGeneration(context.stateDir);
  const formsKey = config.forms ? [...config.forms].sort().join(',') : null;
  const sameSource =
    previous?.info?.project === config.project &&
    previous.info.environment === config.environment &&
    previous.info.formsKey === formsKey;
  const since = sameSource && context.lastSuccessAt ? context.lastSuccessAt : null;
  let bytes = 0;
  const onBytes = (n: number) => {
    bytes += n;
  };

  // 1. Clinical data, all forms at once or form by form, since the last successful pull.
  const work = context.workDir;
  const records = new CsvSink(path.join(work, 'rave-records.csv'));
  const cells = new CsvSink(path.join(work, 'rave-cells.csv'));
  const removals = new CsvSink(path.join(work, 'rave-removals.csv'));
  const counts: ClinicalCounts = {
    cells: 0,
    removals: 0,
    subjects: new Set(),
    forms: new Set(),
    metadataVersions: new Set(),
  };
  const counter = { seq: 0, rec: 0 };
  const targets = config.forms?.length ? config.forms.map((f) => `/${enc(f)}`) : [''];
  try {
    for (const [i, target] of targets.entries()) {
      const query = since ? `?start=${enc(rwsTimestamp(since))}` : '';
      const resource = `studies/${enc(study)}/datasets/regular${target}${query}`;
      context.progress({
        bytes,
        forms: counts.forms.size,
        subjects: counts.subjects.size,
        message: `Reading clinical data${targets.length > 1 ? ` (form ${i + 1} of ${targets.length})` : ''}${since ? ` changed since ${since.toISOString()}` : ''}`,
      });
      const handler = new ClinicalDataHandler(records, cells, removals, counter, counts);
      await parseXmlResponse(client, await client.get(resource), handler, onBytes);
    }
  } finally {
    await Promise.all([records.close(), cells.close(), removals.close()]);
  }

  // 2. Subjects with their status flags (always the whole list: it is small).
  context.progress({ bytes, subjects: counts.subjects.size, forms: counts.forms.size, message: 'Reading subjects' });
  const subjectsHandler = new SubjectsHandler();
  await parseXmlResponse(
    client,
    await client.get(`studies/${enc(study)}/subjects?status=all&include=inactiveAndDeleted`),
    subjectsHandler,
    onBytes,
  );
  const subjects = subjectsHandler.subjects;
  const subjectsHash = createHash('sha256').update(JSON.stringify(subjects)).digest('hex');

  // 3. Clinical Audit Records, page by page along the Link header, from where the last pull stopped.
  const auditSink = new CsvSink(path.join(work, 'rave-audit.csv'));
  let auditStartId = sameSource ? (previous?.info?.auditStartId ?? null) : null;
  let auditNew = 0;
  try {
    if (config.includeAudit) {
      let next: string | undefined =
        `datasets/ClinicalAuditRecords.odm?studyoid=${enc(study)}&per_page=${config.pageSize}` +
        (auditStartId ? `&startid=${auditStartId}` : '');
      let page = 0;
      while (next) {
        page++;
        context.progress({ bytes, message: `Reading audit records, page ${page}` });
        const answer = await client.get(next);
        const handler = new AuditHandler(auditSink);
        await parseXmlResponse(client, answer, handler, onBytes);
        auditNew += handler.rows;
        if (handler.maxSourceId > 0) auditStartId = Math.max(auditStartId ?? 0, handler.maxSourceId + 1);
        next = handler.rows > 0 ? nextLink(answer.response.headers.get('link')) : undefined;
      }
    }
  } finally {
    await auditSink.close();
  }

  const metadataVersion =
    config.metadataVersion ||
    [...counts.metadataVersions].sort((a, b) => Number(b) - Number(a) || b.localeCompare(a))[0] ||
    (sameSource ? previous?.info?.metadataVersion : null) ||
    null;

  if (
    since &&
    previous?.info &&
    counts.cells === 0 &&
    counts.removals === 0 &&
    auditNew === 0 &&
    subjectsHash === previous.info.subjectsHash &&
    metadataVersion === previous.info.metadataVersion
  ) {
    return { kind: 'unchanged', message: `No changes in Rave ${study} since ${since.toISOString()}.` };
  }

  // 4. Study metadata for the column labels and types (kept while the version does not change).
  let metadata: StudyMetadata | null = sameSource ? (previous?.info?.metadata ?? null) : null;
  if (metadataVersion && metadata?.version !== metadataVersion) {
    context.progress({ bytes, message: `Reading study metadata version ${metadataVersion}` });
    const handler = new MetadataHandler();
    try {
      await parseXmlResponse(
        client,
        await client.get(`metadata/studies/${enc(config.project)}/versions/${enc(metadataVersion)}`),
        handler,
        onBytes,
      );
      metadata = handler.result(metadataVersion);
    } catch (error) {
      // Metadata only gives labels and types: without it the data still loads, as text, said so.
      if (!(error instanceof ConnectorError) || (error.details.status !== 403 && error.details.status !== 404))
        throw error;
      context.log('warn', `${error.message}; columns keep their OIDs as names and are text.`);
      metadata = null;
    }
  }

  // 5. Merge into a new state generation beside the current one.
  context.progress({
    bytes,
    subjects: subjects.length,
    forms: counts.forms.size,
    message: 'Merging the changes into the study data',
  });
  const next = await newGeneration(context.stateDir, previous);
  const base = sameSource && since ? previous : null;
  let cellRows = 0;
  let auditRows = 0;
  const db = await openDuckDb({ memoryLimit: MEMORY_LIMIT, tempDirectory: path.join(work, 'rave-duckdb') });
  try {
    cellRows = await mergeCells(db, work, base, next);
    if (config.includeAudit) auditRows = await mergeAudit(db, work, base, next);
  } catch (error) {
    throw engineError(error, `merging the data of Rave ${study}`);
  } finally {
    db.close();
    await rm(path.join(work, 'rave-duckdb'), { recursive: true, force: true });
  }
  await writeInfo(next, {
    project: config.project,
    environment: config.environment,
    formsKey,
    subjects,
    subjectsHash,
    metadata,
    metadataVersion,
    auditStartId,
    auditRows,
    cellRows,
    pulledAt: new Date().toISOString(),
  });
  if (context.signal.aborted) throw new ConnectorError('The pull was cancelled while merging.');

  const formCount = await distinctForms(next);
  return {
    kind: 'datasets',
    describe: `Rave ${study}, ${subjects.length.toLocaleString('en-US')} subjects, ${formCount.length} forms${since ? `, changes since ${since.toISOString()}` : ', full pull'}`,
    produce: (out) =>
      produceDatasets(config, next, out, context.signal).catch((error) => {
        throw engineError(error, `writing the datasets of Rave ${study}`);
      }),
    commit: () => commitGeneration(context.stateDir, next, previous),
  };
}

const KEY = ['subject_key', 'event_oid', 'event_rk', 'form_oid', 'form_rk', 'ig_oid', 'ig_rk'] as const;

function csv(file: string, columns: readonly string[], types: Record<string, string> = {}): string {
  const spec = columns.map((c) => `${quoteLiteral(c)}: ${quoteLiteral(types[c] ?? 'VARCHAR')}`).join(', ');
  return `read_csv(${quoteLiteral(file)}, columns = {${spec}}, header = false, quote = '"', escape = '"', delim = ',', auto_detect = false)`;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/**
 * New state = the previous cells not replaced by a newer value of the same item of the same record,
 * plus the newest incoming value of each item, minus whatever a later removal covers (a subject,
 * an event, a form or an item group, with its repeat key) and minus removed (null) values.
 */
async function mergeCells(db: OpenDuckDb, work: string, base: Generation | null, next: Generation): Promise<number> {
  const c = db.connection;
  const key = (alias: string) => KEY.map((k) => `coalesce(${alias}.${k}, '')`);
  await c.run('SET preserve_insertion_order = false');
  await c.run(
    `CREATE TABLE incoming AS SELECT ${key('r')
      .map((e, i) => `${e} AS ${KEY[i]}`)
      .join(', ')}, r.subject_name, r.site, r.site_number, c.item_oid, c.value, c.seq,
       hash(${key('r').join(', ')}, c.item_oid) AS h
     FROM ${csv(path.join(work, 'rave-cells.csv'), CELL_COLUMNS, { rec: 'BIGINT', seq: 'BIGINT' })} c
     JOIN ${csv(path.join(work, 'rave-records.csv'), RECORD_COLUMNS, { rec: 'BIGINT' })} r USING (rec)`,
  );
  // Keep only the newest incoming value of each key. Grouping 4 million string keys does not fit
  // the memory budget; grouping their hashes does, and the (rare) repeated hashes are then
  // resolved exactly on the real keys.
  await c.run(
    `DELETE FROM incoming WHERE rowid IN (
       SELECT rowid FROM incoming WHERE h IN (SELECT h FROM incoming GROUP BY h HAVING count(*) > 1)
       QUALIFY row_number() OVER (PARTITION BY ${KEY.join(', ')}, item_oid ORDER BY seq DESC) > 1)`,
  );
  await c.run(
    `CREATE TABLE removals AS SELECT level, ${key('x')
      .map((e, i) => `${e} AS ${KEY[i]}`)
      .join(
        ', ',
      )}, seq FROM ${csv(path.join(work, 'rave-removals.csv'), REMOVAL_COLUMNS, { level: 'INTEGER', seq: 'BIGINT' })} x`,
  );
  const columns = `${KEY.join(', ')}, subject_name, site, site_number, item_oid, value`;
  const same = [...KEY, 'item_oid'].map((k) => `n.${k} = o.${k}`).join(' AND ');
  const old =
    base && (await exists(base.cells))
      ? `SELECT ${columns}, -1::BIGINT AS seq FROM read_parquet(${quoteLiteral(base.cells)}) o
         WHERE NOT EXISTS (SELECT 1 FROM incoming n WHERE ${same}) UNION ALL `
      : '';
  const result = await c.runAndReadAll(
    `COPY (
       SELECT ${columns} FROM (${old}SELECT ${columns}, seq FROM incoming) x
       WHERE x.value IS NOT NULL AND NOT EXISTS (
         SELECT 1 FROM removals r WHERE r.seq > x.seq AND r.subject_key = x.subject_key
           AND (r.level < 2 OR (r.event_oid = x.event_oid AND r.event_rk = x.event_rk))
           AND (r.level < 3 OR (r.form_oid = x.form_oid AND r.form_rk = x.form_rk))
           AND (r.level < 4 OR (r.ig_oid = x.ig_oid AND r.ig_rk = x.ig_rk)))
       ORDER BY form_oid, subject_key, event_oid, event_rk, form_rk, ig_oid, ig_rk, item_oid
     ) TO ${quoteLiteral(next.cells)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  return Number(result.getRowsJson()[0]?.[0] ?? 0);
}

async function mergeAudit(db: OpenDuckDb, work: string, base: Generation | null, next: Generation): Promise<number> {
  const incoming = `SELECT * FROM ${csv(path.join(work, 'rave-audit.csv'), AUDIT_COLUMNS)}`;
  const old =
    base && (await exists(base.audit)) ? `SELECT * FROM read_parquet(${quoteLiteral(base.audit)}) UNION ALL ` : '';
  const result = await db.connection.runAndReadAll(
    `COPY (${old}${incoming}) TO ${quoteLiteral(next.audit)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  return Number(result.getRowsJson()[0]?.[0] ?? 0);
}

async function distinctForms(generation: Generation): Promise<string[]> {
  if (!(await exists(generation.cells))) return [];
  const db = await openDuckDb({ memoryLimit: MEMORY_LIMIT });
  try {
    const rows = await db.connection.runAndReadAll(
      `SELECT DISTINCT form_oid FROM read_parquet(${quoteLiteral(generation.cells)}) ORDER BY 1`,
    );
    return rows.getRowsJson().map((r) => String(r[0]));
  } finally {
    db.close();
  }
}

const KEY_COLUMNS: { name: string; label: string; expr: string }[] = [
  { name: 'SubjectKey', label: 'Subject key', expr: 'w.subject_key' },
  { name: 'SubjectName', label: 'Subject', expr: 'coalesce(s.SubjectName, w.subject_name)' },
  { name: 'SiteOID', label: 'Site', expr: 'coalesce(s.SiteOID, w.site)' },
  { name: 'SiteNumber', label: 'Site number', expr: 'coalesce(s.SiteNumber, w.site_number)' },
  { name: 'StudyEventOID', label: 'Event', expr: "NULLIF(w.event_oid, '')" },
  { name: 'StudyEventRepeatKey', label: 'Event repeat key', expr: "NULLIF(w.event_rk, '')" },
  { name: 'FormRepeatKey', label: 'Form repeat key', expr: "NULLIF(w.form_rk, '')" },
  { name: 'ItemGroupOID', label: 'Item group', expr: "NULLIF(w.ig_oid, '')" },
  { name: 'ItemGroupRepeatKey', label: 'Item group repeat key', expr: "NULLIF(w.ig_rk, '')" },
];

interface ItemStats {
  n: number;
  int: number;
  num: number;
  date: number;
  ts: number;
}

/** The version's Parquet files: one per form, then SUBJECTS and (when pulled) AUDIT. */
export async function produceDatasets(
  config: RaveSourceConfig,
  generation: Generation,
  out: string,
  signal: AbortSignal,
): Promise<ConvertedUpload> {
  const info = generation.info;
  if (!info) throw new ConnectorError('The Rave pull has no merged state to write.');
  const study = studyOid(config);
  const source = `Rave ${study}`;
  const datasets: ConvertedDataset[] = [];
  const db = await openDuckDb({ memoryLimit: MEMORY_LIMIT, tempDirectory: path.join(out, '.rave-duckdb') });
  const c = db.connection;
  try {
    // Subjects, with their flags: forms leave out inactive and deleted subjects.
    const subjectsCsv = new CsvSink(path.join(out, '.rave-subjects.csv'));
    for (const s of info.subjects) {
      subjectsCsv.push([
        s.SubjectKey,
        s.SubjectName,
        s.SubjectKeyType,
        s.SiteOID,
        s.SiteNumber,
        s.Status,
        s.Active ? 'true' : 'false',
        s.Deleted ? 'true' : 'false',
      ]);
    }
    await subjectsCsv.close();
    const subjectColumns = [
      'SubjectKey',
      'SubjectName',
      'SubjectKeyType',
      'SiteOID',
      'SiteNumber',
      'Status',
      'Active',
      'Deleted',
    ];
    await c.run(
      `CREATE TABLE subjects AS SELECT * FROM ${csv(subjectsCsv.file, subjectColumns, { Active: 'BOOLEAN', Deleted: 'BOOLEAN' })}`,
    );
    await rm(subjectsCsv.file, { force: true });

    const hasCells = await exists(generation.cells);
    const cells = `read_parquet(${quoteLiteral(generation.cells)})`;
    const stats = new Map<string, Map<string, ItemStats>>();
    if (hasCells) {
      const rows = await c.runAndReadAll(
        `SELECT form_oid, item_oid, count(*), count(TRY_CAST(value AS BIGINT)), count(TRY_CAST(value AS DOUBLE)),
                count(CASE WHEN regexp_full_match(value, '\\d{4}-\\d{2}-\\d{2}') THEN TRY_CAST(value AS DATE) END),
                count(CASE WHEN regexp_full_match(value, '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?') THEN TRY_CAST(value AS TIMESTAMP) END)
         FROM ${cells} GROUP BY ALL ORDER BY form_oid, item_oid`,
      );
      for (const [form, item, n, int, num, date, ts] of rows.getRowsJson()) {
        const byForm = stats.get(String(form)) ?? new Map<string, ItemStats>();
        stats.set(String(form), byForm);
        byForm.set(String(item), {
          n: Number(n),
          int: Number(int),
          num: Number(num),
          date: Number(date),
          ts: Number(ts),
        });
      }
    }
    const metadata = info.metadata;
    for (const [form, items] of stats) {
      if (signal.aborted) throw new ConnectorError('The pull was cancelled while writing the datasets.');
      const formMeta = metadata?.forms[form];
      // Metadata order first (items with no data yet included), then items only the data has.
      const order = [...(formMeta?.items ?? []).filter((i) => metadata?.items[i]), ...[...items.keys()].sort()];
      const itemOids = [...new Set(order)];
      const columns: ColumnInfo[] = KEY_COLUMNS.map((k) => ({ name: k.name, label: k.label, type: 'string' as const }));
      const taken = new Set(columns.map((col) => col.name.toLowerCase()));
      const selects = KEY_COLUMNS.map((k) => `${k.expr} AS ${quoteIdent(k.name)}`);
      const aggregates: string[] = [];
      for (const [i, oid] of itemOids.entries()) {
        const meta = metadata?.items[oid];
        const stat = items.get(oid);
        const type = columnType(meta?.dataType, stat);
        let name = oid.startsWith(`${form}.`) ? oid.slice(form.length + 1) : oid;
        if (!name || taken.has(name.toLowerCase())) name = oid;
        if (taken.has(name.toLowerCase())) name = `${oid}_${i}`;
        taken.add(name.toLowerCase());
        const label = meta?.question || meta?.name || undefined;
        columns.push({ name, type, ...(label ? { label } : {}) });
        aggregates.push(`max(value) FILTER (WHERE item_oid = ${quoteLiteral(oid)}) AS i${i}`);
        const cast =
          type === 'integer'
            ? `CAST(w.i${i} AS BIGINT)`
            : type === 'number'
              ? `CAST(w.i${i} AS DOUBLE)`
              : type === 'date'
                ? `CAST(w.i${i} AS DATE)`
                : type === 'datetime'
                  ? `CAST(w.i${i} AS TIMESTAMP)`
                  : `w.i${i}`;
        selects.push(`${cast} AS ${quoteIdent(name)}`);
      }
      const query = `WITH w AS (
          SELECT subject_key, event_oid, event_rk, form_rk, ig_oid, ig_rk, any_value(subject_name) AS subject_name,
                 any_value(site) AS site, any_value(site_number) AS site_number${aggregates.map((a) => `, ${a}`).join('')}
          FROM ${cells} WHERE form_oid = ${quoteLiteral(form)}
          GROUP BY subject_key, event_oid, event_rk, form_rk, ig_oid, ig_rk)
        SELECT ${selects.join(', ')} FROM w LEFT JOIN subjects s ON s.SubjectKey = w.subject_key
        WHERE s.SubjectKey IS NULL OR (s.Active AND NOT s.Deleted)
        ORDER BY ${quoteIdent('SubjectName')}, w.subject_key, w.event_oid, w.event_rk, w.form_rk, w.ig_oid, w.ig_rk`;
      const datasetInfo: DatasetInfo = {
        name: form,
        ...(formMeta?.name ? { label: formMeta.name } : {}),
        columns,
        metadata: {
          'rave.study': study,
          'rave.form': form,
          keys: 'SubjectKey,StudyEventOID,StudyEventRepeatKey,FormRepeatKey,ItemGroupOID,ItemGroupRepeatKey',
        },
      };
      const result = await copyQuery(
        c,
        query,
        datasetInfo,
        path.join(out, `${safeFile(form)}-${datasets.length + 1}.parquet`),
        source,
      );
      datasets.push({ ...result, source, format: 'rave' });
    }

    const subjectsInfo: DatasetInfo = {
      name: 'SUBJECTS',
      label: 'Subjects (with status flags)',
      columns: subjectColumns.map((name) => ({
        name,
        type: name === 'Active' || name === 'Deleted' ? ('boolean' as const) : ('string' as const),
      })),
      metadata: { 'rave.study': study },
    };
    datasets.push({
      ...(await copyQuery(
        c,
        'SELECT * FROM subjects ORDER BY SubjectName, SubjectKey',
        subjectsInfo,
        path.join(out, `SUBJECTS-${datasets.length + 1}.parquet`),
        source,
      )),
      source,
      format: 'rave',
    });

    if (config.includeAudit && (await exists(generation.audit))) {
      const auditInfo: DatasetInfo = {
        name: 'AUDIT',
        label: 'Clinical Audit Records',
        columns: AUDIT_COLUMNS.map((name) => ({ name, type: 'string' as const })),
        metadata: { 'rave.study': study },
      };
      datasets.push({
        ...(await copyQuery(
          c,
          `SELECT * FROM read_parquet(${quoteLiteral(generation.audit)})`,
          auditInfo,
          path.join(out, `AUDIT-${datasets.length + 1}.parquet`),
          source,
        )),
        source,
        format: 'rave',
      });
    }
  } finally {
    db.close();
    await rm(path.join(out, '.rave-duckdb'), { recursive: true, force: true });
  }
  return { datasets, skipped: [] };
}

/** Typed from the metadata's DataType when every value parses as that type; text otherwise. */
function columnType(dataType: string | undefined, stat: ItemStats | undefined): ColumnInfo['type'] {
  if (!dataType) return 'string';
  const n = stat?.n ?? 0;
  switch (dataType.toLowerCase()) {
    case 'integer':
      return !stat || stat.int === n ? 'integer' : 'string';
    case 'float':
    case 'double':
      return !stat || stat.num === n ? 'number' : 'string';
    case 'date':
      return !stat || stat.date === n ? 'date' : 'string';
    case 'datetime':
      return !stat || stat.ts === n ? 'datetime' : 'string';
    default:
      return 'string';
  }
}

/** A DuckDB failure (memory, disk) as a ConnectorError in words an administrator can act on. */
function engineError(error: unknown, what: string): unknown {
  if (error instanceof ConnectorError) return error;
  if (error instanceof FormatError) return new ConnectorError(`Failed ${what}: ${error.message}`);
  if (error instanceof Error && /Error: /.test(error.message))
    return new ConnectorError(`Failed ${what}: ${duckMessage(error)}`);
  return error;
}

function safeFile(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** Kept for the subjects' type in other modules. */
export type { RaveSubject };
