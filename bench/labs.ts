import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppliedFilter, Dashboard, WidgetDataResponse } from '@cdp/contracts';
import { chromium } from '@playwright/test';
import { ensureWebBuild, loadStudy, signInApi, signInPage, studyFiles } from './dashboard.ts';
import { api, ROOT, startServer } from './server.ts';

/**
 * The lab review widgets (eDISH, shift table, lab trends; outliers and the Hy's-law table alongside)
 * on the 1,000,000-row LB study of `npm run bench -- dashboard`, over HTTP against a real
 * `cdp start`: the server's time (`meta.ms`) per widget, first ever, cold (a filter no earlier
 * request used, so nothing is cached) and warm (the same filter again). With BENCH_SCREENSHOTS=1
 * it also photographs the dashboard at 1440, 1024 and 390 px into bench/results/labs-*.png.
 * Run: `node --import tsx bench/labs.ts`.
 */

const COLD_ROUNDS = 5;
const WARM_ROUNDS = 20;
const BUDGET = { warm: 300, cold: 1000 };

const LB = {
  dataset: 'LB',
  population: 'DM',
  mapping: {
    subject_id: 'USUBJID',
    arm: 'DM.ACTARM',
    age: 'DM.AGE',
    lab_test_code: 'LBTESTCD',
    lab_test: 'LBTEST',
    lab_value: 'LBSTRESN',
    lab_uln: 'LBSTNRHI',
    lab_lln: 'LBSTNRLO',
    lab_indicator: 'LBNRIND',
    lab_unit: 'LBSTRESU',
    baseline_flag: 'LBBLFL',
    lab_date: 'LBDTC',
    visit: 'VISIT',
    visit_order: 'VISITNUM',
    treatment_start: 'DM.RFXSTDTC',
  },
  filters: [],
};

const WIDGETS = {
  edish: { type: 'edish', title: "eDISH (Hy's law)", options: {}, layout: { x: 0, y: 0, w: 6, h: 11 } },
  'hys-law': { type: 'hys-law-cases', title: "Hy's law cases", options: {}, layout: { x: 6, y: 0, w: 6, h: 11 } },
  'lab-trend': {
    type: 'lab-trend',
    title: 'ALT over time',
    options: { test: 'ALT' },
    layout: { x: 0, y: 11, w: 6, h: 10 },
  },
  'lab-shift': {
    type: 'lab-shift',
    title: 'Liver tests: shift from baseline',
    options: { tests: ['ALT', 'AST', 'BILI'] },
    layout: { x: 6, y: 11, w: 6, h: 10 },
  },
  'lab-outliers': {
    type: 'lab-outliers',
    title: 'Values above 3 × ULN',
    options: { rule: 'above-uln-multiple', times: 3 },
    layout: { x: 0, y: 21, w: 12, h: 10 },
  },
} as const;
const TIMED = ['edish', 'lab-shift', 'lab-trend'] as const;

function document() {
  return {
    schemaVersion: 2,
    filters: [],
    pages: [
      {
        id: 'labs',
        title: 'Labs',
        layout: Object.entries(WIDGETS).map(([i, w]) => ({ i, ...w.layout })),
        widgets: Object.fromEntries(
          Object.entries(WIDGETS).map(([id, w]) => [
            id,
            { type: w.type, title: w.title, optionsVersion: 1, options: w.options, data: LB },
          ]),
        ),
      },
    ],
  };
}

const ageAtLeast = (age: number): AppliedFilter[] => [{ field: 'age', op: 'ge', value: age }];
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function main() {
  const files = await studyFiles();
  await ensureWebBuild();
  const server = await startServer();
  try {
    const token = await signInApi(server);
    const studies = await api<{ data: { id: string; code: string }[] }>(`${server.url}/api/studies`, token, 'GET');
    const study = studies.data.find((s) => s.code === 'CDP-301');
    if (!study) throw new Error('demo study CDP-301 not found');
    await loadStudy(server, token, study.id, files);
    const { data: dashboard } = await api<{ data: Dashboard }>(
      `${server.url}/api/studies/${study.id}/dashboards`,
      token,
      'POST',
      { name: 'Lab review', document: document() },
    );
    const base = `${server.url}/api/studies/${study.id}/dashboards/${dashboard.id}`;
    const get = async (id: string, filters: AppliedFilter[]) => {
      const query = filters.length > 0 ? `?filters=${encodeURIComponent(JSON.stringify(filters))}` : '';
      const answer = await api<WidgetDataResponse>(`${base}/widgets/${id}/data${query}`, token, 'GET');
      return answer;
    };
    const figures: Record<string, unknown> = {};
    for (const id of TIMED) {
      const first = await get(id, []);
      const cold: number[] = [];
      for (let i = 0; i < COLD_ROUNDS; i++) {
        const answer = await get(id, ageAtLeast(18 + i));
        if (answer.meta.cached) throw new Error(`${id}: a cold round was cached`);
        cold.push(answer.meta.ms);
      }
      const warm: number[] = [];
      for (let i = 0; i < WARM_ROUNDS; i++) warm.push((await get(id, ageAtLeast(18))).meta.ms);
      figures[id] = {
        firstEverMs: first.meta.ms,
        rows: first.rows.length,
        coldMs: cold,
        coldMedianMs: median(cold),
        coldMaxMs: Math.max(...cold),
        warmMedianMs: median(warm),
        warmMaxMs: Math.max(...warm),
        budgetMet: Math.max(...cold) < BUDGET.cold && median(warm) < BUDGET.warm,
      };
      console.log(id, JSON.stringify(figures[id]));
    }
    console.log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );

    if (process.env.BENCH_SCREENSHOTS === '1') {
      const out = path.join(ROOT, 'bench/results');
      await mkdir(out, { recursive: true });
      const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
      try {
        for (const width of [1440, 1024, 390]) {
          const page = await browser.newPage({ viewport: { width, height: 1400 } });
          await signInPage(page, server.url);
          await page.goto(`${server.url}/studies/${study.id}/dashboards/${dashboard.id}`);
          await page.locator('[data-widget-type="lab-outliers"] table').waitFor({ timeout: 60_000 });
          await page.waitForTimeout(2500);
          await page.screenshot({ path: path.join(out, `labs-${width}.png`), fullPage: true });
          await page.close();
        }
      } finally {
        await browser.close();
      }
    }
  } finally {
    await server.cleanup();
  }
}

await main();
