import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySession } from '../../../test/api-key-session.ts';
import {
  multipartFile,
  type Session,
  startTestApp,
  TEST_PASSWORD,
  type Tenant,
  type TestApp,
} from '../../../test/harness.ts';
import { awayFromStepEdge, totpCode } from '../../../test/totp-codes.ts';
import { canonicalJson } from '../../audit/canonical-json.ts';

/**
 * Electronic signatures, rule by rule (21 CFR 11.50, 11.70, 11.100, 11.200, 11.300), against the
 * real database: who signs, with which components, what is stored, and what verification says.
 */

let t: TestApp;
let tenant: Tenant;
let admin: Session;
let dashboardId: string;
let versionId: string;

beforeAll(async () => {
  t = await startTestApp();
  tenant = await t.tenant();
  admin = await tenant.as('org_admin');
  const upload = await t.request(admin, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/uploads`,
    ...multipartFile('dm.csv', 'USUBJID,AGE\nS-001,63\nS-002,41\n'),
  });
  expect(upload.statusCode, upload.body).toBe(201);
  versionId = upload.json().data.id;
  const dashboard = await t.request(admin, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/dashboards`,
    payload: { name: 'Safety overview', templateId: 'clinical-study-overview' },
  });
  expect(dashboard.statusCode, dashboard.body).toBe(201);
  dashboardId = dashboard.json().data.id;
});
afterAll(() => t.close());

function sign(session: Session, body: Record<string, unknown>) {
  return t.request(session, {
    method: 'POST',
    url: '/api/signatures',
    payload: { resourceType: 'dashboard_version', resourceId: `${dashboardId}:1`, meaning: 'Approval', ...body },
  });
}

async function signatureCount(userId: string): Promise<number> {
  const { rows } = await t.admin.query('select count(*)::int as n from signatures where user_id = $1', [userId]);
  return rows[0].n;
}

async function failures(userId: string) {
  const { rows } = await t.admin.query(
    `select (select failed_login_count from users where id = $1::uuid) as account,
            (select coalesce(sum(failures), 0)::int from login_throttles where user_id = $1::uuid) as address,
            (select count(*)::int from audit_events where actor_id = $1::text and action = 'signature.failed') as audited`,
    [userId],
  );
  return rows[0] as { account: number; address: number; audited: number };
}

describe('signing (11.50, 11.200)', () => {
  it('the first signing of a session needs e-mail and password; later ones the password only', async () => {
    const monitor = await tenant.as('clinical_monitor', { name: 'Maria Monitor' });
    const noEmail = await sign(monitor, { password: TEST_PASSWORD });
    expect(noEmail.statusCode).toBe(400);
    expect(noEmail.json().error.details.issues[0].path).toBe('body.email');

    const first = await sign(monitor, {
      email: monitor.user.email,
      password: TEST_PASSWORD,
      timeZone: 'Europe/Paris',
      reason: 'Reviewed the layout',
    });
    expect(first.statusCode, first.body).toBe(201);
    const signature = first.json().data;
    expect(signature).toMatchObject({
      signerName: 'Maria Monitor',
      signerEmail: monitor.user.email,
      meaning: 'Approval',
      timeZone: 'Europe/Paris',
      authentication: 'full',
      resourceLabel: 'Dashboard Safety overview, version 1',
      reason: 'Reviewed the layout',
    });
    // The manifestation's time in the signer's zone, with the zone named.
    expect(signature.signedAtLocal).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (GMT\+1|CET|GMT\+2|CEST) \(Europe\/Paris\)$/,
    );

    const second = await sign(monitor, { password: TEST_PASSWORD, meaning: 'Review' });
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json().data.authentication).toBe('password');

    // A new session starts over with every component.
    const again = await t.login(monitor.user.email);
    const fresh = { ...again, user: monitor.user };
    expect((await sign(fresh, { password: TEST_PASSWORD })).statusCode).toBe(400);

    const { rows: audit } = await t.admin.query(
      `select action, resource_type, new_values from audit_events where actor_id = $1::text and action = 'signature.signed' order by seq`,
      [monitor.user.id],
    );
    expect(audit).toHaveLength(2);
    expect(audit[0].resource_type).toBe('signature');
    expect(audit[0].new_values).toMatchObject({ meaning: 'Approval', contentSha256: signature.contentSha256 });
  });

  it('an unknown meaning is 400 and signs nothing, counting no failure', async () => {
    const manager = await tenant.as('study_manager');
    const res = await sign(manager, { meaning: 'Looked at it', email: manager.user.email, password: TEST_PASSWORD });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('Authorship, Review, Approval, Responsibility');
    expect(res.json().error.details.issues[0].path).toBe('body.meaning');
    expect(await signatureCount(manager.user.id)).toBe(0);
    expect(await failures(manager.user.id)).toMatchObject({ account: 0, audited: 0 });
  });

  it('the organization’s own meanings: an org admin edits the list; others may not', async () => {
    const other = await t.tenant();
    const orgAdmin = await other.as('org_admin');
    const manager = await other.as('study_manager');
    const denied = await t.request(manager, {
      method: 'PATCH',
      url: '/api/organization/compliance',
      payload: { signatureMeanings: ['Approval'] },
    });
    expect(denied.statusCode).toBe(403);
    const changed = await t.request(orgAdmin, {
      method: 'PATCH',
      url: '/api/organization/compliance',
      payload: { signatureMeanings: ['Authorship', 'Medical review'] },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    const read = await t.request(manager, { method: 'GET', url: '/api/organization/compliance' });
    expect(read.json().data.signatureMeanings).toEqual(['Authorship', 'Medical review']);
    const { rows } = await t.admin.query(
      `select old_values, new_values from audit_events where org_id = $1 and action = 'compliance.updated'`,
      [other.org.id],
    );
    expect(rows[0].old_values.signatureMeanings).toEqual(['Authorship', 'Review', 'Approval', 'Responsibility']);
    const study = await t.request(orgAdmin, {
      method: 'POST',
      url: `/api/studies/${other.study.id}/status`,
      payload: { status: 'locked', reason: 'Database lock' },
    });
    expect(study.statusCode, study.body).toBe(200);
    const base = {
      resourceType: 'study',
      resourceId: other.study.id,
      email: manager.user.email,
      password: TEST_PASSWORD,
    };
    expect((await sign(manager, { ...base, meaning: 'Approval' })).statusCode).toBe(400);
    expect((await sign(manager, { ...base, meaning: 'medical review' })).statusCode).toBe(201);
    const bad = await t.request(orgAdmin, {
      method: 'PATCH',
      url: '/api/organization/compliance',
      payload: { signatureMeanings: [] },
    });
    expect(bad.statusCode).toBe(400);
  });
});

describe('wrong components (11.300)', () => {
  it('a wrong password is refused, counted toward the lock, audited, and nothing is signed', async () => {
    const scientist = await tenant.as('data_scientist');
    const res = await sign(scientist, { email: scientist.user.email, password: 'not-the-password' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(res.json().error.message).toContain('Nothing was signed');
    expect(await signatureCount(scientist.user.id)).toBe(0);
    expect(await failures(scientist.user.id)).toEqual({ account: 1, address: 1, audited: 1 });
    const { rows } = await t.admin.query(
      `select new_values from audit_events where actor_id = $1::text and action = 'signature.failed'`,
      [scientist.user.id],
    );
    expect(rows[0].new_values).toMatchObject({ reason: 'wrong_password', resourceType: 'dashboard_version' });
    expect(JSON.stringify(rows)).not.toContain('not-the-password');
  });

  it('an e-mail that is not the signer’s is refused and counted', async () => {
    const scientist = await tenant.as('data_scientist');
    const res = await sign(scientist, { email: admin.user.email, password: TEST_PASSWORD });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.details.issues[0].path).toBe('body.email');
    expect(await signatureCount(scientist.user.id)).toBe(0);
    expect(await failures(scientist.user.id)).toMatchObject({ account: 1, audited: 1 });
  });

  it('five wrong signing passwords lock the account: signing and signing in are refused, even with the right password', async () => {
    const auditor = await tenant.as('auditor');
    for (let i = 0; i < 4; i += 1) {
      expect((await sign(auditor, { email: auditor.user.email, password: `wrong-${i}` })).statusCode).toBe(401);
    }
    const fifth = await sign(auditor, { email: auditor.user.email, password: 'wrong-5' });
    expect(fifth.statusCode).toBe(423);
    const { rows } = await t.admin.query(
      `select count(*)::int as n from audit_events where actor_id = $1::text and action = 'auth.lockout'`,
      [auditor.user.id],
    );
    expect(rows[0].n).toBe(1);
    expect((await sign(auditor, { email: auditor.user.email, password: TEST_PASSWORD })).statusCode).toBe(423);
    expect(await signatureCount(auditor.user.id)).toBe(0);
    const login = await t.login(auditor.user.email);
    expect(login.response.statusCode).toBe(401);
  });

  it('with a second factor, the first signing needs the code; a wrong code is counted; a replayed code is refused', async () => {
    const user = await tenant.as('study_manager');
    await awayFromStepEdge();
    const enrol = await t.request(user, { method: 'POST', url: '/api/me/mfa/enrol', payload: {} });
    const secret = enrol.json().data.secret as string;
    const confirm = await t.request(user, {
      method: 'POST',
      url: '/api/me/mfa/confirm',
      payload: { code: totpCode(secret, -1) },
    });
    expect(confirm.statusCode, confirm.body).toBe(200);

    const noCode = await sign(user, { email: user.user.email, password: TEST_PASSWORD });
    expect(noCode.statusCode).toBe(400);
    expect(noCode.json().error.details.issues[0].path).toBe('body.totp');
    const wrong = await sign(user, {
      email: user.user.email,
      password: TEST_PASSWORD,
      totp: '000000' === totpCode(secret) ? '111111' : '000000',
    });
    expect(wrong.statusCode).toBe(401);
    expect(await failures(user.user.id)).toMatchObject({ account: 1, audited: 1 });
    const replayed = await sign(user, { email: user.user.email, password: TEST_PASSWORD, totp: totpCode(secret, -1) });
    expect(replayed.statusCode).toBe(401);
    const code = totpCode(secret, 0);
    const ok = await sign(user, { email: user.user.email, password: TEST_PASSWORD, totp: code });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(await signatureCount(user.user.id)).toBe(1);
    // The same code in a new session: used once, refused now.
    const other = { ...(await t.login(user.user.email)), user: user.user };
    expect(other.response.json().mfa).toBe('verify');
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login/mfa',
      payload: { challenge: other.response.json().challenge, code },
    });
    expect(login.statusCode).toBe(401);
  });
});

describe('what can be signed', () => {
  it('signing another organization’s record, list or verification is 404; an API key cannot sign', async () => {
    const other = await t.tenant();
    const stranger = await other.as('org_admin');
    const res = await sign(stranger, { email: stranger.user.email, password: TEST_PASSWORD });
    expect(res.statusCode).toBe(404);
    const mine = await sign(admin, { email: admin.user.email, password: TEST_PASSWORD });
    expect(mine.statusCode, mine.body).toBe(201);
    const list = await t.request(stranger, {
      method: 'GET',
      url: `/api/signatures?resource=dashboard_version:${dashboardId}:1`,
    });
    expect(list.statusCode).toBe(404);
    const verify = await t.request(stranger, { method: 'GET', url: `/api/signatures/${mine.json().data.id}/verify` });
    expect(verify.statusCode).toBe(404);
    expect(await failures(stranger.user.id)).toMatchObject({ account: 0, audited: 0 });

    const key = await keySession(t, admin, { scopes: ['dashboard:view:assigned', 'study:view:assigned'] });
    const byKey = await sign(key, { password: TEST_PASSWORD });
    expect(byKey.statusCode).toBe(403);
  });

  it('a study is signed only when locked; an unrecorded export is 404', async () => {
    const manager = await tenant.as('study_manager');
    const unlocked = await sign(manager, {
      resourceType: 'study',
      resourceId: tenant.study.id,
      email: manager.user.email,
      password: TEST_PASSWORD,
    });
    expect(unlocked.statusCode).toBe(409);
    const exported = await sign(manager, {
      resourceType: 'export',
      resourceId: tenant.study.id,
      email: manager.user.email,
      password: TEST_PASSWORD,
    });
    expect(exported.statusCode).toBe(404);
    expect(await failures(manager.user.id)).toMatchObject({ account: 0 });
  });

  it('a pipeline version and a data version bind to their canonical content', async () => {
    const { rows } = await t.admin.query(
      `with p as (insert into pipelines (org_id, study_id, name, kind, body, inputs, outputs, triggers, version)
         values ($1, $2, 'Adults', 'sql', '{"statements":[]}', '[]', '["x"]', '{"onSourceActivation":false,"schedule":null,"afterUpstream":true}', 1) returning id)
       insert into pipeline_versions (org_id, pipeline_id, version, name, kind, body, inputs, outputs, triggers)
         select $1, id, 1, 'Adults', 'sql', '{"statements":[]}', '[]', '["x"]', '{"onSourceActivation":false,"schedule":null,"afterUpstream":true}' from p
       returning pipeline_id`,
      [tenant.org.id, tenant.study.id],
    );
    const pipelineId = rows[0].pipeline_id;
    const manager = await tenant.as('study_manager');
    const pipe = await sign(manager, {
      resourceType: 'pipeline_version',
      resourceId: `${pipelineId}:1`,
      meaning: 'Authorship',
      email: manager.user.email,
      password: TEST_PASSWORD,
    });
    expect(pipe.statusCode, pipe.body).toBe(201);
    const expected = createHash('sha256')
      .update(
        canonicalJson({
          type: 'pipeline_version',
          pipelineId,
          version: 1,
          name: 'Adults',
          description: null,
          kind: 'sql',
          body: { statements: [] },
          inputs: [],
          outputs: ['x'],
        }),
      )
      .digest('hex');
    expect(pipe.json().data.contentSha256).toBe(expected);

    const version = await sign(manager, {
      resourceType: 'data_version',
      resourceId: versionId,
      password: TEST_PASSWORD,
    });
    expect(version.statusCode, version.body).toBe(201);
    const { rows: files } = await t.admin.query(
      `select d.name, d.sha256, d.rows, v.label, v.source_sha256 from datasets d join data_versions v on v.id = d.version_id where v.id = $1 order by d.name`,
      [versionId],
    );
    const content = {
      type: 'data_version',
      id: versionId,
      studyId: tenant.study.id,
      label: files[0].label,
      sourceSha256: files[0].source_sha256,
      datasets: files.map((f) => ({ name: f.name, sha256: f.sha256, rows: Number(f.rows) })),
    };
    expect(version.json().data.contentSha256).toBe(createHash('sha256').update(canonicalJson(content)).digest('hex'));
  });
});

describe('verification (11.70) and the record itself (11.10(e))', () => {
  it('"valid" until the signed record changes; then "the record changed after it was signed"', async () => {
    const manager = await tenant.as('study_manager');
    const signed = await sign(manager, { email: manager.user.email, password: TEST_PASSWORD });
    const id = signed.json().data.id;
    const before = await t.request(manager, { method: 'GET', url: `/api/signatures/${id}/verify` });
    expect(before.json().data).toMatchObject({ status: 'valid', message: 'valid' });
    const list = await t.request(manager, {
      method: 'GET',
      url: `/api/signatures?resource=dashboard_version:${dashboardId}:1`,
    });
    expect(list.json().data.map((s: { id: string }) => s.id)).toContain(id);

    // Versions are immutable (a trigger refuses UPDATE); only a superuser who switches triggers
    // off can change one, which is exactly the tampering verification must reveal.
    const client = await t.admin.connect();
    try {
      await client.query('begin');
      await client.query('set local session_replication_role = replica');
      await client.query(
        `update dashboard_versions set document = jsonb_set(document, '{pages,0,title}', '"Tampered"') where dashboard_id = $1 and version = 1`,
        [dashboardId],
      );
      await client.query('commit');
    } finally {
      client.release();
    }
    const after = await t.request(manager, { method: 'GET', url: `/api/signatures/${id}/verify` });
    expect(after.json().data).toMatchObject({ status: 'changed', message: 'the record changed after it was signed' });
    expect(after.json().data.currentSha256).not.toBe(after.json().data.signedSha256);
  });

  it('signatures are append-only: UPDATE, DELETE and TRUNCATE are refused, even to the table owner', async () => {
    const { rows } = await t.admin.query('select id from signatures limit 1');
    expect(rows).toHaveLength(1);
    await expect(t.admin.query(`update signatures set meaning = 'Forged' where id = $1`, [rows[0].id])).rejects.toThrow(
      /append-only/,
    );
    await expect(t.admin.query('delete from signatures where id = $1', [rows[0].id])).rejects.toThrow(/append-only/);
    await expect(t.admin.query('truncate signatures')).rejects.toThrow(/append-only/);
  });
});

describe('activation under "require a signature for activation"', () => {
  it('activation and roll back need a just-made signature of that version by the activator', async () => {
    const org = await t.tenant();
    const orgAdmin = await org.as('org_admin');
    const upload = async (csv: string) => {
      const res = await t.request(orgAdmin, {
        method: 'POST',
        url: `/api/studies/${org.study.id}/uploads`,
        ...multipartFile('dm.csv', csv),
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().data.id as string;
    };
    const first = await upload('USUBJID,AGE\nA-1,50\n');
    const second = await upload('USUBJID,AGE\nA-1,50\nA-2,51\n');
    const setting = await t.request(orgAdmin, {
      method: 'PATCH',
      url: '/api/organization/compliance',
      payload: { requireSignatureForActivation: true },
    });
    expect(setting.statusCode).toBe(200);
    const activate = (vid: string, body: Record<string, unknown>) =>
      t.request(orgAdmin, {
        method: 'POST',
        url: `/api/studies/${org.study.id}/versions/${vid}/activate`,
        payload: { reason: 'Go live', ...body },
      });

    const unsigned = await activate(second, {});
    expect(unsigned.statusCode).toBe(403);
    expect(unsigned.json().error.code).toBe('SIGNATURE_REQUIRED');
    const signOf = async (vid: string, extra: Record<string, unknown> = {}) => {
      const res = await sign(orgAdmin, {
        resourceType: 'data_version',
        resourceId: vid,
        email: orgAdmin.user.email,
        password: TEST_PASSWORD,
        ...extra,
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().data.id as string;
    };
    const ofFirst = await signOf(first);
    expect((await activate(second, { signatureId: ofFirst })).statusCode).toBe(403);
    const ofSecond = await signOf(second);
    const done = await activate(second, { signatureId: ofSecond });
    expect(done.statusCode, done.body).toBe(200);
    const { rows } = await t.admin.query(
      `select action, new_values from audit_events where org_id = $1 and action like 'data_version.%' and action <> 'data_version.created' order by seq`,
      [org.org.id],
    );
    expect(rows.at(-1).new_values.signatureId).toBe(ofSecond);

    // Roll back to the first: the same rule.
    expect((await activate(first, {})).json().error.code).toBe('SIGNATURE_REQUIRED');
    const back = await activate(first, { signatureId: ofFirst });
    expect(back.statusCode, back.body).toBe(200);
    expect(
      (await t.admin.query(`select action from audit_events where org_id = $1 order by seq desc limit 1`, [org.org.id]))
        .rows[0].action,
    ).toBe('data_version.rolled_back');
  });
});
