import { buildZip } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type Tenant, type TestApp } from '../../../test/harness.ts';

/**
 * The review workflow against real PostgreSQL and real uploads: marks taken on one version keep,
 * reset ("changed since review", with the fields) or report removal on the next, counted per
 * dataset; threads move open → answered → closed; every change is in the audit trail.
 */

const DM_V1 = 'USUBJID,ARM,AGE,SEX\nS-001,Placebo,63,F\nS-002,Drug,71,M\nS-003,Drug,55,F\n';
const AE_V1 = [
  'USUBJID,AESEQ,AETERM,AESEV,AESER',
  'S-001,1,Headache,MILD,N',
  'S-001,2,Nausea,MODERATE,N',
  'S-002,1,Rash,MILD,N',
  'S-002,2,Dizziness,MILD,N',
  'S-003,1,Fatigue,MILD,Y',
].join('\n');
// Version 2: S-001/1 more severe, S-001/2 identical (AESEQ written 2.0: storage, not content),
// S-002/1 gone, S-003/2 new; DM identical.
const AE_V2 = [
  'USUBJID,AESEQ,AETERM,AESEV,AESER',
  'S-001,1.0,Headache,SEVERE,Y',
  'S-001,2.0,Nausea,MODERATE,N',
  'S-002,2.0,Dizziness,MILD,N',
  'S-003,1.0,Fatigue,MILD,Y',
  'S-003,2.0,Insomnia,MILD,N',
].join('\n');

let t: TestApp;
let tenant: Tenant;
let studyId: string;
let admin: Session;
let manager: Session;
let monitor: Session;
let scientist: Session;
let auditor: Session;
let v2: string;

const base = () => `/api/studies/${studyId}/review`;

async function upload(session: Session, files: { name: string; data: string }[]) {
  const res = await t.request(session, {
    method: 'POST',
    url: `/api/studies/${studyId}/uploads`,
    ...multipartFile('transfer.zip', buildZip(files)),
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data.id as string;
}

async function mark(session: Session, dataset: string, key: Record<string, string | number>, comment?: string) {
  return t.request(session, { method: 'POST', url: `${base()}/marks`, payload: { dataset, key, comment } });
}

async function records(session: Session, dataset: string, query = '') {
  const res = await t.request(session, { method: 'GET', url: `${base()}/datasets/${dataset}/records${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    data: {
      recordKey: string;
      status: string;
      changes: { column: string; from: string | null; to: string | null }[];
    }[];
    page: { total: number };
  };
}

/** A tiny reference: CSV text to { key → row text without the key's storage }, keyed like the marks. */
function referenceRows(csv: string): Map<string, string> {
  const [header, ...lines] = csv.split('\n');
  const names = (header ?? '').split(',');
  const rows = new Map<string, string>();
  for (const line of lines) {
    const cells = line.split(',');
    const row = Object.fromEntries(names.map((n, i) => [n, cells[i] ?? '']));
    const seq = String(Number(row.AESEQ));
    rows.set(`USUBJID=${row.USUBJID}|AESEQ=${seq}`, JSON.stringify({ ...row, AESEQ: seq }));
  }
  return rows;
}

beforeAll(async () => {
  t = await startTestApp();
  tenant = await t.tenant();
  studyId = tenant.study.id;
  admin = await tenant.as('org_admin');
  manager = await tenant.as('study_manager');
  monitor = await tenant.as('clinical_monitor');
  scientist = await tenant.as('data_scientist');
  auditor = await tenant.as('auditor');
  await upload(admin, [
    { name: 'dm.csv', data: DM_V1 },
    { name: 'ae.csv', data: AE_V1 },
  ]);
});
afterAll(() => t.close());

describe('marks across data versions', () => {
  const reviewedInV1 = [
    { USUBJID: 'S-001', AESEQ: 1 },
    { USUBJID: 'S-001', AESEQ: 2 },
    { USUBJID: 'S-002', AESEQ: 1 },
  ];

  it('a monitor marks AE records and a subject reviewed on the active version', async () => {
    for (const key of reviewedInV1) {
      const res = await mark(monitor, 'AE', key, key.AESEQ === 1 ? 'Checked against source' : undefined);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().data).toMatchObject({ dataset: 'AE', status: 'reviewed', changes: [] });
    }
    const subject = await mark(monitor, 'DM', { USUBJID: 'S-001' });
    expect(subject.statusCode, subject.body).toBe(201);
    expect(subject.json().data).toMatchObject({ recordKey: 'USUBJID=S-001', status: 'reviewed' });
    // The key may come as text, and the mark stores its SHA-256 and version.
    const again = await mark(monitor, 'AE', { usubjid: 'S-002', aeseq: '2' });
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json().data.mark).toMatchObject({
      action: 'reviewed',
      contentSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('a new version changes one record, keeps one, removes one: statuses and field changes', async () => {
    v2 = await upload(admin, [
      { name: 'dm.csv', data: DM_V1 },
      { name: 'ae.csv', data: AE_V2 },
    ]);
    const activated = await t.request(admin, {
      method: 'POST',
      url: `/api/studies/${studyId}/versions/${v2}/activate`,
      payload: { reason: 'New AE transfer' },
    });
    expect(activated.statusCode, activated.body).toBe(200);

    const changed = await records(monitor, 'AE', '?status=changed');
    expect(changed.data.map((r) => r.recordKey)).toEqual(['USUBJID=S-001|AESEQ=1']);
    expect(changed.data[0]?.changes).toEqual([
      { column: 'AESER', from: 'N', to: 'Y' },
      { column: 'AESEV', from: 'MILD', to: 'SEVERE' },
    ]);
    const reviewed = await records(monitor, 'AE', '?status=reviewed');
    expect(reviewed.data.map((r) => r.recordKey)).toEqual(['USUBJID=S-001|AESEQ=2', 'USUBJID=S-002|AESEQ=2']);
    const removed = await records(monitor, 'AE', '?status=removed');
    expect(removed.data.map((r) => r.recordKey)).toEqual(['USUBJID=S-002|AESEQ=1']);
    const notReviewed = await records(monitor, 'AE', '?status=not_reviewed');
    expect(notReviewed.data.map((r) => r.recordKey)).toEqual(['USUBJID=S-003|AESEQ=1', 'USUBJID=S-003|AESEQ=2']);
    expect(notReviewed.page.total).toBe(2);

    const subject = await t.request(monitor, { method: 'GET', url: `${base()}/subjects/S-001` });
    expect(subject.statusCode, subject.body).toBe(200);
    expect(subject.json().data.subject).toMatchObject({ status: 'reviewed', recordKey: 'USUBJID=S-001' });
    expect(
      subject.json().data.records.map((r: { recordKey: string; status: string }) => [r.recordKey, r.status]),
    ).toEqual([
      ['USUBJID=S-001|AESEQ=1', 'changed'],
      ['USUBJID=S-001|AESEQ=2', 'reviewed'],
    ]);
  });

  it('usubjids narrows statuses to a page of subjects (listing badges, grid rows), removed marks included', async () => {
    // Reference: the v2 file's rows of S-002 and S-003 and the marks in force on them, by plain SQL.
    const { rows: inForce } = await t.admin.query(
      `select record_key from (
         select distinct on (dataset, record_key) dataset, record_key, usubjid, action from review_marks
         where study_id = $1 order by dataset, record_key, created_at desc, id desc) m
       where action = 'reviewed' and dataset = 'AE' and usubjid in ('S-002', 'S-003')`,
      [studyId],
    );
    const marked = new Set(inForce.map((r) => r.record_key as string));
    const before = referenceRows(AE_V1);
    const expected = [...referenceRows(AE_V2)]
      .filter(([key]) => /USUBJID=S-00[23]\|/.test(key))
      .map(([key, row]) => [key, !marked.has(key) ? 'not_reviewed' : before.get(key) === row ? 'reviewed' : 'changed']);
    const page = await records(monitor, 'AE', '?usubjids=S-002&usubjids=S-003&limit=500');
    expect(page.data.map((r) => [r.recordKey, r.status])).toEqual(expected);
    expect(expected).toEqual([
      ['USUBJID=S-002|AESEQ=2', 'reviewed'],
      ['USUBJID=S-003|AESEQ=1', 'not_reviewed'],
      ['USUBJID=S-003|AESEQ=2', 'not_reviewed'],
    ]);
    const one = await records(monitor, 'AE', '?usubjids=S-002&status=removed');
    expect(one.data.map((r) => r.recordKey)).toEqual(['USUBJID=S-002|AESEQ=1']);
    const subjects = await records(monitor, 'DM', '?usubjids=S-001&usubjids=S-003');
    expect(subjects.data.map((r) => [r.recordKey, r.status])).toEqual([
      ['USUBJID=S-001', 'reviewed'],
      ['USUBJID=S-003', 'not_reviewed'],
    ]);
    const tooMany = await t.request(monitor, {
      method: 'GET',
      url: `${base()}/datasets/AE/records?${Array.from({ length: 1001 }, (_, i) => `usubjids=S-${i}`).join('&')}`,
    });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.body).toContain('usubjids');
  });

  it('counts per dataset and status match a reference computed from the files and the marks table', async () => {
    const res = await t.request(manager, { method: 'GET', url: `${base()}/counts` });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json().data;
    expect(body.dataVersionId).toBe(v2);

    // Reference: the marks in force, read with plain SQL; the rows of both files parsed here.
    const { rows: inForce } = await t.admin.query(
      `select dataset, record_key from (
         select distinct on (dataset, record_key) dataset, record_key, action from review_marks
         where study_id = $1 order by dataset, record_key, created_at desc, id desc) m
       where action = 'reviewed'`,
      [studyId],
    );
    const before = referenceRows(AE_V1);
    const now = referenceRows(AE_V2);
    const aeMarks = inForce.filter((m) => m.dataset === 'AE').map((m) => m.record_key as string);
    const expected = {
      rows: now.size,
      reviewed: aeMarks.filter((k) => now.has(k) && now.get(k) === before.get(k)).length,
      changed: aeMarks.filter((k) => now.has(k) && now.get(k) !== before.get(k)).length,
      removed: aeMarks.filter((k) => !now.has(k)).length,
      notReviewed: [...now.keys()].filter((k) => !aeMarks.includes(k)).length,
    };
    expect(expected).toEqual({ rows: 5, reviewed: 2, changed: 1, removed: 1, notReviewed: 2 });
    expect(body.datasets.find((d: { dataset: string }) => d.dataset === 'AE')).toMatchObject({
      key: ['USUBJID', 'AESEQ'],
      keyProblem: null,
      ...expected,
    });
    expect(body.datasets.find((d: { dataset: string }) => d.dataset === 'DM')).toMatchObject({
      key: ['USUBJID'],
      rows: 3,
      reviewed: 1,
      changed: 0,
      notReviewed: 2,
      removed: 0,
    });
  });

  it('unmarking keeps the history and is audited; marks cannot be rewritten', async () => {
    const res = await t.request(monitor, {
      method: 'POST',
      url: `${base()}/unmark`,
      payload: { dataset: 'AE', key: { USUBJID: 'S-001', AESEQ: 2 }, comment: 'Marked by mistake' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toMatchObject({ status: 'not_reviewed', mark: { action: 'unmarked' } });
    const twice = await t.request(monitor, {
      method: 'POST',
      url: `${base()}/unmark`,
      payload: { dataset: 'AE', key: { USUBJID: 'S-001', AESEQ: 2 } },
    });
    expect(twice.statusCode).toBe(409);
    const history = await t.request(monitor, {
      method: 'GET',
      url: `${base()}/datasets/AE/history?key=${encodeURIComponent('USUBJID=S-001|AESEQ=2')}`,
    });
    expect(history.json().data.map((m: { action: string }) => m.action)).toEqual(['reviewed', 'unmarked']);

    await expect(t.admin.query(`update review_marks set comment = 'x' where study_id = $1`, [studyId])).rejects.toThrow(
      /append-only/,
    );
    await expect(t.admin.query(`delete from review_marks where study_id = $1`, [studyId])).rejects.toThrow(
      /append-only/,
    );

    const { rows } = await t.admin.query(
      `select action, count(*)::int as n from audit_events where org_id = $1 and action like 'review%' group by action`,
      [tenant.org.id],
    );
    const counts = Object.fromEntries(rows.map((r) => [r.action, r.n]));
    expect(counts).toMatchObject({ 'review.marked': 5, 'review.unmarked': 1 });
    const { rows: marked } = await t.admin.query(
      `select new_values, resource_label from audit_events where org_id = $1 and action = 'review.marked' order by seq limit 1`,
      [tenant.org.id],
    );
    expect(marked[0].resource_label).toBe(`${tenant.study.code} AE USUBJID=S-001|AESEQ=1`);
    expect(marked[0].new_values).toMatchObject({ dataset: 'AE', comment: 'Checked against source' });
    expect(JSON.stringify(marked[0].new_values)).not.toContain('Headache');
  });

  it('PHI columns read masked in "what changed" for readers without PHI access', async () => {
    const classified = await t.request(admin, {
      method: 'PUT',
      url: `/api/studies/${studyId}/phi-columns`,
      payload: { dataset: 'AE', column: 'AESEV', classification: 'phi' },
    });
    expect(classified.statusCode, classified.body).toBe(200);
    const masked = await records(scientist, 'AE', '?status=changed');
    expect(masked.data[0]?.changes).toContainEqual({ column: 'AESEV', from: '[PHI]', to: '[PHI]' });
    const clear = await records(manager, 'AE', '?status=changed');
    expect(clear.data[0]?.changes).toContainEqual({ column: 'AESEV', from: 'MILD', to: 'SEVERE' });
  });
});

describe('notes and queries', () => {
  it('the assignee picker lists the active users who may act on a query in the study, by plain SQL', async () => {
    const gone = await tenant.as('clinical_monitor');
    await t.admin.query(`update users set status = 'deactivated' where id = $1`, [gone.user.id]);
    const { rows } = await t.admin.query(
      `select distinct u.id, u.name from users u
         join role_assignments a on a.user_id = u.id and (a.expires_at is null or a.expires_at > now())
         join roles r on r.id = a.role_id
       where u.org_id = $1 and u.status = 'active' and (a.study_id is null or a.study_id = $2)
         and exists (select 1 from unnest(r.permissions) p where p like 'review:perform:%')
       order by u.name, u.id`,
      [tenant.org.id, studyId],
    );
    const res = await t.request(monitor, { method: 'GET', url: `${base()}/assignees` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual(rows.map((r) => ({ id: r.id, name: r.name })));
    const ids = res.json().data.map((u: { id: string }) => u.id);
    expect(ids).toEqual(expect.arrayContaining([admin.user.id, manager.user.id, monitor.user.id]));
    for (const absent of [scientist.user.id, auditor.user.id, gone.user.id]) expect(ids).not.toContain(absent);
    expect(JSON.stringify(res.json())).not.toContain('@');
    const denied = await t.request(scientist, { method: 'GET', url: `${base()}/assignees` });
    expect(denied.statusCode).toBe(403);
  });

  it('open → answered by the assignee → reopened → closed, each change audited', async () => {
    const created = await t.request(monitor, {
      method: 'POST',
      url: `${base()}/threads`,
      payload: {
        kind: 'query',
        usubjid: 'S-001',
        dataset: 'AE',
        key: { USUBJID: 'S-001', AESEQ: 1 },
        title: 'Severity changed',
        body: 'Please confirm the new severity against the source.',
        assignedTo: manager.user.id,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const thread = created.json().data;
    expect(thread).toMatchObject({ status: 'open', recordKey: 'USUBJID=S-001|AESEQ=1', assignedTo: manager.user.id });
    const url = `${base()}/threads/${thread.id}`;

    const mine = await t.request(manager, { method: 'GET', url: `${base()}/threads?assigned=me` });
    expect(mine.json().data.map((x: { id: string }) => x.id)).toEqual([thread.id]);
    const counts = await t.request(manager, { method: 'GET', url: `${base()}/counts` });
    expect(counts.json().data).toMatchObject({ openThreads: 1, openAssignedToMe: 1 });

    const answered = await t.request(manager, {
      method: 'POST',
      url: `${url}/messages`,
      payload: { body: 'Confirmed.' },
    });
    expect(answered.statusCode, answered.body).toBe(201);
    expect(answered.json().data.status).toBe('answered');
    const reopened = await t.request(monitor, {
      method: 'POST',
      url: `${url}/messages`,
      payload: { body: 'Date too?' },
    });
    expect(reopened.json().data.status).toBe('open');
    const closed = await t.request(monitor, { method: 'PATCH', url, payload: { status: 'closed' } });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json().data.messages.map((m: { body: string }) => m.body)).toEqual([
      'Please confirm the new severity against the source.',
      'Confirmed.',
      'Date too?',
    ]);
    const late = await t.request(manager, { method: 'POST', url: `${url}/messages`, payload: { body: 'One more' } });
    expect(late.statusCode).toBe(409);
    const reassigned = await t.request(monitor, { method: 'PATCH', url, payload: { assignedTo: admin.user.id } });
    expect(reassigned.json().data).toMatchObject({ assignedTo: admin.user.id, status: 'closed' });

    const { rows } = await t.admin.query(
      `select action from audit_events where org_id = $1 and resource_id = $2 order by seq`,
      [tenant.org.id, thread.id],
    );
    expect(rows.map((r) => r.action)).toEqual([
      'review_thread.created',
      'review_thread.replied',
      'review_thread.replied',
      'review_thread.status_changed',
      'review_thread.assigned',
    ]);
  });

  it('refuses an assignee outside the organization and a key that is not the subject’s', async () => {
    const other = await (await t.tenant()).as('study_manager');
    const outsider = await t.request(monitor, {
      method: 'POST',
      url: `${base()}/threads`,
      payload: { usubjid: 'S-001', title: 'x', body: 'y', assignedTo: other.user.id },
    });
    expect(outsider.statusCode).toBe(400);
    expect(outsider.json().error.details.issues[0].path).toBe('body.assignedTo');
    const mismatch = await t.request(monitor, {
      method: 'POST',
      url: `${base()}/threads`,
      payload: { usubjid: 'S-002', dataset: 'AE', key: { USUBJID: 'S-001', AESEQ: 1 }, title: 'x', body: 'y' },
    });
    expect(mismatch.statusCode).toBe(400);
  });
});

describe('permissions, tenants and bad input', () => {
  it('reading needs data:view or review:perform; marking needs review:perform', async () => {
    const denied = await t.request(auditor, { method: 'GET', url: `${base()}/counts` });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.details.missingPermission).toBe('data:view:assigned');
    expect((await t.request(scientist, { method: 'GET', url: `${base()}/counts` })).statusCode).toBe(200);
    const noMark = await mark(scientist, 'AE', { USUBJID: 'S-003', AESEQ: 1 });
    expect(noMark.statusCode).toBe(403);
    expect(noMark.json().error.details.missingPermission).toBe('review:perform:assigned');
    const noThread = await t.request(scientist, {
      method: 'POST',
      url: `${base()}/threads`,
      payload: { usubjid: 'S-001', title: 'x', body: 'y' },
    });
    expect(noThread.statusCode).toBe(403);
  });

  it('another organization gets 404 for every review route', async () => {
    const intruder = await (await t.tenant()).as('org_admin');
    for (const request of [
      { method: 'GET' as const, url: `${base()}/counts` },
      { method: 'GET' as const, url: `${base()}/datasets/AE/records` },
      { method: 'GET' as const, url: `${base()}/subjects/S-001` },
      {
        method: 'POST' as const,
        url: `${base()}/marks`,
        payload: { dataset: 'AE', key: { USUBJID: 'S-001', AESEQ: 1 } },
      },
      { method: 'GET' as const, url: `${base()}/threads` },
    ]) {
      const res = await t.request(intruder, request);
      expect(res.statusCode, `${request.method} ${request.url}`).toBe(404);
    }
  });

  it('names what is wrong with a key, a dataset or a record', async () => {
    const extra = await mark(monitor, 'AE', { USUBJID: 'S-001', AESEQ: 1, AETERM: 'Headache' });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.message).toBe('AE records are keyed by USUBJID + AESEQ; AETERM is not part of the key.');
    const missing = await mark(monitor, 'AE', { USUBJID: 'S-001' });
    expect(missing.json().error.message).toBe('AE records are keyed by USUBJID + AESEQ: AESEQ is missing.');
    const notNumber = await mark(monitor, 'AE', { USUBJID: 'S-001', AESEQ: 'one' });
    expect(notNumber.json().error.message).toBe('AESEQ must be a number.');
    const gone = await mark(monitor, 'AE', { USUBJID: 'S-002', AESEQ: 1 });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.message).toBe('Record USUBJID=S-002|AESEQ=1 in AE not found.');
    const unknown = await mark(monitor, 'LB', { USUBJID: 'S-001', LBSEQ: 1 });
    expect(unknown.statusCode).toBe(404);
    const hostile = await mark(monitor, 'AE"; DROP TABLE x; --', { USUBJID: 'S-001' });
    expect(hostile.statusCode).toBe(400);
    const quoteKey = await mark(monitor, 'AE', { USUBJID: "S-001' OR '1'='1", AESEQ: 1 });
    expect(quoteKey.statusCode).toBe(404);
  });
});
