import { createHash } from 'node:crypto';
import { type DatasetReader, valueAt } from '@cdp/formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DemoStudyOptions, generateDemoStudy } from './generate-study.ts';
import { LAB_TESTS } from './lab-tests.ts';
import { dayNumber, studyDay } from './study-days.ts';

type Value = string | number | null;
type Row = Record<string, Value>;
type Study = Record<string, Row[]>;

const OPTIONS: DemoStudyOptions = { subjects: 600, sites: 20, seed: 7 };
const DOMAINS = ['DM', 'DS', 'SV', 'EX', 'AE', 'LB', 'VS'];

async function readRows(reader: DatasetReader): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of reader.batches()) {
    for (let r = 0; r < batch.length; r++) {
      const row: Row = {};
      reader.info.columns.forEach((column, i) => {
        const values = batch.columns[i];
        const value = values ? valueAt(values, r) : undefined;
        row[column.name] = typeof value === 'number' ? (Number.isNaN(value) ? null : value) : (value ?? null);
      });
      rows.push(row);
    }
  }
  return rows;
}

async function readStudy(readers: DatasetReader[]): Promise<Study> {
  const study: Study = {};
  for (const reader of readers) study[reader.info.name] = await readRows(reader);
  return study;
}

async function studyHash(readers: DatasetReader[]): Promise<string> {
  const hash = createHash('sha256');
  for (const reader of readers) {
    hash.update(JSON.stringify(reader.info));
    for await (const batch of reader.batches()) {
      for (const values of batch.columns) {
        hash.update(
          values instanceof Float64Array
            ? new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
            : JSON.stringify(values),
        );
      }
    }
  }
  return hash.digest('hex');
}

function bySubject(rows: Row[]): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = String(row.USUBJID);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

function text(row: Row | undefined, name: string): string {
  const value = row?.[name];
  if (typeof value !== 'string') throw new Error(`${name} is not text: ${value}`);
  return value;
}

describe('generateDemoStudy', () => {
  let readers: DatasetReader[];
  let study: Study;
  let dm: Map<string, Row>;

  beforeAll(async () => {
    readers = generateDemoStudy(OPTIONS);
    study = await readStudy(readers);
    dm = new Map((study.DM ?? []).map((row) => [text(row, 'USUBJID'), row]));
  });

  const rows = (domain: string) => study[domain] ?? [];
  const subject = (row: Row) => dm.get(text(row, 'USUBJID'));

  it('returns the seven domains', () => {
    expect(readers.map((reader) => reader.info.name)).toEqual(DOMAINS);
    expect(rows('DM')).toHaveLength(OPTIONS.subjects);
  });

  it('is reproducible: same seed, same bytes; another seed, other data', async () => {
    const small = { subjects: 120, sites: 6, seed: 11 };
    const first = generateDemoStudy(small);
    const hash = await studyHash(first);
    expect(await studyHash(first)).toBe(hash); // read twice
    expect(await studyHash(generateDemoStudy(small))).toBe(hash);
    expect(await studyHash(generateDemoStudy({ ...small, seed: 12 }))).not.toBe(hash);
  });

  it('keeps to XPT v5 and SDTM limits: names, labels, lengths, values', () => {
    const problems: string[] = [];
    for (const reader of readers) {
      expect(reader.info.name).toMatch(/^[A-Z]{2}$/);
      for (const column of reader.info.columns) {
        const where = `${reader.info.name}.${column.name}`;
        if (!/^[A-Z][A-Z0-9]{0,7}$/.test(column.name)) problems.push(`${where}: name`);
        if (!column.label || column.label.length > 40) problems.push(`${where}: label "${column.label}"`);
        if (column.type !== 'string') {
          if (column.length !== 8) problems.push(`${where}: numeric length ${column.length}`);
          continue;
        }
        const length = column.length ?? 0;
        if (length < 1 || length > 200) problems.push(`${where}: length ${length}`);
        const longest = Math.max(
          ...rows(reader.info.name).map((row) => Buffer.byteLength(String(row[column.name] ?? ''))),
        );
        if (longest > length) problems.push(`${where}: a ${longest}-byte value in length ${length}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('writes --DTC as ISO 8601 dates and --DY as SDTM study days from RFSTDTC', () => {
    const problems: string[] = [];
    for (const domain of DOMAINS) {
      for (const row of rows(domain)) {
        const reference = subject(row)?.RFSTDTC;
        for (const [name, value] of Object.entries(row)) {
          if (!name.endsWith('DTC') || value === null) continue;
          if (!/^\d{4}-\d{2}-\d{2}$/.test(String(value))) problems.push(`${domain}.${name} ${value}`);
          const dyName = name.replace(/DTC$/, 'DY');
          if (!(dyName in row)) continue;
          const expected =
            typeof reference === 'string' ? studyDay(dayNumber(String(value)), dayNumber(reference)) : null;
          if (row[dyName] !== expected)
            problems.push(`${domain}.${dyName} ${row.USUBJID}: ${row[dyName]} ≠ ${expected}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps every record inside its subject in DM and inside their participation', () => {
    const problems: string[] = [];
    for (const domain of DOMAINS.slice(1)) {
      for (const row of rows(domain)) {
        const owner = subject(row);
        if (!owner) {
          problems.push(`${domain}: ${row.USUBJID} is not in DM`);
          continue;
        }
        for (const [name, value] of Object.entries(row)) {
          if (!name.endsWith('DTC') || value === null) continue;
          if (value < text(owner, 'RFICDTC') || value > text(owner, 'RFPENDTC')) {
            problems.push(`${domain}.${name} ${row.USUBJID}: ${value} outside ${owner.RFICDTC}..${owner.RFPENDTC}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('numbers subjects <STUDYID>-<SITEID>-<nnnn> with realistic demographics', () => {
    for (const row of rows('DM')) {
      expect(text(row, 'USUBJID')).toBe(`CDP-301-${text(row, 'SITEID')}-${text(row, 'USUBJID').slice(-4)}`);
      expect(row.SITEID).toMatch(/^S\d{3}$/);
      expect(row.AGE).toBeGreaterThanOrEqual(18);
      expect(row.AGE).toBeLessThanOrEqual(85);
      expect(['M', 'F']).toContain(row.SEX);
      expect(['USA', 'CAN', 'GBR', 'DEU', 'FRA', 'ESP', 'POL', 'JPN', 'AUS', 'BRA']).toContain(row.COUNTRY);
    }
    const ages = rows('DM').map((row) => Number(row.AGE));
    const mean = ages.reduce((sum, age) => sum + age, 0) / ages.length;
    expect(mean).toBeGreaterThan(55);
    expect(mean).toBeLessThan(65);
  });

  it('screens out about 15%, who have screening data only', () => {
    const failures = rows('DM').filter((row) => row.ARMCD === 'SCRNFAIL');
    expect(failures.length / rows('DM').length).toBeGreaterThan(0.11);
    expect(failures.length / rows('DM').length).toBeLessThan(0.19);
    const failed = new Set(failures.map((row) => row.USUBJID));
    for (const row of failures) {
      expect([row.ARM, row.ACTARM, row.ACTARMCD, row.RFSTDTC]).toEqual([
        'Screen Failure',
        'Screen Failure',
        'SCRNFAIL',
        null,
      ]);
    }
    for (const domain of ['SV', 'LB', 'VS']) {
      const visits = new Set(
        rows(domain)
          .filter((row) => failed.has(row.USUBJID))
          .map((row) => row.VISIT),
      );
      expect([...visits]).toEqual(['SCREENING']);
    }
    for (const domain of ['EX', 'AE']) expect(rows(domain).filter((row) => failed.has(row.USUBJID))).toEqual([]);
    const decods = rows('DS').filter((row) => failed.has(row.USUBJID) && row.DSCAT === 'DISPOSITION EVENT');
    expect(decods.map((row) => row.DSDECOD)).toEqual(failures.map(() => 'SCREEN FAILURE'));
  });

  it('randomises 1:1:1 in site blocks', () => {
    const counts = ['PBO', 'LOW', 'HIGH'].map((arm) => rows('DM').filter((row) => row.ARMCD === arm).length);
    // A permuted block of six leaves at most two subjects of imbalance between arms per site.
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(2 * OPTIONS.sites);
    expect(Math.min(...counts)).toBeGreaterThan(rows('DM').length * 0.25);
  });

  it('gives exposure to treated subjects only, at their arm dose', () => {
    const exposed = bySubject(rows('EX'));
    const dose: Record<string, number> = { PBO: 0, LOW: 50, HIGH: 100 };
    for (const row of rows('DM')) {
      const records = exposed.get(text(row, 'USUBJID')) ?? [];
      const treated = text(row, 'ACTARMCD') in dose;
      expect(records.length > 0, `${row.USUBJID} ${row.ACTARMCD}`).toBe(treated);
      for (const record of records) expect(record.EXDOSE).toBe(dose[text(row, 'ACTARMCD')]);
      if (!treated) continue;
      expect(records[0]?.EXSTDTC).toBe(row.RFXSTDTC);
      expect(records.at(-1)?.EXENDTC).toBe(row.RFXENDTC);
    }
    expect(rows('DM').some((row) => row.ACTARMCD === 'NOTTRT')).toBe(true);
  });

  it('ends every subject with one disposition event that agrees with DM', () => {
    const events = rows('DS').filter((row) => row.DSCAT === 'DISPOSITION EVENT');
    expect(events).toHaveLength(rows('DM').length);
    const reasons = new Set(events.map((row) => row.DSDECOD));
    for (const reason of [
      'COMPLETED',
      'SCREEN FAILURE',
      'ADVERSE EVENT',
      'WITHDRAWAL BY SUBJECT',
      'LACK OF EFFICACY',
    ]) {
      expect(reasons).toContain(reason);
    }
    for (const event of events) {
      const owner = subject(event);
      expect(owner?.DTHFL === 'Y').toBe(event.DSDECOD === 'DEATH');
      if (event.DSDECOD === 'DEATH') expect(owner?.DTHDTC).toBe(event.DSSTDTC);
    }
    const fatal = rows('AE').filter((row) => row.AEOUT === 'FATAL');
    expect(fatal.map((row) => row.USUBJID).sort()).toEqual(
      rows('DM')
        .filter((row) => row.DTHFL === 'Y')
        .map((row) => row.USUBJID)
        .sort(),
    );
  });

  it('reports adverse events with 3-9% serious and AESEQ per subject', () => {
    const events = rows('AE');
    const serious = events.filter((row) => row.AESER === 'Y').length / events.length;
    expect(serious).toBeGreaterThan(0.03);
    expect(serious).toBeLessThan(0.09);
    for (const records of bySubject(events).values()) {
      expect(records.map((row) => row.AESEQ)).toEqual(records.map((_, i) => i + 1));
    }
    // Drug-related terms are more frequent on the high dose.
    const rate = (arm: string, pt: string) => {
      const subjects = rows('DM')
        .filter((row) => row.ACTARMCD === arm)
        .map((row) => row.USUBJID);
      const affected = new Set(events.filter((row) => row.AEDECOD === pt).map((row) => row.USUBJID));
      return subjects.filter((usubjid) => affected.has(usubjid)).length / subjects.length;
    };
    expect(rate('HIGH', 'Nausea')).toBeGreaterThan(rate('PBO', 'Nausea'));
    // An AE discontinuation has a withdrawn-drug event behind it.
    for (const event of rows('DS').filter((row) => row.DSDECOD === 'ADVERSE EVENT')) {
      expect(events.some((row) => row.USUBJID === event.USUBJID && row.AEACN === 'DRUG WITHDRAWN')).toBe(true);
    }
  });

  it("plants Hy's-law cases, mostly on the high dose, and isolated transaminase rises", () => {
    const multiples = new Map<string, Record<string, number>>();
    for (const row of rows('LB')) {
      if (row.LBSTRESN === null || !['ALT', 'AST', 'BILI', 'ALP'].includes(text(row, 'LBTESTCD'))) continue;
      const key = `${row.USUBJID} ${row.VISITNUM}`;
      multiples.set(key, {
        ...multiples.get(key),
        [text(row, 'LBTESTCD')]: Number(row.LBSTRESN) / Number(row.LBSTNRHI),
      });
    }
    const hysLaw = new Set<string>();
    const transaminase = new Set<string>();
    for (const [key, x] of multiples) {
      const usubjid = key.split(' ')[0] ?? '';
      const raised = Math.max(x.ALT ?? 0, x.AST ?? 0) > 3;
      if (raised && (x.BILI ?? 0) > 2 && (x.ALP ?? 0) < 2) hysLaw.add(usubjid);
      else if (raised && (x.BILI ?? 0) <= 1) transaminase.add(usubjid);
    }
    const arms = (ids: Set<string>) => [...ids].map((id) => dm.get(id)?.ACTARMCD);
    const high = arms(hysLaw).filter((arm) => arm === 'HIGH').length;
    expect(high).toBeGreaterThanOrEqual(1);
    expect(high).toBeGreaterThan(arms(hysLaw).length / 2);
    expect(transaminase.size).toBeGreaterThan(hysLaw.size);
    for (const usubjid of hysLaw) {
      expect(rows('AE').some((row) => row.USUBJID === usubjid && row.AEDECOD === 'Drug-induced liver injury')).toBe(
        true,
      );
    }
  });

  it('draws the 13-test panel at every attended visit: LB rows = 13 × SV rows', () => {
    expect(rows('LB')).toHaveLength(LAB_TESTS.length * rows('SV').length);
    const visits = new Set(rows('SV').map((row) => `${row.USUBJID} ${row.VISITNUM} ${row.SVSTDTC}`));
    const strays = rows('LB').filter((row) => !visits.has(`${row.USUBJID} ${row.VISITNUM} ${row.LBDTC}`));
    expect(strays).toEqual([]);
    expect(rows('LB').length).toBeLessThanOrEqual(OPTIONS.subjects * 9 * LAB_TESTS.length);
  });

  it('keeps lab results coherent: indicator, baseline flag, not-done records', () => {
    const problems: string[] = [];
    for (const row of rows('LB')) {
      const where = `${row.USUBJID} ${row.LBTESTCD} ${row.VISIT}`;
      if (row.LBSTAT === 'NOT DONE') {
        if (row.LBORRES !== null || row.LBSTRESN !== null || row.LBREASND === null) problems.push(`${where}: not done`);
        continue;
      }
      const value = Number(row.LBSTRESN);
      const expected = value < Number(row.LBSTNRLO) ? 'LOW' : value > Number(row.LBSTNRHI) ? 'HIGH' : 'NORMAL';
      if (row.LBNRIND !== expected) problems.push(`${where}: ${value} is ${row.LBNRIND}`);
      if (Number(row.LBSTRESC) !== value) problems.push(`${where}: LBSTRESC ${row.LBSTRESC} ≠ ${value}`);
    }
    for (const [usubjid, records] of bySubject(rows('LB'))) {
      const treated = dm.get(usubjid)?.RFXSTDTC !== null;
      for (const test of LAB_TESTS) {
        const flags = records.filter((row) => row.LBTESTCD === test.code && row.LBBLFL === 'Y').length;
        if (flags !== (treated ? 1 : 0)) problems.push(`${usubjid} ${test.code}: ${flags} baseline flags`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('scales LB with labVisits for volume runs', async () => {
    const [dmReader, , svReader, , , lbReader] = generateDemoStudy({ subjects: 40, sites: 3, labVisits: 26 });
    const sv = await readRows(svReader as DatasetReader);
    const lb = await readRows(lbReader as DatasetReader);
    expect(lb).toHaveLength(sv.length * LAB_TESTS.length);
    const completed = (await readRows(dmReader as DatasetReader)).filter((row) => row.ACTARMCD !== 'SCRNFAIL');
    expect(completed.length).toBeGreaterThan(0);
    const visitCounts = [...bySubject(sv).values()].map((records) => records.length);
    // Screening, day 1, weeks 2, 4, 8, 12, 16, 24, 28 ... 92, follow-up.
    expect(Math.max(...visitCounts)).toBe(26);
    expect(sv.some((row) => row.VISIT === 'WEEK 92')).toBe(true);
  });

  it('rejects options it cannot honour', () => {
    expect(() => generateDemoStudy({ subjects: 0, sites: 1 })).toThrow(RangeError);
    expect(() => generateDemoStudy({ subjects: 10, sites: 1.5 })).toThrow(/sites/);
    expect(() => generateDemoStudy({ subjects: 10, sites: 1, labVisits: 3 })).toThrow(/labVisits/);
    expect(() => generateDemoStudy({ subjects: 10, sites: 1, studyId: 'cdp 301' })).toThrow(/studyId/);
  });
});
