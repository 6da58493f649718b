import type { Dashboard, WidgetDataResponse } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingUser, keySession } from '../../../test/api-key-session.ts';
import type { Session, Tenant, TestApp } from '../../../test/harness.ts';
import { type GeneratedVersion, type OverviewStudy, overviewStudy, subjectsIn } from '../../../test/overview-study.ts';

/*
 * Warm widget answers are kept serialized (`dashboards/widget-answers.ts`) and the dashboard, the
 * study and the reader's view of the data are read in one transaction (`policies/dashboard-data.ts`).
 * Neither may ever show stale numbers or someone else's answer: these tests warm the kept answer
 * first and then change what it depends on.
 */

let t: TestApp;
let tenant: Tenant;
let manager: Session;
let monitor: Session;
let studyId: string;
let dashboard: Dashboard;
let versions: GeneratedVersion[];
let study: OverviewStudy;

type Answer = WidgetDataResponse;

const url = (widget: string, filters?: unknown[]) =>
  `/api/studies/${studyId}/dashboards/${dashboard.id}/widgets/${widget}/data${
    filters ? `?filters=${encodeURIComponent(JSON.stringify(filters))}` : ''
  }`;

async function answer(session: Session, widget: string, filters?: unknown[]): Promise<Answer> {
  const res = await t.request(session, { method: 'GET', url: url(widget, filters) });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.json() as Answer;
}

/** The headline number of a metric widget. */
const headline = (a: Answer) => a.metric?.value;

beforeAll(async () => {
  study = await overviewStudy();
  ({ t, tenant, manager, monitor, studyId, dashboard, versions } = study);
});
afterAll(() => t.close());

describe('kept widget answers', () => {
  it('answer again from the kept bytes, equal but for meta.cached and meta.ms', async () => {
    const first = await answer(monitor, 'total-screened', [{ field: 'age', op: 'ge', value: 40 }]);
    const again = await answer(monitor, 'total-screened', [{ field: 'age', op: 'ge', value: 40 }]);
    expect(again.meta.cached).toBe(true);
    const { meta: a, ...restA } = first;
    const { meta: b, ...restB } = again;
    expect(restB).toEqual(restA);
    expect({ ...b, cached: a.cached, ms: a.ms }).toEqual(a);
    expect(headline(again)).toBe(await subjectsIn(versions[0]?.dm ?? '', 40));
  });

  it('follow the active version: activate another, then roll back', async () => {
    const [first] = versions;
    if (!first) throw new Error('no first version');
    expect(headline(await answer(monitor, 'total-screened'))).toBe(await subjectsIn(first.dm));
    const second = await study.load({ subjects: 45, seed: 2 });
    // Loaded but not active: the kept answer still describes the active version, which is right.
    expect(headline(await answer(monitor, 'total-screened'))).toBe(await subjectsIn(first.dm));
    await study.activate(second.id, 'newer cut');
    const activated = await answer(monitor, 'total-screened');
    expect(activated.meta.versionId).toBe(second.id);
    expect(headline(activated)).toBe(await subjectsIn(second.dm));
    expect(headline(activated)).not.toBe(await subjectsIn(first.dm));
    await study.activate(first.id, 'wrong cut');
    const rolledBack = await answer(monitor, 'total-screened');
    expect(rolledBack.meta.versionId).toBe(first.id);
    expect(headline(rolledBack)).toBe(await subjectsIn(first.dm));
  });

  it('follow a saved dashboard: a new widget definition answers anew', async () => {
    const before = await answer(monitor, 'total-screened');
    const serious = await answer(monitor, 'serious-aes');
    expect(headline(serious)).not.toBe(headline(before));
    // The widget id keeps its place but now holds the serious-AE count's definition.
    const document = structuredClone(dashboard.document);
    const page = document.pages[0];
    const definition = page?.widgets['serious-aes'];
    if (!page || !definition) throw new Error('no serious-aes widget');
    page.widgets['total-screened'] = structuredClone(definition);
    const saved = await t.request(manager, {
      method: 'PUT',
      url: `/api/studies/${studyId}/dashboards/${dashboard.id}`,
      payload: { document, version: dashboard.version },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    dashboard = saved.json().data;
    const after = await answer(monitor, 'total-screened');
    expect(headline(after)).toBe(headline(serious));
  });

  it('are never answered to another organization, nor after the reader lost the role or the key', async () => {
    const warm = await answer(monitor, 'total-screened');
    expect(warm.meta.cached).toBe(true);
    const other = await (await t.tenant()).as('org_admin');
    const foreign = await t.request(other, { method: 'GET', url: url('total-screened') });
    expect(foreign.statusCode).toBe(404);

    // A role revoked takes effect on the next request, warm answer or not.
    const admin = await tenant.as('org_admin');
    const assignments = await t.request(admin, { method: 'GET', url: `/api/users/${monitor.user.id}/roles` });
    expect(assignments.statusCode, assignments.body).toBe(200);
    for (const assignment of assignments.json().data as { id: string }[]) {
      const revoked = await t.request(admin, {
        method: 'DELETE',
        url: `/api/users/${monitor.user.id}/roles/${assignment.id}?reason=left%20the%20study`,
      });
      expect(revoked.statusCode, revoked.body).toBe(200);
    }
    const refused = await t.request(monitor, { method: 'GET', url: url('total-screened') });
    expect([403, 404]).toContain(refused.statusCode);
    expect(refused.body).not.toContain('"metric"');

    // A key with the scopes reads the kept answer; revoked, it is refused at once.
    const creator = await everythingUser(t, tenant);
    const key = await keySession(t, creator, {
      scopes: ['study:view:assigned', 'dashboard:view:assigned', 'data:view:assigned'],
    });
    expect(headline(await answer(key, 'total-screened'))).toBe(headline(warm));
    const revoke = await t.request(creator, {
      method: 'POST',
      url: `/api/api-keys/${key.keyId}/revoke`,
      payload: { reason: 'rotated' },
    });
    expect(revoke.statusCode, revoke.body).toBe(200);
    const afterRevoke = await t.request(key, { method: 'GET', url: url('total-screened') });
    expect(afterRevoke.statusCode).toBe(401);
  });

  it('keep a masked reader’s answer from a cleared reader and back, and log every clear read', async () => {
    await study.classifyPhi('DM', 'RACE');
    const masked = await tenant.as('clinical_monitor');
    const cleared = await everythingUser(t, tenant);
    const logged = () => study.phiReadsOf(cleared.user.id);

    // The masked reader first: its answer (races masked) is kept…
    const hidden = await answer(masked, 'demographics');
    expect(JSON.stringify(hidden.rows)).toContain('[PHI]');
    expect(JSON.stringify(hidden.rows)).not.toContain('WHITE');
    const hiddenAgain = await answer(masked, 'demographics');
    expect(hiddenAgain.meta.cached).toBe(true);
    // …and never given to the cleared reader, whose every answer is computed and logged.
    const before = await logged();
    const clear = await answer(cleared, 'demographics');
    expect(JSON.stringify(clear.rows)).toContain('WHITE');
    expect(JSON.stringify(clear.rows)).not.toContain('[PHI]');
    const clearAgain = await answer(cleared, 'demographics');
    expect(clearAgain.rows).toEqual(clear.rows);
    expect(await logged()).toBe(before + 2);
    // The masked reader still gets the masked answer after the cleared one.
    expect((await answer(masked, 'demographics')).rows).toEqual(hidden.rows);
  });
});
