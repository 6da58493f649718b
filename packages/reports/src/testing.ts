import type { ReportInput } from './types.ts';

const meta = { versionId: '00000000-0000-4000-8000-000000000001', applied: [], ignored: [], cached: false, ms: 1 };

/** A small dashboard exercising every way a widget is drawn: chart, metric, long table, error. */
export function fixtureReport(rows = 120): ReportInput {
  return {
    study: { code: 'CDISC01', name: 'CDISC Pilot ≥ Ünïcode' },
    dashboard: { name: 'Overview' },
    dataVersion: { label: '20260101_120000', activatedAt: new Date('2026-01-01T12:00:00Z') },
    filters: ['Arm = Placebo'],
    generatedBy: 'Mia Monitor <mia@example.com>',
    generatedAt: new Date('2026-02-03T04:05:00Z'),
    options: { paperSize: 'A4', orientation: 'landscape' },
    pages: [
      {
        id: 'p1',
        title: 'Overview',
        widgets: [
          {
            id: 'screened',
            title: 'Subjects screened',
            type: 'total-screened',
            layout: { x: 0, y: 0, w: 3, h: 3 },
            data: {
              columns: [],
              rows: [],
              notes: [],
              meta,
              metric: { value: 254, format: 'integer', comparison: { label: '% of target', value: 84.7 } },
            },
          },
          {
            id: 'by-arm',
            title: 'Subjects by arm',
            type: 'bar',
            layout: { x: 3, y: 0, w: 9, h: 6 },
            data: {
              columns: [
                { name: 'category', label: 'Arm', type: 'string' },
                { name: 'value', label: 'Subjects', type: 'integer' },
              ],
              rows: [
                ['Placebo', 86],
                ['Xanomeline High Dose', 84],
                ['Xanomeline Low Dose', 84],
              ],
              notes: [],
              meta,
              chart: {
                grid: { left: 8, right: 16, top: 24, bottom: 8 },
                xAxis: { type: 'category', data: ['Placebo', 'Xanomeline High Dose', 'Xanomeline Low Dose'] },
                yAxis: { type: 'value' },
                series: [{ type: 'bar', name: 'Subjects', data: [{ value: 86 }, { value: 84 }, { value: 84 }] }],
              },
            },
          },
          {
            id: 'broken',
            title: 'Broken widget',
            type: 'bar',
            layout: { x: 0, y: 3, w: 3, h: 3 },
            error: { code: 'INVALID_QUERY', message: 'Column LBSTRESN is not in dataset LB.' },
          },
          {
            id: 'listing',
            title: 'Subject listing',
            type: 'table',
            layout: { x: 0, y: 6, w: 12, h: 6 },
            data: {
              columns: [
                { name: 'usubjid', label: 'Subject', type: 'string' },
                { name: 'age', label: 'Age', type: 'integer' },
                { name: 'rate_pct', label: 'Rate %', type: 'number' },
                { name: 'rfstdtc', label: 'First dose', type: 'date' },
              ],
              rows: Array.from({ length: rows }, (_, i) => [
                `01-701-${String(1000 + i)}`,
                50 + (i % 40),
                12.5,
                '2014-01-02',
              ]),
              total: rows,
              notes: [],
              meta,
            },
          },
        ],
      },
    ],
  };
}
