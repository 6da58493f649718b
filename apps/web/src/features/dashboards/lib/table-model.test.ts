import type { WidgetColumn } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { tableModel } from './table-model.ts';

describe('tableModel', () => {
  it('lays out AE incidence as SOC rows with their preferred terms indented, arms as header groups', () => {
    const columns: WidgetColumn[] = [
      { name: 'label', label: 'Body system / preferred term', type: 'string' },
      { name: 'ae_body_system', label: 'System organ class', type: 'string', field: 'ae_body_system' },
      { name: 'ae_term', label: 'Preferred term', type: 'string', field: 'ae_term' },
      { name: 'arm1_n', label: 'Placebo (N=86): n', type: 'integer' },
      { name: 'arm1_pct', label: 'Placebo (N=86): %', type: 'number' },
    ];
    const rows = [
      ['Any adverse event', null, null, 60, 69.8],
      ['GASTROINTESTINAL DISORDERS', 'GASTROINTESTINAL DISORDERS', null, 17, 19.8],
      ['NAUSEA', 'GASTROINTESTINAL DISORDERS', 'NAUSEA', 3, 3.5],
    ];
    const model = tableModel(columns, rows);
    expect(model.columns.map((c) => [c.column.name, c.label, c.percent])).toEqual([
      ['label', 'Body system / preferred term', false],
      ['arm1_n', 'n', false],
      ['arm1_pct', '%', true],
    ]);
    expect(model.groups).toEqual([
      { label: '', span: 1 },
      { label: 'Placebo (N=86)', span: 2 },
    ]);
    expect(model.rows.map((r) => [r.kind, r.level, r.point])).toEqual([
      // A summary line's missing dimensions mean "all": the SOC line drills to every term of the SOC
      // (not to events without a term), "Any adverse event" stands for no single value.
      ['total', 0, {}],
      ['parent', 0, { ae_body_system: 'GASTROINTESTINAL DISORDERS' }],
      ['row', 1, { ae_body_system: 'GASTROINTESTINAL DISORDERS', ae_term: 'NAUSEA' }],
    ]);
  });

  it('gives Demographics a heading per characteristic with its statistics beneath', () => {
    const columns: WidgetColumn[] = [
      { name: 'characteristic', label: 'Characteristic', type: 'string' },
      { name: 'statistic', label: 'Statistic', type: 'string' },
      { name: 'arm_1', label: 'Placebo (N=86)', type: 'string' },
    ];
    const rows = [
      ['Subjects', 'n', '86'],
      ['Age (years)', 'n', '86'],
      ['Age (years)', 'Mean (SD)', '75.2 (8.59)'],
    ];
    const model = tableModel(columns, rows);
    expect(model.columns.map((c) => c.label)).toEqual(['Characteristic', 'Placebo (N=86)']);
    expect(model.groups).toBeNull();
    expect(model.rows.map((r) => [r.kind, r.source, r.heading ?? null])).toEqual([
      ['heading', -1, 'Subjects'],
      ['row', 0, null],
      ['heading', -1, 'Age (years)'],
      ['row', 1, null],
      ['row', 2, null],
    ]);
  });

  it('leaves a plain table as it is', () => {
    const columns: WidgetColumn[] = [
      { name: 'site', label: 'Site', type: 'string', field: 'site' },
      { name: 'subjects', label: 'Subjects', type: 'integer' },
    ];
    const model = tableModel(columns, [
      ['701', 10],
      ['702', 4],
    ]);
    expect(model.nested).toBe(false);
    expect(model.columns).toHaveLength(2);
    expect(model.rows.map((r) => r.point)).toEqual([{ site: '701' }, { site: '702' }]);
  });
});
