import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Dashboard } from '@cdp/contracts';
import { buildZip, hasSharedData, sharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, type TestApp } from '../../../test/harness.ts';
import { pilotStudy } from '../../../test/pilot-study.ts';
import { BUILTIN_TEMPLATES } from '../../dashboards/templates/instantiate.ts';
import { loadGeneratedVersion } from '../../seed/load-demo-data.ts';

/*
 * The review templates (issue 19) instantiated on three real studies: the CDISC pilot's original
 * SDTM, the pilot's ADaM (ADSL, ADAE, ADLBHY, ADTTE) and the demo generator's study (SDTM with LB
 * and VS). Every widget must be mapped and answer, except those whose dataset the study does not
 * have (ADTTE on SDTM), which must say which dataset is missing. The numbers themselves are
 * checked in each widget's own real-data tests.
 */

const TEMPLATES = ['site-monitoring', 'safety-review'].filter((id) => BUILTIN_TEMPLATES.some((t) => t.id === id));
const ADAM = sharedData('cdiscpilot01', 'adam-tdf');
const hasData =
  hasSharedData('the template tests', 'cdiscpilot01', 'sdtm-original', 'dm.xpt') &&
  hasSharedData('the template tests', 'cdiscpilot01', 'adam-tdf', 'adsl.xpt');

let t: TestApp;
const studies: Record<string, { id: string; session: Session; datasets: Set<string>; columns: Set<string> }> = {};

/**
 * Widgets a study cannot fill because its data lacks the column, not because the mapping missed it:
 * the widget, the CDISC column no dataset of the study has, and the field it would map.
 */
const NOT_IN_DATA: Record<string, Array<{ widget: string; column: string; field: string }>> = {
  // The pilot ADaM's ADSL has SITEID but no COUNTRY.
  'pilot ADaM': [{ widget: 'site-map', column: 'COUNTRY', field: 'country' }],
};

async function upload(session: Session, studyId: string, dir: string, names: string[]) {
  const zip = buildZip(
    await Promise.all(names.map(async (name) => ({ name, data: await readFile(path.join(dir, name)) }))),
  );
  const res = await t.request(session, {
    method: 'POST',
    url: `/api/studies/${studyId}/uploads`,
    ...multipartFile('data.zip', zip),
  });
  expect(res.statusCode, res.body).toBe(201);
}

async function datasetsOf(studyId: string): Promise<{ datasets: Set<string>; columns: Set<string> }> {
  const { rows } = await t.admin.query('select name, columns from datasets where study_id = $1', [studyId]);
  return {
    datasets: new Set(rows.map((r) => String(r.name).toUpperCase())),
    columns: new Set(rows.flatMap((r) => (r.columns as Array<{ name: string }>).map((c) => c.name.toUpperCase()))),
  };
}

beforeAll(async () => {
  if (!hasData) return;
  const pilot = await pilotStudy();
  t = pilot.t;
  studies['pilot SDTM'] = { id: pilot.studyId, session: pilot.manager, ...(await datasetsOf(pilot.studyId)) };
  for (const name of ['pilot ADaM', 'demo study']) {
    const tenant = await t.tenant();
    const session = await tenant.as('study_manager');
    if (name === 'pilot ADaM')
      await upload(session, tenant.study.id, ADAM, ['adsl.xpt', 'adae.xpt', 'adlbhy.xpt', 'adtte.xpt']);
    else
      await loadGeneratedVersion(
        t.ctx,
        { id: tenant.study.id, orgId: tenant.org.id },
        { subjects: 120, sites: 6, seed: 19, studyId: 'RV-19' },
      );
    studies[name] = { id: tenant.study.id, session, ...(await datasetsOf(tenant.study.id)) };
  }
}, 240_000);
afterAll(async () => {
  await t?.close();
});

describe.skipIf(!hasData)('the review templates on the pilot SDTM, the pilot ADaM and the demo study', () => {
  const cases = TEMPLATES.flatMap((template) =>
    ['pilot SDTM', 'pilot ADaM', 'demo study'].map((study) => ({ template, study })),
  );
  it.each(cases)('$template on the $study: every widget mapped and answering', async ({ template, study }) => {
    const target = studies[study];
    if (!target) throw new Error(`no study ${study}`);
    const created = await t.request(target.session, {
      method: 'POST',
      url: `/api/studies/${target.id}/dashboards`,
      payload: { name: `${template} on ${study}`, templateId: template },
    });
    expect(created.statusCode, created.body).toBe(201);
    const dashboard = created.json().data as Dashboard;
    const absent = (dataset: string) => !target.datasets.has(dataset.toUpperCase());
    for (const page of dashboard.document.pages) {
      for (const [id, widget] of Object.entries(page.widgets)) {
        const where = `${template} / ${study} / ${id} (${widget.data.dataset})`;
        const unmapped = dashboard.unmapped.find((u) => u.widgetId === id);
        const res = await t.request(target.session, {
          method: 'GET',
          url: `/api/studies/${target.id}/dashboards/${dashboard.id}/widgets/${id}/data`,
        });
        if (absent(widget.data.dataset)) {
          // A widget whose dataset the study lacks says which one (400: it cannot be mapped there).
          expect(res.statusCode, `${where}: ${res.body}`).toBe(400);
          expect(res.json().error.message, where).toContain(widget.data.dataset);
          continue;
        }
        const lacking = NOT_IN_DATA[study]?.find((n) => n.widget === id);
        if (lacking) {
          expect(target.columns.has(lacking.column), where).toBe(false);
          expect(unmapped?.fields, where).toEqual([lacking.field]);
          // Refused as a widget still to be mapped, naming the field.
          expect(res.statusCode, where).toBe(400);
          expect(res.json().error.message, where).toContain(unmapped?.reason ?? lacking.field);
          continue;
        }
        expect(unmapped, where).toBeUndefined();
        expect(res.statusCode, `${where}: ${res.body}`).toBe(200);
      }
    }
  });
});
