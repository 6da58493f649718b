import { createHash } from 'node:crypto';
import { access, readFile, rm, writeFile } from 'node:fs/promises';
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
  type ClinicalCounts,
  CsvSink,
  KEY,
  RECORD_COLUMNS,
  REMOVAL_COLUMNS,
  type StagedForm,
} from './clinical-data.ts';
import {
  copyFormDataset,
  type FormGroup,
  type FormRows,
  formDatasetWriter,
  PARQUET_OPTIONS,
  type SortKey,
  spliceFormDataset,
  subjectList,
  writeFormDataset,
} from './form-dataset.ts';
import {
  AUDIT_COLUMNS,
  AuditHandler,
  MetadataHandler,
  type RaveSubject,
  type StudyMetadata,
  SubjectsHandler,
} from './other-handlers.ts';
import { parseClinicalResponse } from './parse-clinical.ts';
import { nextLink, RwsClient } from './rws-client.ts';
import {
  commitGeneration,
  currentGeneration,
  type FormState,
  flushGeneration,
  type Generation,
  linkOrCopy,
  newGeneration,
  type StatePart,
  stateFiles,
  statePartsLimit,
  stateRows,
  writeInfo,
} from './state.ts';
import { parseXmlResponse } from './xml-stream.ts';

/**
 * DuckDB's budget for the merge and the Parquet files; beyond it work spills to the pull's work
 * folder. An incremental pull's statements are many and small (a few forms, files of ~10,000
 * rows), and run on one DuckDB thread: measured on the busy 2-core machine (load ~18), the bench's
 * incremental pull took 9.6 and 12.8 s with one thread against 22 s with two (threads waiting
 * on each other cost more than they share out).
 */
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
    previous?.info?.forms !== undefined &&
    previous.info.project === config.project &&
    previous.info.environment === config.environment &&
    previous.info.formsKey === formsKey;
  const since = sameSource && context.lastSuccessAt ? context.lastSuccessAt : null;
  let bytes = 0;
  const onBytes = (n: number) => {
    bytes += n;
  };

  // 1. Clinical data, all forms at once or form by form, since the last successful pull: staging
  // CSVs per form and parsing lane (see parse-clinical.ts), a line per record with its items side
  // by side.
  const work = context.workDir;
  const stages = new Map<string, StagedForm>();
  const removalFiles: string[] = [];
  const counts: ClinicalCounts = {
    cells: 0,
    removals: 0,
    subjects: new Set(),
    forms: new Set(),
    metadataVersions: new Set(),
  };
  const counter = { lane: 0, piece: 0 };
  let threads = 0;
  const parseDetails: string[] = [];
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  // Wall time since the pull started, and the CPU time of the whole process (every thread) meanwhile.
  const seconds = () => `${((performance.now() - started) / 1_000).toFixed(1)} s (CPU ${cpuSince(cpuAtStart)} s)`;
  const targets = config.forms?.length ? config.forms.map((f) => `/${enc(f)}`) : [''];
  for (const [i, target] of targets.entries()) {
    const query = since ? `?start=${enc(rwsTimestamp(since))}` : '';
    const resource = `studies/${enc(study)}/datasets/regular${target}${query}`;
    context.progress({
      bytes,
      forms: counts.forms.size,
      subjects: counts.subjects.size,
      message: `Reading clinical data${targets.length > 1 ? ` (form ${i + 1} of ${targets.length})` : ''}${since ? ` changed since ${since.toISOString()}` : ''}`,
    });
    const parsed = await parseClinicalResponse(client, await client.get(resource), work, counter, onBytes);
    threads = Math.max(threads, parsed.threads);
    if (parsed.threads > 1) parseDetails.push(parsed.detail);
    for (const lane of parsed.lanes) {
      removalFiles.push(lane.removalsFile);
      counts.cells += lane.cells;
      counts.removals += lane.removals;
      for (const s of lane.subjects) counts.subjects.add(s);
      for (const f of lane.forms) counts.forms.add(f);
      for (const v of lane.metadataVersions) counts.metadataVersions.add(v);
      for (const part of lane.stages) {
        let stage = stages.get(part.form);
        if (!stage) {
          stage = { form: part.form, items: [], parts: [], repeated: false };
          stages.set(part.form, stage);
        }
        stage.parts.push({ file: part.file, items: part.items });
        for (const item of part.items) if (!stage.items.includes(item)) stage.items.push(item);
        // A subject in two blocks (of any lanes) may have sent a record twice.
        stage.repeated ||= part.repeated || parsed.repeatedSubject;
      }
    }
  }

  context.log(
    'info',
    `Read ${bytes.toLocaleString('en-US')} bytes of clinical data (${counts.cells.toLocaleString('en-US')} values, ${counts.removals} removals) in ${seconds()} on ${threads} thread${threads === 1 ? '' : 's'}${parseDetails.length > 0 ? ` (${parseDetails.join(' | ')})` : ''}`,
  );

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
        next = handler.rows > 0 ? nextLink(answer.header('link')) : undefined;
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
  let forms: Record<string, FormState> = {};
  const touched = new Set<string>();
  const formSubjects = new Map<string, Set<string>>();
  let auditRows = 0;
  const db = await openDuckDb({
    memoryLimit: MEMORY_LIMIT,
    tempDirectory: path.join(work, 'rave-duckdb'),
    ...(base ? { threads: 1 } : {}),
  });
  try {
    forms = await mergeForms(db, removalFiles, stages, base, next, touched, formSubjects);
    if (config.includeAudit) auditRows = await mergeAudit(db, work, base, next);
  } catch (error) {
    throw engineError(error, `merging the data of Rave ${study}`);
  } finally {
    db.close();
    await rm(path.join(work, 'rave-duckdb'), { recursive: true, force: true });
  }
  context.log('info', `Merged ${touched.size} of ${Object.keys(forms).length} forms by ${seconds()}`);
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
    forms,
    pulledAt: new Date().toISOString(),
  });
  if (context.signal.aborted) throw new ConnectorError('The pull was cancelled while merging.');

  const formCount = Object.keys(forms).length;
  return {
    kind: 'datasets',
    describe: `Rave ${study}, ${subjects.length.toLocaleString('en-US')} subjects, ${formCount} forms${since ? `, changes since ${since.toISOString()}` : ', full pull'}`,
    produce: async (out) => {
      const upload = await produceDatasets(
        config,
        next,
        out,
        context.signal,
        { previous: base, touched, subjects: counts.subjects, formSubjects },
        context.log,
      ).catch((error) => {
        throw engineError(error, `writing the datasets of Rave ${study}`);
      });
      // The version's row commits after this returns: the state it was made from is on disk first.
      if (context.flush) await flushGeneration(context.stateDir, next, context.flush);
      return upload;
    },
    commit: () => commitGeneration(context.stateDir, next, previous, context.flush),
  };
}

function csv(file: string | string[], columns: readonly string[], types: Record<string, string> = {}): string {
  const spec = columns.map((c) => `${quoteLiteral(c)}: ${quoteLiteral(types[c] ?? 'VARCHAR')}`).join(', ');
  const files = typeof file === 'string' ? quoteLiteral(file) : `[${file.map(quoteLiteral).join(', ')}]`;
  return `read_csv(${files}, columns = {${spec}}, header = false, quote = '"', escape = '"', delim = ',', auto_detect = false, null_padding = true)`;
}

/**
 * A form's staged records as one relation, whichever lanes staged them: `seq`, the keys (never
 * null), the subject's details, then per item of `stage.items` its value `i<n>` and, with
 * `presence`, whether the record carried it (`p<n>`). Each lane's CSV has its own item order.
 */
function staged(stage: StagedForm, presence: boolean): string {
  const parts = stage.parts.map((part) => {
    const local = new Map(part.items.map((item, l) => [item, l]));
    const values = stage.items.map((item, g) => {
      const l = local.get(item);
      const value = l === undefined ? 'NULL::VARCHAR' : `i${l}`;
      const present = l === undefined ? 'false' : `coalesce(substr(present, ${l + 1}, 1) = '1', false)`;
      return presence ? `${present} AS p${g}, ${value} AS i${g}` : `${value} AS i${g}`;
    });
    const columns = [...RECORD_COLUMNS, ...part.items.map((_, l) => `i${l}`)];
    const select = ['seq', ...KEY.map((k) => `coalesce(${k}, '') AS ${k}`), 'subject_name', 'site', 'site_number'];
    return `SELECT ${[...select, ...values].join(', ')}
            FROM ${csv(part.file, columns, { seq: 'BIGINT' })}`;
  });
  return `(${parts.join(' UNION ALL ')})`;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

const keyList = (alias: string) => KEY.map((k) => `${alias}.${k}`).join(', ');

/** A removal `r` (later than the record) covers record `x` of `form`: same subject, and event, form, group as deep as it goes. */
function covers(form: string): string {
  return `r.seq > x.seq AND r.subject_key = x.subject_key
    AND (r.level < 2 OR (r.event_oid = x.event_oid AND r.event_rk = x.event_rk))
    AND (r.level < 3 OR (r.form_oid = ${quoteLiteral(form)} AND r.form_rk = x.form_rk))
    AND (r.level < 4 OR (r.ig_oid = x.ig_oid AND r.ig_rk = x.ig_rk))`;
}

/**
 * How an incremental merge treats the previous records of subjects the pull brought nothing for:
 * copied as they are (the default), or joined with the incoming records like the others (the
 * plain path, which tests compare with).
 */
export const mergeSettings = { passUnchanged: true };

/**
 * Merges each form touched by this pull (records came for it, or a removal reaches it) into a new
 * per-form state file: the previous records not covered by a later removal, joined with the
 * incoming ones (several incoming copies of a record combined item by item, the latest carried
 * value winning); an item the incoming record carries replaces the old value (a cleared item
 * becomes null), the others keep it. Records left with no value are dropped. Untouched forms'
 * files are hard-linked from the previous generation: an incremental pull costs the forms it
 * changes, not the study.
 */
async function mergeForms(
  db: OpenDuckDb,
  removalFiles: string[],
  stages: Map<string, StagedForm>,
  base: Generation | null,
  next: Generation,
  touched: Set<string>,
  formSubjects: Map<string, Set<string>>,
): Promise<Record<string, FormState>> {
  const c = db.connection;
  await c.run('SET preserve_insertion_order = false');
  await c.run(
    `CREATE TABLE removals AS SELECT level, ${REMOVAL_COLUMNS.slice(1, -1)
      .map((k) => `coalesce(${k}, '') AS ${k}`)
      .join(', ')}, seq FROM ${csv(removalFiles, REMOVAL_COLUMNS, { level: 'INTEGER', seq: 'BIGINT' })}`,
  );
  const reach = (await c.runAndReadAll('SELECT DISTINCT CASE WHEN level >= 3 THEN form_oid END FROM removals'))
    .getRowsJson()
    .map((row) => row[0]);
  const everyForm = reach.includes(null);
  const baseForms = base?.info?.forms ?? {};
  const names = [...new Set([...Object.keys(baseForms), ...stages.keys()])].sort();
  const result: Record<string, FormState> = {};
  const merged: (FormState | undefined)[] = new Array(names.length);
  await eachOnConnections(db, names, async (form, n, c) => {
    const old = baseForms[form];
    const stage = stages.get(form);
    const file = `form-${n + 1}.parquet`;
    const target = path.join(next.dir, file);
    if (base && old && !stage && !everyForm && !reach.includes(form)) {
      merged[n] = await linkState(base.dir, old, next.dir, n);
      return;
    }
    touched.add(form);
    const items = [...(old?.items ?? [])];
    for (const item of stage?.items ?? []) if (!items.includes(item)) items.push(item);
    if (stage && !old && stage.items.length > 0 && !stage.repeated && !everyForm && !reach.includes(form)) {
      // A new form (a full pull) whose records each came once and that nothing removes: the
      // state is the staged lines as they are (an item not carried is empty, as a cleared one).
      const valueColumns = stage.items.map((_, i) => `i${i}`);
      const written = await c.runAndReadAll(
        `COPY (SELECT ${KEY.join(', ')}, subject_name, site, site_number, ${valueColumns.map((v, i) => `${v} AS v${i}`).join(', ')}
               FROM ${staged(stage, false)}
               WHERE ${valueColumns.length > 1 ? `coalesce(${valueColumns.join(', ')})` : valueColumns[0]} IS NOT NULL)
         TO ${quoteLiteral(target)} (${PARQUET_OPTIONS})`,
      );
      const rows = Number(written.getRowsJson()[0]?.[0] ?? 0);
      if (rows > 0) merged[n] = { file, items, rows };
      else await rm(target, { force: true });
      return;
    }
    await c.run(
      `CREATE OR REPLACE TEMP TABLE rf AS SELECT * FROM removals WHERE level < 3 OR form_oid = ${quoteLiteral(form)}`,
    );
    const parts: string[] = [];
    if (stage) {
      const width = stage.items.length;
      await c.run(
        `CREATE OR REPLACE TEMP TABLE comb AS
         SELECT ${keyList('x')}, last(subject_name ORDER BY seq) AS subject_name, last(site ORDER BY seq) AS site,
                last(site_number ORDER BY seq) AS site_number${Array.from(
                  { length: width },
                  (_, i) => `, bool_or(p${i}) AS p${i}, last(i${i} ORDER BY seq) FILTER (WHERE p${i}) AS i${i}`,
                ).join('')}
         FROM ${staged(stage, true)} x
         WHERE NOT EXISTS (SELECT 1 FROM rf r WHERE ${covers(form)})
         GROUP BY ${keyList('x')}`,
      );
      parts.push('comb');
    }
    if (base) {
      // The subjects this pull changes in this form: their rows are what its dataset rewrites.
      await c.run(
        `CREATE OR REPLACE TEMP TABLE changed AS
         SELECT DISTINCT subject_key FROM rf${stage ? ' UNION SELECT subject_key FROM comb' : ''}`,
      );
      const found = await c.runAndReadAll('SELECT subject_key FROM changed');
      formSubjects.set(form, new Set(found.getRowsJson().map((row) => String(row[0]))));
    }
    const oldState = old && base ? stateRows(base.dir, old) : '';
    // A previous record of a subject with no incoming record or removal (a removal or record names
    // its subject) comes out as it is: only the changed subjects' rows go through the join below.
    const passUnchanged = oldState !== '' && mergeSettings.passUnchanged;
    const oldRows = oldState
      ? `(SELECT * FROM ${oldState} x
            WHERE ${passUnchanged ? 'x.subject_key IN (SELECT subject_key FROM changed) AND ' : ''}NOT EXISTS (SELECT 1 FROM rf r WHERE ${covers(form).replace('r.seq > x.seq', 'r.seq >= 0')}))`
      : '';
    const incomingIndex = new Map(stage?.items.map((item, i) => [item, i]));
    const oldIndex = new Map(old?.items.map((item, i) => [item, i]));
    const value = (item: string) => {
      const i = incomingIndex.get(item);
      const o = oldIndex.get(item);
      const fromOld = o !== undefined && oldRows ? `o.v${o}` : 'NULL::VARCHAR';
      return i === undefined ? fromOld : `CASE WHEN n.p${i} THEN n.i${i} ELSE ${fromOld} END`;
    };
    let from: string;
    let keys: string;
    let details: string;
    if (stage && oldRows) {
      from = `${oldRows} o FULL OUTER JOIN comb n ON ${KEY.map((k) => `n.${k} = o.${k}`).join(' AND ')}`;
      keys = KEY.map((k) => `coalesce(n.${k}, o.${k}) AS ${k}`).join(', ');
      details = ['subject_name', 'site', 'site_number'].map((k) => `coalesce(n.${k}, o.${k}) AS ${k}`).join(', ');
    } else if (stage) {
      from = 'comb n';
      keys = keyList('n');
      details = 'n.subject_name, n.site, n.site_number';
    } else {
      from = `${oldRows} o`;
      keys = keyList('o');
      details = 'o.subject_name, o.site, o.site_number';
    }
    const values = items.map((item, j) => `${value(item)} AS v${j}`).join(', ');
    const anyValue = items.length > 1 ? `coalesce(${items.map((_, j) => `m.v${j}`).join(', ')})` : 'm.v0';
    // The old items keep their positions (new ones come after).
    const unchanged = passUnchanged
      ? `UNION ALL SELECT ${KEY.join(', ')}, subject_name, site, site_number, ${items
          .map((_, j) => (j < (old?.items.length ?? 0) ? `v${j}` : `NULL::VARCHAR AS v${j}`))
          .join(', ')}
         FROM ${oldState} u WHERE subject_key NOT IN (SELECT subject_key FROM changed)
           AND ${(old?.items.length ?? 0) > 1 ? `coalesce(${(old?.items ?? []).map((_, j) => `v${j}`).join(', ')})` : 'v0'} IS NOT NULL`
      : '';
    const changedRows = `SELECT * FROM (SELECT ${keys}, ${details}, ${values} FROM ${from}) m WHERE ${anyValue} IS NOT NULL`;
    // Few subjects changed and no new item: their records become a part beside the previous
    // files (hard-linked), not the whole state again (see FormState.parts).
    if (base && old && passUnchanged && items.length === old.items.length) {
      const parts = old.parts ?? [];
      const partRows = parts.reduce((sum, part) => sum + part.rows, 0);
      const before = await c.runAndReadAll(
        `SELECT count(*) FROM ${oldState} x WHERE x.subject_key IN (SELECT subject_key FROM changed)`,
      );
      const leaving = Number(before.getRowsJson()[0]?.[0] ?? 0);
      if (parts.length < statePartsLimit.count && partRows + leaving <= statePartsLimit.share * old.rows) {
        const kept = await linkState(base.dir, old, next.dir, n);
        const partFile = `form-${n + 1}.${parts.length + 1}.parquet`;
        const written = await c.runAndReadAll(
          `COPY (${changedRows}) TO ${quoteLiteral(path.join(next.dir, partFile))} (${PARQUET_OPTIONS})`,
        );
        const added = Number(written.getRowsJson()[0]?.[0] ?? 0);
        const subjects = [...(formSubjects.get(form) ?? [])].sort();
        const rows = old.rows - leaving + added;
        if (rows > 0) {
          merged[n] = { ...kept, rows, parts: [...(kept.parts ?? []), { file: partFile, subjects, rows: added }] };
        } else {
          for (const f of [...stateFiles(kept), partFile]) await rm(path.join(next.dir, f), { force: true });
        }
        return;
      }
    }
    // Unsorted, as a new form's state is: nothing reads a state file in its order (a form dataset
    // sorts its rows), and the sort cost ~13 ms of CPU per bench form.
    const written = await c.runAndReadAll(
      `COPY (${changedRows}
             ${unchanged})
       TO ${quoteLiteral(target)} (${PARQUET_OPTIONS})`,
    );
    const rows = Number(written.getRowsJson()[0]?.[0] ?? 0);
    if (rows > 0) merged[n] = { file, items, rows };
    else await rm(target, { force: true });
  });
  for (const [n, form] of names.entries()) {
    const state = merged[n];
    if (state) result[form] = state;
  }
  return result;
}

/** A form's state files hard-linked into the generation `to` under the names of its `n`th form. */
async function linkState(from: string, state: FormState, to: string, n: number): Promise<FormState> {
  const file = `form-${n + 1}.parquet`;
  await linkOrCopy(path.join(from, state.file), path.join(to, file));
  if (!state.parts?.length) return { ...state, file };
  const parts: StatePart[] = [];
  for (const [k, part] of state.parts.entries()) {
    const name = `form-${n + 1}.${k + 1}.parquet`;
    await linkOrCopy(path.join(from, part.file), path.join(to, name));
    parts.push({ ...part, file: name });
  }
  return { ...state, file, parts };
}

async function mergeAudit(db: OpenDuckDb, work: string, base: Generation | null, next: Generation): Promise<number> {
  const incoming = `SELECT * FROM ${csv(path.join(work, 'rave-audit.csv'), AUDIT_COLUMNS)}`;
  const old =
    base && (await exists(base.audit)) ? `SELECT * FROM read_parquet(${quoteLiteral(base.audit)}) UNION ALL ` : '';
  const result = await db.connection.runAndReadAll(
    `COPY (${old}${incoming}) TO ${quoteLiteral(next.audit)} (${PARQUET_OPTIONS})`,
  );
  return Number(result.getRowsJson()[0]?.[0] ?? 0);
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

/** The form datasets a generation's pull wrote, for the next pull to reuse. */
interface Outputs {
  fingerprint: string;
  /** The metadata the datasets were typed and labelled with (absent in outputs written before it). */
  metadataKey?: string;
  forms: Record<
    string,
    {
      stored: string;
      result: Omit<ConvertedDataset, 'file' | 'source' | 'format'>;
      info?: DatasetInfo;
      /** The file's row groups and their subjects (absent in outputs written before splicing). */
      groups?: FormGroup[];
    }
  >;
}

const included = (s: RaveSubject | undefined) => s === undefined || (s.Active && !s.Deleted);

/**
 * The subjects whose entry changed between two subject lists (added, gone, renamed, moved, status),
 * and of those the ones that only leave the form datasets (included before, inactive or deleted
 * now): their rows can be dropped from a previous dataset as it is.
 */
export function subjectChanges(
  before: RaveSubject[],
  after: RaveSubject[],
): { changed: Set<string>; leaving: Set<string> } {
  const old = new Map(before.map((s) => [s.SubjectKey, s]));
  const now = new Map(after.map((s) => [s.SubjectKey, s]));
  const changed = new Set<string>();
  const leaving = new Set<string>();
  for (const key of new Set([...old.keys(), ...now.keys()])) {
    const [b, a] = [old.get(key), now.get(key)];
    if (JSON.stringify(b) === JSON.stringify(a)) continue;
    // Only the status moved: the rows' names and sites (from the list) are what they were.
    const sameDetails =
      b !== undefined &&
      a !== undefined &&
      b.SubjectName === a.SubjectName &&
      b.SiteOID === a.SiteOID &&
      b.SiteNumber === a.SiteNumber;
    if (sameDetails && !included(b) && !included(a)) continue; // left out before and after
    changed.add(key);
    if (sameDetails && included(b) && !included(a)) leaving.add(key);
  }
  return { changed, leaving };
}

async function readOutputs(generation: Generation): Promise<Outputs | null> {
  try {
    return JSON.parse(await readFile(path.join(generation.dir, 'outputs.json'), 'utf8')) as Outputs;
  } catch {
    return null;
  }
}

/** An item's values in the state, and how many of them parse as its metadata's DataType. */
interface ItemStats {
  n: number;
  parsed: number;
}

/** The version's Parquet files: one per form, then SUBJECTS and (when pulled) AUDIT. */
export async function produceDatasets(
  config: RaveSourceConfig,
  generation: Generation,
  out: string,
  signal: AbortSignal,
  reuse: {
    previous: Generation | null;
    touched: Set<string>;
    /** The subjects the pull brought data or removals for, and per form it merged, those it changed there. */
    subjects?: Set<string>;
    formSubjects?: Map<string, Set<string>>;
  } = {
    previous: null,
    touched: new Set(),
  },
  log: PullContext['log'] = () => undefined,
): Promise<ConvertedUpload> {
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const tally = { kept: 0, filtered: 0, spliced: 0, copiedGroups: 0, newGroups: 0, written: 0 };
  const info = generation.info;
  if (!info) throw new ConnectorError('The Rave pull has no merged state to write.');
  const study = studyOid(config);
  const source = `Rave ${study}`;
  const datasets: ConvertedDataset[] = [];
  const db = await openDuckDb({
    memoryLimit: MEMORY_LIMIT,
    tempDirectory: path.join(out, '.rave-duckdb'),
    ...(reuse.previous ? { threads: 1 } : {}),
  });
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

    // A form's dataset depends on its records, the subjects (names, sites, who is left out) and
    // the metadata: when none of them changed, the previous version's file is reused as it is.
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([info.subjectsHash, info.metadataVersion, info.metadata !== null]))
      .digest('hex');
    const metadataKey = JSON.stringify([info.metadataVersion, info.metadata !== null]);
    const earlier = reuse.previous ? await readOutputs(reuse.previous) : null;
    const outputs: Outputs = { fingerprint, metadataKey, forms: {} };
    const metadata = info.metadata;
    // When only the subject list changed, an untouched form's dataset changes only if it holds a
    // changed subject (one query over the untouched forms' state files says which do); one that
    // does is spliced: the row groups of its changed subjects are written again, the others copied.
    const previousInfo = reuse.previous?.info;
    const changes = previousInfo?.subjects ? subjectChanges(previousInfo.subjects, info.subjects) : null;
    let holders = new Map<string, string[]>();
    const subjectsOnly =
      earlier !== null &&
      changes !== null &&
      earlier.fingerprint !== fingerprint &&
      earlier.metadataKey === metadataKey;
    if (subjectsOnly && changes) {
      const untouched = Object.entries(info.forms ?? {}).filter(
        ([form]) => !reuse.touched.has(form) && earlier.forms[form],
      );
      if (untouched.length > 0 && changes.changed.size > 0) {
        // Every file of each state, parts too: a subject a later part emptied still counts as held
        // (its form is then copied without the subject, which gives what keeping it would).
        const byFile = new Map(
          untouched.flatMap(([form, state]) =>
            stateFiles(state).map((file) => [path.join(generation.dir, file), form]),
          ),
        );
        const files = [...byFile.keys()].map(quoteLiteral);
        const found = await c.runAndReadAll(
          `SELECT DISTINCT filename, subject_key FROM read_parquet([${files.join(', ')}], filename = true)
           WHERE subject_key IN ${subjectList([...changes.changed])}`,
        );
        holders = new Map(untouched.map(([form]) => [form, []]));
        for (const [file, subject] of found.getRowsJson() as string[][]) {
          holders.get(byFile.get(file ?? '') ?? '')?.push(subject ?? '');
        }
      }
    }
    // A listed subject's place in a form dataset, as its rows sort (SubjectName from the list; an
    // empty name is NULL there and the rows' own name is used: unknown here), null when left out.
    const listed = new Map(info.subjects.map((subject) => [subject.SubjectKey, subject]));
    const keyOf = (key: string): SortKey | null | undefined => {
      const subject = listed.get(key);
      if (!subject) return undefined;
      if (!included(subject)) return null;
      return subject.SubjectName ? [subject.SubjectName, key] : undefined;
    };
    const formEntries = Object.entries(info.forms ?? {});
    const formDatasets: ConvertedDataset[] = new Array(formEntries.length);
    await eachOnConnections(db, formEntries, async ([form, state], index, c) => {
      if (signal.aborted) throw new ConnectorError('The pull was cancelled while writing the datasets.');
      const outFile = path.join(out, `${safeFile(form)}-${index + 1}.parquet`);
      const untouched = !reuse.touched.has(form);
      const held = holders.get(form);
      const kept =
        untouched && (earlier?.fingerprint === fingerprint || (held !== undefined && held.length === 0))
          ? earlier?.forms[form]
          : undefined;
      if (kept && reuse.previous) {
        await linkOrCopy(path.join(reuse.previous.dir, kept.stored), outFile);
        formDatasets[index] = { ...kept.result, file: outFile, source, format: 'rave' };
        await linkOrCopy(outFile, path.join(generation.dir, kept.stored));
        outputs.forms[form] = kept;
        tally.kept++;
        return;
      }
      const previousOutput = earlier?.forms[form];
      // Only subjects that leave the datasets (inactivated or deleted, nothing else about them
      // changed) have rows in this untouched form: its previous file without their rows is what
      // writing it again gives (same state, same types, the others' rows and order as they were).
      if (
        untouched &&
        reuse.previous &&
        previousOutput?.info &&
        earlier?.metadataKey === metadataKey &&
        held !== undefined &&
        held.length > 0 &&
        held.every((subject) => changes?.leaving.has(subject)) &&
        formDatasetWriter.value === 'duckdb'
      ) {
        const from = quoteLiteral(path.join(reuse.previous.dir, previousOutput.stored));
        const filtered = await copyFormDataset(
          c,
          { typed: () => `SELECT * FROM read_parquet(${from}) WHERE SubjectKey NOT IN ${subjectList(held)}` },
          previousOutput.info,
          outFile,
        );
        formDatasets[index] = { ...filtered.result, source, format: 'rave' };
        await linkOrCopy(outFile, path.join(generation.dir, previousOutput.stored));
        const { file: _file, ...rest } = filtered.result;
        outputs.forms[form] = { stored: previousOutput.stored, result: rest, info: previousOutput.info };
        tally.filtered++;
        return;
      }
      // The types come from the whole state (every subject, active or not): a form the pull did not
      // touch has the state it had, so its previous types stand without counting again.
      const sameState = untouched && earlier?.metadataKey === metadataKey && previousOutput?.info !== undefined;
      const shape = formShape(form, state, metadata);
      const stats = sameState ? null : await itemStats(c, generation, state, metadata);
      const previousTypes = new Map(previousOutput?.info?.columns.map((col) => [col.name, col.type]));
      const columns: ColumnInfo[] = shape.columns
        .map((col) => ({
          ...col,
          type:
            col.oid === undefined
              ? 'string'
              : stats
                ? columnType(metadata?.items[col.oid]?.dataType, stats.get(col.oid))
                : (previousTypes.get(col.name) ?? 'string'),
        }))
        .map(({ oid: _oid, expr: _expr, ...col }) => col);
      const datasetInfo: DatasetInfo = {
        name: form,
        ...(shape.label ? { label: shape.label } : {}),
        columns,
        metadata: {
          'rave.study': study,
          'rave.form': form,
          keys: 'SubjectKey,StudyEventOID,StudyEventRepeatKey,FormRepeatKey,ItemGroupOID,ItemGroupRepeatKey',
        },
      };
      const rows = formRows(
        generation,
        state,
        shape.columns.map((col, i) => ({ ...col, type: columns[i]?.type ?? 'string' })),
      );
      // Splice when the previous file has the same columns (names, types, labels, order): only
      // the row groups holding a changed subject are written again.
      const changed = new Set([
        ...(changes?.changed ?? []),
        ...(untouched ? [] : (reuse.formSubjects?.get(form) ?? reuse.subjects ?? [])),
      ]);
      const spliceable =
        reuse.previous !== null &&
        (previousOutput?.groups?.length ?? 0) > 0 &&
        previousOutput?.info !== undefined &&
        earlier?.metadataKey === metadataKey &&
        JSON.stringify(previousOutput.info) === JSON.stringify(datasetInfo);
      const written =
        (spliceable && reuse.previous && previousOutput?.groups
          ? await spliceFormDataset(
              c,
              rows,
              datasetInfo,
              outFile,
              {
                file: path.join(reuse.previous.dir, previousOutput.stored),
                groups: previousOutput.groups,
                rows: previousOutput.result.rows,
              },
              changed,
              keyOf,
            )
          : null) ?? (await writeFormDataset(c, rows, datasetInfo, outFile));
      formDatasets[index] = { ...written.result, source, format: 'rave' };
      // Named by the form, not its position: a kept file and a new one never take the same name.
      const stored = `dataset-${createHash('sha256').update(form).digest('hex').slice(0, 16)}.parquet`;
      await linkOrCopy(outFile, path.join(generation.dir, stored));
      const { file: _file, ...rest } = written.result;
      outputs.forms[form] = {
        stored,
        result: rest,
        info: datasetInfo,
        ...(written.groups ? { groups: written.groups } : {}),
      };
      if (written.spliced) {
        tally.spliced++;
        tally.copiedGroups += written.copied;
        tally.newGroups += written.written;
      } else tally.written++;
    });
    datasets.push(...formDatasets);
    log(
      'info',
      `Form datasets: ${tally.kept} kept as they were, ${tally.spliced} spliced (${tally.copiedGroups} row groups copied, ${tally.newGroups} written), ${tally.written} written whole, ${tally.filtered} copied without the subjects that left, CPU ${cpuSince(cpuAtStart)} s, in ${((performance.now() - started) / 1_000).toFixed(1)} s`,
    );
    await writeFile(path.join(generation.dir, 'outputs.json'), JSON.stringify(outputs));

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

/**
 * A form dataset's columns, without types: the keys, then the items in metadata order (items
 * with no data yet included), then items only the data has; items are named by their OID
 * without the `<FormOID>.` prefix (the full OID on a clash) and labelled by the Question.
 */
function formShape(
  form: string,
  state: FormState,
  metadata: StudyMetadata | null,
): { label?: string; columns: (Omit<ColumnInfo, 'type'> & { oid?: string; expr: string })[] } {
  const column = new Map(state.items.map((oid, j) => [oid, `w.v${j}`]));
  const order = [...(metadata?.forms[form]?.items ?? []).filter((i) => metadata?.items[i]), ...[...state.items].sort()];
  const columns: (Omit<ColumnInfo, 'type'> & { oid?: string; expr: string })[] = KEY_COLUMNS.map((k) => ({
    name: k.name,
    label: k.label,
    expr: k.expr,
  }));
  const taken = new Set(columns.map((col) => col.name.toLowerCase()));
  for (const [i, oid] of [...new Set(order)].entries()) {
    const meta = metadata?.items[oid];
    let name = oid.startsWith(`${form}.`) ? oid.slice(form.length + 1) : oid;
    if (!name || taken.has(name.toLowerCase())) name = oid;
    if (taken.has(name.toLowerCase())) name = `${oid}_${i}`;
    taken.add(name.toLowerCase());
    const label = meta?.question || meta?.name || undefined;
    columns.push({ name, oid, expr: column.get(oid) ?? 'NULL::VARCHAR', ...(label ? { label } : {}) });
  }
  const label = metadata?.forms[form]?.name;
  return { ...(label ? { label } : {}), columns };
}

/**
 * Per item with a typed DataType, how many values the state holds and how many parse as that type
 * (an integer only within ±2^53, which a double holds exactly: the writer's units). Only the item's
 * own type is tried: trying all four on every typed item cost the full pull's type counting about
 * three times the work for the one figure each item needs.
 */
async function itemStats(
  c: OpenDuckDb['connection'],
  generation: Generation,
  state: FormState,
  metadata: StudyMetadata | null,
): Promise<Map<string, ItemStats>> {
  const typed = state.items.flatMap((oid, j) => {
    const check = parses(metadata?.items[oid]?.dataType, `v${j}`);
    return check ? [`count(v${j}), count(${check})`] : [];
  });
  const items = new Map<string, ItemStats>();
  if (typed.length === 0) return items;
  const counted = await c.runAndReadAll(`SELECT ${typed.join(', ')} FROM ${stateRows(generation.dir, state)} w`);
  const row = (counted.getRowsJson()[0] ?? []).map(Number);
  let k = 0;
  for (const oid of state.items) {
    if (!parses(metadata?.items[oid]?.dataType, 'v')) continue;
    items.set(oid, { n: row[k] ?? 0, parsed: row[k + 1] ?? 0 });
    k += 2;
  }
  return items;
}

/** An expression that is not null exactly when text `v` parses as `dataType`; null for a text type. */
function parses(dataType: string | undefined, v: string): string | null {
  switch (dataType?.toLowerCase()) {
    case 'integer':
      return `CASE WHEN TRY_CAST(${v} AS BIGINT) BETWEEN -9007199254740991 AND 9007199254740991 THEN 1 END`;
    case 'float':
    case 'double':
      return `TRY_CAST(${v} AS DOUBLE)`;
    case 'date':
      return `CASE WHEN regexp_full_match(${v}, '\\d{4}-\\d{2}-\\d{2}') THEN TRY_CAST(${v} AS DATE) END`;
    case 'datetime':
      return `CASE WHEN regexp_full_match(${v}, '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?') THEN TRY_CAST(${v} AS TIMESTAMP) END`;
    default:
      return null;
  }
}

/** A form dataset's rows from the state, in the Parquet writer's units, sorted as the dataset is. */
function formRows(
  generation: Generation,
  state: FormState,
  columns: { name: string; type: ColumnInfo['type']; expr: string }[],
): FormRows {
  const from = `${stateRows(generation.dir, state)} w LEFT JOIN subjects s ON s.SubjectKey = w.subject_key`;
  const where = (only?: string[]) =>
    `(s.SubjectKey IS NULL OR (s.Active AND NOT s.Deleted))${only ? ` AND w.subject_key IN ${subjectList(only)}` : ''}`;
  const unit = (type: ColumnInfo['type'], v: string) =>
    type === 'integer'
      ? `CAST(CAST(${v} AS BIGINT) AS DOUBLE)`
      : type === 'number'
        ? `CAST(${v} AS DOUBLE)`
        : type === 'date'
          ? `CAST(CAST(${v} AS DATE) - DATE '1970-01-01' AS DOUBLE)`
          : type === 'datetime'
            ? `epoch_us(CAST(${v} AS TIMESTAMP)) / 1000.0`
            : v;
  const cast = (type: ColumnInfo['type'], v: string) =>
    type === 'integer'
      ? `CAST(${v} AS BIGINT)`
      : type === 'number'
        ? `CAST(${v} AS DOUBLE)`
        : type === 'date'
          ? `CAST(${v} AS DATE)`
          : type === 'datetime'
            ? `CAST(${v} AS TIMESTAMP)`
            : v;
  const name = KEY_COLUMNS[1]?.expr ?? '';
  return {
    rows: (only) =>
      `SELECT ${columns.map((col) => unit(col.type, col.expr)).join(', ')} FROM ${from} WHERE ${where(only)}
       ORDER BY ${name}, w.subject_key, w.event_oid, w.event_rk, w.form_rk, w.ig_oid, w.ig_rk`,
    typed: () =>
      `SELECT ${columns.map((col) => `${cast(col.type, col.expr)} AS ${quoteIdent(col.name)}`).join(', ')} FROM ${from} WHERE ${where()}
       ORDER BY ${name}, w.subject_key, w.event_oid, w.event_rk, w.form_rk, w.ig_oid, w.ig_rk`,
    keys: (only) => `SELECT DISTINCT ${name}, w.subject_key FROM ${from} WHERE ${where(only)}`,
  };
}

/** Typed from the metadata's DataType when every value parses as that type; text otherwise. */
function columnType(dataType: string | undefined, stat: ItemStats | undefined): ColumnInfo['type'] {
  const type = TYPES[dataType?.toLowerCase() ?? ''];
  if (!type) return 'string';
  return !stat || stat.parsed === stat.n ? type : 'string';
}

const TYPES: Record<string, ColumnInfo['type']> = {
  integer: 'integer',
  float: 'number',
  double: 'number',
  date: 'date',
  datetime: 'datetime',
};

/** A DuckDB failure (memory, disk) as a ConnectorError in words an administrator can act on. */
function engineError(error: unknown, what: string): unknown {
  if (error instanceof ConnectorError) return error;
  if (error instanceof FormatError) return new ConnectorError(`Failed ${what}: ${error.message}`);
  if (error instanceof Error && /Error: /.test(error.message))
    return new ConnectorError(`Failed ${what}: ${duckMessage(error)}`);
  return error;
}

/**
 * Forms at once: DuckDB runs one statement per connection at a time, and a form's statements are
 * small (a form of the bench study is ~11,000 records: one Parquet row group, read by one thread),
 * so one connection leaves the second core idle.
 */
const FORM_CONNECTIONS = 2;

/**
 * Runs `work` for each item on up to FORM_CONNECTIONS connections of `db` at once, each item on one
 * connection (its temporary tables stay its own). Every item started is awaited before a failure is
 * thrown, so no statement still runs when the caller closes the database.
 */
async function eachOnConnections<T>(
  db: OpenDuckDb,
  items: T[],
  work: (item: T, index: number, connection: OpenDuckDb['connection']) => Promise<void>,
): Promise<void> {
  const extra: OpenDuckDb['connection'][] = [];
  for (let i = 1; i < Math.min(FORM_CONNECTIONS, items.length); i++) extra.push(await db.instance.connect());
  let next = 0;
  let failed = false;
  try {
    const settled = await Promise.allSettled(
      [db.connection, ...extra].map(async (connection) => {
        while (!failed && next < items.length) {
          const index = next++;
          try {
            await work(items[index] as T, index, connection);
          } catch (error) {
            failed = true;
            throw error;
          }
        }
      }),
    );
    const failure = settled.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  } finally {
    for (const connection of extra) connection.closeSync();
  }
}

/** CPU seconds of the whole process (every thread) since `from`. */
function cpuSince(from: NodeJS.CpuUsage): string {
  const used = process.cpuUsage(from);
  return ((used.user + used.system) / 1e6).toFixed(1);
}

function safeFile(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** Kept for the subjects' type in other modules. */
export type { RaveSubject };
