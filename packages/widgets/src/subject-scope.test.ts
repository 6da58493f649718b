import type { QueryFilter } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { SchemaDataset } from './resolve-widget.ts';
import { applyUnmappedFilter, type SubjectScope, scopeSpec } from './subject-scope.ts';

const columns = (...names: string[]) => names.map((name) => ({ name, label: null, type: 'string' as const }));
const datasets = new Map<string, SchemaDataset>([
  ['DM', { name: 'DM', columns: columns('USUBJID', 'ARM') }],
  ['AE', { name: 'AE', columns: columns('USUBJID', 'AEBODSYS', 'AESEV') }],
  ['LB', { name: 'LB', columns: columns('USUBJID', 'LBTESTCD') }],
  ['TS', { name: 'TS', columns: columns('TSPARMCD') }],
]);
const version = (name: string) => datasets.get(name.toUpperCase());
const gi = { op: 'in' as const, value: ['GASTROINTESTINAL DISORDERS'] };
const bodySystem = { ref: { dataset: 'AE', column: 'AEBODSYS' }, subject: 'USUBJID' };

function target(dataset: string, population?: string, subject = true) {
  return {
    dataset,
    ...(population ? { population } : {}),
    ...(subject ? { subject: { dataset, column: 'USUBJID' } } : {}),
    filters: [] as QueryFilter[],
    scope: [] as SubjectScope[],
  };
}

describe('applyUnmappedFilter', () => {
  it('filters the events of a widget on the same dataset', () => {
    const t = target('AE', 'DM');
    expect(applyUnmappedFilter(t, bodySystem, gi)).toBe(true);
    expect(t.filters).toEqual([{ column: { dataset: 'AE', column: 'AEBODSYS' }, ...gi }]);
    expect(t.scope).toEqual([]);
  });

  it('restricts a widget on another dataset to the subjects with such a row', () => {
    const t = target('LB', 'DM');
    expect(applyUnmappedFilter(t, bodySystem, gi)).toBe(true);
    expect(
      applyUnmappedFilter(
        t,
        { ref: { dataset: 'AE', column: 'AESEV' }, subject: 'USUBJID' },
        { op: 'eq', value: 'SEVERE' },
      ),
    ).toBe(true);
    expect(t.filters).toEqual([]);
    // Two filters on AE hold for the same event: one scope entry.
    expect(t.scope).toEqual([
      {
        dataset: 'AE',
        subject: 'USUBJID',
        where: [
          { column: { dataset: 'AE', column: 'AEBODSYS' }, ...gi },
          { column: { dataset: 'AE', column: 'AESEV' }, op: 'eq', value: 'SEVERE' },
        ],
      },
    ]);
  });

  it('cannot apply without a subject id on either side, or without a widget mapping the field', () => {
    expect(applyUnmappedFilter(target('TS', undefined, false), bodySystem, gi)).toBe(false);
    expect(applyUnmappedFilter(target('LB'), { ref: { dataset: 'TS', column: 'TSPARMCD' } }, gi)).toBe(false);
    expect(applyUnmappedFilter(target('LB'), null, gi)).toBe(false);
  });
});

describe('scopeSpec', () => {
  const scope: SubjectScope[] = [
    { dataset: 'AE', subject: 'USUBJID', where: [{ column: { dataset: 'AE', column: 'AEBODSYS' }, ...gi }] },
  ];

  it('adds one EXISTS per scoped dataset, joined on the FROM dataset subject id, after the spec own', () => {
    const own = { dataset: 'AE', on: [{ left: { dataset: 'LB', column: 'USUBJID' }, right: 'USUBJID' }], where: [] };
    const spec = scopeSpec(version, { from: 'lb', exists: [own] }, scope, 'usubjid');
    expect(spec.exists).toEqual([
      own,
      {
        dataset: 'AE',
        on: [{ left: { dataset: 'LB', column: 'USUBJID' }, right: 'USUBJID' }],
        where: scope[0]?.where,
      },
    ]);
  });

  it('leaves a spec alone without scope, or when its FROM dataset has no subject id', () => {
    const spec = { from: 'TS' };
    expect(scopeSpec(version, spec, [], 'USUBJID')).toBe(spec);
    expect(scopeSpec(version, spec, scope, 'USUBJID')).toBe(spec);
  });
});

describe('scopeSpec with subject sets', () => {
  const spec = { from: 'lb', measures: [{ op: 'count' as const, as: 'n' }] };
  const reviewed = { keep: 'not_in' as const, ids: ['01-701-1015', '01-701-1023'] };

  it('adds each set on the subject id of the spec’s FROM dataset, beside the scope', () => {
    const scope: SubjectScope[] = [
      { dataset: 'AE', subject: 'USUBJID', where: [{ column: bodySystem.ref, op: 'in', value: gi.value }] },
    ];
    const scoped = scopeSpec(version, spec, scope, 'usubjid', [reviewed]);
    expect(scoped.subjectSets).toEqual([
      { column: { dataset: 'LB', column: 'USUBJID' }, keep: 'not_in', ids: ['01-701-1015', '01-701-1023'] },
    ]);
    expect(scoped.exists).toHaveLength(1);
  });

  it('leaves a spec without scope or sets as it is', () => {
    expect(scopeSpec(version, spec, [], 'USUBJID', [])).toBe(spec);
  });

  it('refuses a set on a dataset without the subject id rather than dropping it', () => {
    expect(() => scopeSpec(version, { ...spec, from: 'TS' }, [], 'USUBJID', [reviewed])).toThrow(
      /TS has no USUBJID column/,
    );
    // A dashboard scope alone is skipped there, as before.
    expect(scopeSpec(version, { ...spec, from: 'TS' }, [], 'USUBJID')).toEqual({ ...spec, from: 'TS' });
  });
});
