import { readFileSync, statSync } from 'node:fs';
import { sharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PullHarness, readRows, simConfig } from '../testing/pull-harness.ts';
import {
  type ClinicalParsing,
  mergeSettings,
  type RaveSimulator,
  SIM_REAL_STUDY,
  setClinicalParsing,
  startRaveSimulator,
} from '../testing.ts';

/**
 * Full and incremental pulls against the simulator, checked against the simulator's own model of
 * the study (its generated values, changes, removals and inactivations), which the connector never
 * sees: it only reads the ODM the simulator serves.
 */

let sim: RaveSimulator;
const SECRET = 'rave-password';

/**
 * Every test runs twice: the clinical data parsed in one go on this thread, and cut into pieces
 * (a SubjectData block or so each) parsed by two worker threads, with the response sent in
 * 7-byte chunks so cuts and `<SubjectData` tags fall across network chunks.
 */
const MODES: [string, Partial<ClinicalParsing> | null, number | undefined][] = [
  ['on this thread', null, undefined],
  [
    'in pieces on two worker threads',
    { workers: 2, pieceBytes: 64, inlineBytes: 0, perWorker: 1, waitForWorkers: true },
    7,
  ],
];

type Row = Record<string, unknown>;

/** The connector's rows of a form, in the simulator's terms (typed values back to text). */
function normalise(rows: Row[]): Record<string, string | null>[] {
  return rows
    .map((row) => {
      const out: Record<string, string | null> = {
        SubjectKey: row.SubjectKey as string,
        SubjectName: row.SubjectName as string,
        StudyEventRepeatKey: row.StudyEventRepeatKey as string,
        ItemGroupRepeatKey: (row.ItemGroupRepeatKey as string | null) ?? null,
      };
      for (const [key, value] of Object.entries(row)) {
        if (!key.startsWith('IT')) continue;
        if (value === null || value === undefined) out[key] = null;
        else if (key === 'IT04') out[key] = String(value).replace(' ', 'T');
        else out[key] = String(value);
      }
      return out;
    })
    .sort(byKey);
}

function expected(f: number): Record<string, string | null>[] {
  return sim
    .expectedRows(f)
    .map((row) => {
      const out = { ...row };
      // The simulator writes floats as JavaScript prints them; Parquet DOUBLE reads back the same way.
      if (out.IT02 !== null && out.IT02 !== undefined) out.IT02 = String(Number(out.IT02));
      return out;
    })
    .sort(byKey);
}

function byKey(a: Record<string, string | null>, b: Record<string, string | null>): number {
  const ka = `${a.SubjectKey}|${a.StudyEventRepeatKey}|${a.ItemGroupRepeatKey}`;
  const kb = `${b.SubjectKey}|${b.StudyEventRepeatKey}|${b.ItemGroupRepeatKey}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

async function formRows(upload: { datasets: { name: string; file: string }[] } | undefined, form: string) {
  const dataset = upload?.datasets.find((d) => d.name === form);
  if (!dataset) throw new Error(`no dataset ${form}`);
  return normalise(await readRows(dataset.file));
}

describe.each(MODES)('Rave pull against the simulator, clinical data parsed %s', (_mode, parsing, chunkBytes) => {
  let restore: () => void = () => undefined;
  beforeAll(async () => {
    sim = await startRaveSimulator({ subjects: 6, forms: 4, visits: 2, itemsPerForm: 6 });
    sim.clinicalChunkBytes = chunkBytes;
    if (parsing) restore = setClinicalParsing(parsing);
  });
  afterAll(async () => {
    restore();
    await sim.stop();
  });
  /** What the pull's log says about the threads that parsed the clinical data. */
  const threads = parsing ? 'on 2 threads' : 'on 1 thread';

  it('a full pull gives one dataset per form with the generated values, typed and labelled, plus SUBJECTS and AUDIT', async () => {
    const harness = await PullHarness.create();
    try {
      const { outcome, upload } = await harness.pull(simConfig(sim, { includeAudit: true }), SECRET);
      expect(outcome.kind).toBe('datasets');
      if (outcome.kind !== 'datasets') return;
      expect(outcome.describe).toBe('Rave CDP01(Prod), 6 subjects, 4 forms, full pull');
      expect(harness.logs.find((line) => line.includes('bytes of clinical data'))).toContain(threads);
      const names = upload?.datasets.map((d) => d.name);
      expect(names).toEqual(['FORM01', 'FORM02', 'FORM03', 'FORM04', 'SUBJECTS', 'AUDIT']);
      for (let f = 0; f < 4; f++) {
        expect(await formRows(upload, sim.formOid(f))).toEqual(expected(f));
      }
      const form1 = upload?.datasets[0];
      expect(form1?.label).toBe('Form 1 (log)');
      expect(form1?.columns.slice(9).map((c) => [c.name, c.type, c.label])).toEqual([
        ['IT01', 'integer', 'Question 1 of form 1'],
        ['IT02', 'number', 'Question 2 of form 1'],
        ['IT03', 'date', 'Question 3 of form 1'],
        ['IT04', 'datetime', 'Question 4 of form 1'],
        ['IT05', 'string', 'Question 5 of form 1'],
        ['IT06', 'string', 'Question 6 of form 1'],
      ]);
      // Columns carry what the manifest records, nothing of how they were read.
      expect(Object.keys(form1?.columns[0] ?? {})).toEqual(['name', 'label', 'type']);
      expect(form1?.format).toBe('rave');
      expect(form1?.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(form1?.rows).toBe(expected(0).length);

      const subjects = await readRows(upload?.datasets.find((d) => d.name === 'SUBJECTS')?.file ?? '');
      expect(subjects).toHaveLength(6);
      expect(subjects[0]).toMatchObject({ SubjectName: '101-0001', Active: true, Deleted: false, SiteOID: 'SITE101' });

      // AUDIT: every AuditRecord of rwslib's two real pages, counted here with a plain regex.
      const count = (file: string) =>
        (readFileSync(sharedData('odm', 'rwslib', file), 'utf8').match(/<AuditRecord>/g) ?? []).length;
      const expectedAudit =
        count('car_message.xml') +
        count('excerpts/rws_audit_CreatePD.xml') +
        count('excerpts/rws_audit_EnteredWithChangeCode.xml') +
        count('excerpts/rws_audit_Verify.xml');
      const audit = upload?.datasets.find((d) => d.name === 'AUDIT');
      expect(audit?.rows).toBe(expectedAudit);
      const auditRows = await readRows(audit?.file ?? '');
      expect(auditRows.find((r) => r.SourceID === '6434227')).toMatchObject({
        UserOID: 'isparks',
        ReasonForChange: 'Data Entry Error',
        ItemOID: 'VISIT.VISITDAT',
        Value: '7 Aug 2014',
        SubjectName: '01',
        StudyEventRepeatKey: 'VISIT1[1]',
        AuditSubCategoryName: 'EnteredWithChangeCode',
      });
      expect(sim.requests.some((r) => r.includes('ClinicalAuditRecords.odm') && r.includes('startid=87365'))).toBe(
        true,
      );
    } finally {
      await harness.dispose();
    }
  });

  it('an incremental pull merges changed values, removed items and records and inactivated subjects; then nothing new is unchanged', async () => {
    const harness = await PullHarness.create();
    try {
      const config = simConfig(sim, { includeAudit: true });
      await harness.pull(config, SECRET);
      sim.mutate({
        set: [
          { cell: { subject: 1, visit: 0, form: 1, repeat: 0, item: 4 }, value: 'changed "value" <1>' },
          { cell: { subject: 2, visit: 1, form: 0, repeat: 2, item: 0 }, value: '199' },
          { cell: { subject: 2, visit: 1, form: 0, repeat: 1, item: 4 }, value: null },
        ],
        removeRecord: [{ subject: 3, visit: 0, form: 2, repeat: 0 }],
        inactivateSubject: [4],
      });
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // start= has seconds precision
      const before = sim.requests.length;
      const { outcome, upload } = await harness.pull(config, SECRET);
      expect(outcome.kind).toBe('datasets');
      const asked = sim.requests.slice(before).find((r) => r.includes('datasets/regular'));
      expect(asked).toMatch(/start=\d{4}-\d{2}-\d{2}T\d{2}%3A\d{2}%3A\d{2}/);
      for (let f = 0; f < 4; f++) expect(await formRows(upload, sim.formOid(f))).toEqual(expected(f));
      const changed = (await formRows(upload, 'FORM02')).find(
        (r) => r.SubjectName === sim.subjectName(1) && r.StudyEventRepeatKey === 'VISIT[1]',
      );
      expect(changed?.IT05).toBe('changed "value" <1>');
      expect((await formRows(upload, 'FORM01')).some((r) => r.SubjectName === sim.subjectName(4))).toBe(false);
      const subjects = await readRows(upload?.datasets.find((d) => d.name === 'SUBJECTS')?.file ?? '');
      expect(subjects.find((s) => s.SubjectName === sim.subjectName(4))).toMatchObject({
        Active: false,
        Status: 'Inactive',
      });
      // The audit trail is kept, not asked for again from the start.
      expect(upload?.datasets.find((d) => d.name === 'AUDIT')?.rows).toBeGreaterThan(1_000);

      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const again = await harness.pull(config, SECRET);
      expect(again.outcome.kind).toBe('unchanged');
      if (again.outcome.kind === 'unchanged')
        expect(again.outcome.message).toMatch(/^No changes in Rave CDP01\(Prod\) since /);
    } finally {
      await harness.dispose();
    }
  });

  it('an incremental pull that changes one form rewrites that form only; the others are the previous files, hard-linked', async () => {
    const harness = await PullHarness.create();
    try {
      const config = simConfig(sim);
      const first = await harness.pull(config, SECRET);
      sim.mutate({ set: [{ cell: { subject: 0, visit: 1, form: 2, repeat: 0, item: 1 }, value: '12.5' }] });
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // start= has seconds precision
      const second = await harness.pull(config, SECRET);
      expect(second.outcome.kind).toBe('datasets');
      for (let f = 0; f < 4; f++) expect(await formRows(second.upload, sim.formOid(f))).toEqual(expected(f));
      const file = (upload: typeof first.upload, form: string) =>
        upload?.datasets.find((d) => d.name === form)?.file ?? '';
      for (let f = 0; f < 4; f++) {
        const form = sim.formOid(f);
        const [before, after] = [statSync(file(first.upload, form)), statSync(file(second.upload, form))];
        // The same inode for a form the pull did not touch; a new file for the one it changed.
        expect(after.ino === before.ino, form).toBe(f !== 2);
        expect(
          second.upload?.datasets.find((d) => d.name === form)?.sha256 ===
            first.upload?.datasets.find((d) => d.name === form)?.sha256,
        ).toBe(f !== 2);
      }
    } finally {
      await harness.dispose();
    }
  });

  it('an inactivated subject touches only the forms that hold it: those lose its rows, a form without it is kept', async () => {
    const harness = await PullHarness.create();
    try {
      const config = simConfig(sim);
      // Subject 5 has no FORM04 records (both visits removed) before the first pull.
      sim.mutate({
        removeRecord: [
          { subject: 5, visit: 0, form: 3, repeat: 0 },
          { subject: 5, visit: 1, form: 3, repeat: 0 },
        ],
      });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const first = await harness.pull(config, SECRET);
      sim.mutate({
        inactivateSubject: [5],
        set: [{ cell: { subject: 0, visit: 0, form: 1, repeat: 0, item: 5 }, value: 'new text' }],
      });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const second = await harness.pull(config, SECRET);
      expect(second.outcome.kind).toBe('datasets');
      for (let f = 0; f < 4; f++) expect(await formRows(second.upload, sim.formOid(f))).toEqual(expected(f));
      for (const form of ['FORM01', 'FORM03']) {
        const rows = await formRows(second.upload, form);
        expect(rows.some((r) => r.SubjectName === sim.subjectName(5))).toBe(false);
        // Same columns, types and labels as the dataset written from the state.
        const [before, after] = [first, second].map((p) => p.upload?.datasets.find((d) => d.name === form));
        expect(after?.columns).toEqual(before?.columns);
        expect(after?.rows).toBe(rows.length);
      }
      const file = (upload: typeof first.upload, form: string) =>
        upload?.datasets.find((d) => d.name === form)?.file ?? '';
      expect(statSync(file(second.upload, 'FORM04')).ino).toBe(statSync(file(first.upload, 'FORM04')).ino);
      expect(harness.logs).toContainEqual(
        expect.stringMatching(
          // FORM01 and FORM03 only lose subject 5: their previous files without its rows.
          /^info: Form datasets: 1 kept as they were, 0 spliced \(0 row groups copied, 0 written\), 1 written whole, 2 copied without the subjects that left/,
        ),
      );
    } finally {
      await harness.dispose();
    }
  });

  it('a full pull combines a record sent twice (in one subject block, or in two blocks of a subject) item by item', async () => {
    const other = await startRaveSimulator({ subjects: 2, forms: 2, visits: 1, itemsPerForm: 6 });
    other.clinicalChunkBytes = chunkBytes;
    const harness = await PullHarness.create();
    try {
      const [s0, s1] = [other.subjectKey(0), other.subjectKey(1)];
      const record = (form: string, items: string) =>
        `<StudyEventData StudyEventOID="VISIT" StudyEventRepeatKey="VISIT[1]"><FormData FormOID="${form}" FormRepeatKey="1"><ItemGroupData ItemGroupOID="${form}">${items}</ItemGroupData></FormData></StudyEventData>`;
      const subject = (key: string, name: string, body: string) =>
        `<ClinicalData StudyOID="CDP01(Prod)" MetaDataVersionOID="7"><SubjectData SubjectKey="${key}" mdsol:SubjectName="${name}"><SiteRef LocationOID="SITE101"/>${body}</SubjectData></ClinicalData>`;
      other.clinicalBody = `<?xml version="1.0" encoding="utf-8"?>
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:mdsol="http://www.mdsol.com/ns/odm/metadata" FileType="Transactional" ODMVersion="1.3">
${subject(
  s0,
  '101-0001',
  record('FORM01', '<ItemData ItemOID="FORM01.IT01" Value="1"/><ItemData ItemOID="FORM01.IT05" Value="first"/>') +
    record('FORM01', '<ItemData ItemOID="FORM01.IT05" Value="second"/>'),
)}
${subject(s1, '102-0002', record('FORM02', '<ItemData ItemOID="FORM02.IT01" Value="5"/><ItemData ItemOID="FORM02.IT06" Value="a"/>'))}
${subject(s1, '102-0002', record('FORM02', '<ItemData ItemOID="FORM02.IT06" Value="b"/>'))}
</ODM>`;
      const { upload } = await harness.pull(simConfig(other), SECRET);
      const rows = async (form: string) =>
        (await formRows(upload, form)).map(({ SubjectName, IT01, IT05, IT06 }) => ({ SubjectName, IT01, IT05, IT06 }));
      expect(await rows('FORM01')).toEqual([{ SubjectName: '101-0001', IT01: '1', IT05: 'second', IT06: null }]);
      expect(await rows('FORM02')).toEqual([{ SubjectName: '102-0002', IT01: '5', IT05: null, IT06: 'b' }]);
    } finally {
      await harness.dispose();
      await other.stop();
    }
  });

  it('state becomes current only on commit: an uncommitted pull is pulled again', async () => {
    const harness = await PullHarness.create();
    try {
      const config = simConfig(sim);
      await harness.pull(config, SECRET);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      sim.mutate({ set: [{ cell: { subject: 0, visit: 1, form: 3, repeat: 0, item: 0 }, value: '42' }] });
      const t = new Date();
      const first = await (await import('./index.ts')).raveConnector.pull(config, SECRET, await harness.context());
      expect(first.kind).toBe('datasets'); // never committed (the version failed to record)
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const { upload } = await harness.pull(config, SECRET);
      expect(await formRows(upload, 'FORM04')).toEqual(expected(3));
      expect(t.getTime()).toBeLessThan(Date.now());
    } finally {
      await harness.dispose();
    }
  });

  it('per-form pulls ask /regular/{FormOID} for the configured forms only', async () => {
    const harness = await PullHarness.create();
    try {
      const before = sim.requests.length;
      const { upload } = await harness.pull(simConfig(sim, { forms: ['FORM02', 'FORM04'] }), SECRET);
      expect(upload?.datasets.map((d) => d.name)).toEqual(['FORM02', 'FORM04', 'SUBJECTS']);
      expect(await formRows(upload, 'FORM04')).toEqual(expected(3));
      const regular = sim.requests.slice(before).filter((r) => r.includes('datasets/regular'));
      expect(regular).toEqual([
        'GET /RaveWebServices/studies/CDP01(Prod)/datasets/regular/FORM02',
        'GET /RaveWebServices/studies/CDP01(Prod)/datasets/regular/FORM04',
      ]);
    } finally {
      await harness.dispose();
    }
  });

  it("reads rwslib's real snapshot and subject list (SIMPLESTUDY, TDE-OSTEO-800 sites)", async () => {
    const harness = await PullHarness.create();
    try {
      const [project, environment] = ['SIMPLESTUDY', 'TEST'];
      const { upload } = await harness.pull(simConfig(sim, { project, environment }), SECRET);
      expect(`${project}(${environment})`).toBe(SIM_REAL_STUDY);
      const enrol = await readRows(upload?.datasets.find((d) => d.name === 'ENROL')?.file ?? '');
      expect(enrol).toEqual([
        {
          SubjectKey: '1',
          SubjectName: null,
          SiteOID: 'TESTSITE',
          SiteNumber: null,
          StudyEventOID: 'SUBJECT',
          StudyEventRepeatKey: null,
          FormRepeatKey: '1',
          ItemGroupOID: 'ENROL_LOG_LINE',
          ItemGroupRepeatKey: null,
          SUBID: '1',
          BIRTHDT: '1973-06-26',
        },
      ]);
      const subjects = await readRows(upload?.datasets.find((d) => d.name === 'SUBJECTS')?.file ?? '');
      expect(subjects.map((s) => [s.SubjectName, s.SiteOID, s.SiteNumber])).toEqual([
        ['0010', 'mdsol03', 'Site002'],
        ['0011', '810', 'site 003'],
      ]);
    } finally {
      await harness.dispose();
    }
  });
});

// The merge does not depend on how the clinical data were parsed: once, with its own simulator.
describe('Rave incremental merge', () => {
  beforeAll(async () => {
    sim = await startRaveSimulator({ subjects: 6, forms: 4, visits: 2, itemsPerForm: 6 });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it("an incremental merge that copies unchanged subjects' records gives what joining every record gives", async () => {
    const [fast, plain] = [await PullHarness.create(), await PullHarness.create()];
    try {
      const config = simConfig(sim);
      await fast.pull(config, SECRET);
      await plain.pull(config, SECRET);
      sim.mutate({
        set: [
          { cell: { subject: 0, visit: 1, form: 0, repeat: 1, item: 2 }, value: '2026-01-31' },
          { cell: { subject: 3, visit: 0, form: 3, repeat: 0, item: 5 }, value: null },
        ],
        removeRecord: [{ subject: 2, visit: 1, form: 1, repeat: 0 }],
      });
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // start= has seconds precision
      const copied = await fast.pull(config, SECRET);
      mergeSettings.passUnchanged = false;
      const joined = await plain.pull(config, SECRET).finally(() => {
        mergeSettings.passUnchanged = true;
      });
      for (let f = 0; f < 4; f++) {
        const file = (upload: typeof copied.upload) =>
          upload?.datasets.find((d) => d.name === sim.formOid(f))?.file ?? '';
        const rows = await readRows(file(copied.upload));
        expect(rows).toEqual(await readRows(file(joined.upload)));
        expect(normalise(rows)).toEqual(expected(f));
      }
    } finally {
      await fast.dispose();
      await plain.dispose();
    }
  });
});
