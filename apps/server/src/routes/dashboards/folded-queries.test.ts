import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Dashboard } from '@cdp/contracts';
import { sharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type TestApp } from '../../../test/harness.ts';
import { pilotStudy } from '../../../test/pilot-study.ts';
import { dashboardBaseTableBytes } from '../../lib/metrics.ts';
import { loadGeneratedVersion } from '../../seed/load-demo-data.ts';

/*
 * Folded queries (DASHBOARD_QUERY_FOLD, packages/analytics/src/query/fold-specs.ts), base tables
 * (DASHBOARD_BASE_TABLE_MB, base-tables.ts) and counts of a unique column without DISTINCT
 * (DASHBOARD_QUERY_UNIQUE_COUNTS, query-engine.ts) and keyed copies of the small datasets, whose
 * subject ids are matched and counted by integer keys (DASHBOARD_QUERY_KEYED_COPIES,
 * keyed-copies.ts), and counts summed from partials by age (DASHBOARD_QUERY_PARTIALS,
 * subject-partials.ts), must not change a single number: every page of the
 * Clinical Study Overview and the Safety Review, on the CDISC pilot's original SDTM and on the demo
 * generator's study (with LB), under several filter states, answered by an app that folds, by one
 * that reads through base tables (for every dataset, however small), by one with the defaults
 * (keyed copies of every dataset under 100,000 rows, folding) and by one that runs every spec
 * alone from the files with every count distinct and no partial, over the same stored files.
 * The numbers themselves are checked against plain SQL in pilot-sdtm.test.ts and real-data.test.ts,
 * which run with folding on (the default).
 */

const SDTM = sharedData('cdiscpilot01', 'sdtm-original');
const hasData = existsSync(path.join(SDTM, 'dm.xpt'));
if (!hasData) console.warn(`folded-query tests skipped: ${SDTM} is absent (see the shared data README)`);

const TEMPLATES = ['clinical-study-overview', 'safety-review'];
const FILTER_STATES = [
  [],
  [{ field: 'age', op: 'ge', value: 70 }],
  // An age range, as the load bench's users set: the other apps sum counts from partials by age.
  [
    { field: 'age', op: 'ge', value: 60 },
    { field: 'age', op: 'le', value: 75 },
  ],
  [
    { field: 'arm', op: 'in', value: ['Placebo'] },
    { field: 'sex', op: 'in', value: ['F'] },
  ],
  // A chart's click on an event-level category: the other widgets keep the subjects with such an event.
  [{ field: 'ae_body_system', op: 'in', value: ['GASTROINTESTINAL DISORDERS'], src: 'ae-by-soc' }],
];

let folding: TestApp;
let bases: TestApp;
let copies: TestApp;
let alone: TestApp;
const studies: Array<{ name: string; id: string; session: Session; dashboards: Dashboard[] }> = [];

beforeAll(async () => {
  if (!hasData) return;
  const pilot = await pilotStudy({ config: { dashboardQueryFold: true, dashboardBaseTableMb: 0 } });
  folding = pilot.t;
  // The same database and data folder: the other apps read the very files the first one stored.
  const dataDir = folding.ctx.config.dataDir;
  bases = await startTestApp({ dataDir, dashboardQueryFold: false, dashboardBaseTableMinRows: 1 });
  copies = await startTestApp({ dataDir, dashboardQueryFold: true, dashboardQueryKeyedCopies: true });
  // The plain app also counts subjects with DISTINCT everywhere (the other two skip it on DM's
  // USUBJID, which they have checked repeats no value: DASHBOARD_QUERY_UNIQUE_COUNTS).
  alone = await startTestApp({
    dataDir,
    dashboardQueryFold: false,
    dashboardBaseTableMb: 0,
    dashboardQueryUniqueCounts: false,
    dashboardQueryPartials: false,
  });
  const demo = await folding.tenant();
  await loadGeneratedVersion(
    folding.ctx,
    { id: demo.study.id, orgId: demo.org.id },
    { subjects: 150, sites: 6, seed: 10, studyId: 'FOLD-10' },
  );
  const targets = [
    { name: 'pilot SDTM', id: pilot.studyId, session: pilot.manager },
    { name: 'demo study', id: demo.study.id, session: await demo.as('study_manager') },
  ];
  for (const { name, id, session } of targets) {
    const dashboards: Dashboard[] = [];
    for (const templateId of TEMPLATES) {
      const created = await folding.request(session, {
        method: 'POST',
        url: `/api/studies/${id}/dashboards`,
        payload: { name: templateId, templateId },
      });
      expect(created.statusCode, created.body).toBe(201);
      dashboards.push(created.json().data);
    }
    studies.push({ name, id, session, dashboards });
  }
}, 240_000);

afterAll(async () => {
  await alone?.close();
  await bases?.close();
  await copies?.close();
  await folding?.close();
});

/** A page's answers without what differs from run to run (time taken, whether it was cached). */
async function pageAnswers(app: TestApp, session: Session, url: string) {
  const res = await app.request(session, { method: 'GET', url });
  expect(res.statusCode, res.body).toBe(200);
  const { data } = res.json() as { data: { widgets: Array<{ id: string; data?: { meta: object } }> } };
  return data.widgets.map((w) => {
    if (!w.data) return w;
    const { ms: _ms, cached: _cached, ...meta } = w.data.meta as { ms: number; cached: boolean };
    return { ...w, data: { ...w.data, meta } };
  });
}

describe.runIf(hasData)('folded queries and base tables give the same answers as queries run alone', () => {
  it('on every page of the templates, on the pilot SDTM and the demo study, under several filters', async () => {
    let widgets = 0;
    for (const study of studies) {
      for (const dashboard of study.dashboards) {
        for (const page of dashboard.document.pages) {
          for (const filters of FILTER_STATES) {
            const url = `/api/studies/${study.id}/dashboards/${dashboard.id}/data?page=${page.id}&filters=${encodeURIComponent(JSON.stringify(filters))}`;
            const folded = await pageAnswers(folding, study.session, url);
            const separate = await pageAnswers(alone, study.session, url);
            const based = await pageAnswers(bases, study.session, url);
            const copied = await pageAnswers(copies, study.session, url);
            const where = `${study.name}, ${dashboard.name}, ${page.id}, ${JSON.stringify(filters)}`;
            expect(folded, `folded: ${where}`).toEqual(separate);
            expect(based, `base tables: ${where}`).toEqual(separate);
            expect(copied, `keyed copies: ${where}`).toEqual(separate);
            widgets += folded.filter((w) => w.data).length;
          }
        }
      }
    }
    // Most widgets answered (not errors), so the comparison compared numbers.
    expect(widgets).toBeGreaterThan(100);
    // And the base-table app did read through base tables (the other two keep none).
    const held = await dashboardBaseTableBytes.get();
    expect(held.values[0]?.value ?? 0).toBeGreaterThan(0);
  }, 600_000);
});
