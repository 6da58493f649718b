import { describe, expect, it } from 'vitest';
import { downstreamOrder, findCycle, type PipelineNode } from './dependency-graph.ts';
import { diffDefinitions } from './diff-definitions.ts';

const node = (id: string, upstream: string[] = []): PipelineNode => ({ id, name: id.toUpperCase(), upstream });

describe('findCycle', () => {
  it.each([
    { nodes: [node('a'), node('b', ['a']), node('c', ['b'])], cycle: null },
    { nodes: [node('a', ['b']), node('b', ['a'])], cycle: ['A', 'B', 'A'] },
    { nodes: [node('a', ['a'])], cycle: ['A', 'A'] },
    { nodes: [node('a', ['c']), node('b', ['a']), node('c', ['b']), node('d', ['a'])], cycle: ['A', 'B', 'C', 'A'] },
    // A diamond is not a cycle.
    { nodes: [node('a'), node('b', ['a']), node('c', ['a']), node('d', ['b', 'c'])], cycle: null },
    // An upstream id that is not in the list (another study's, deleted) is no edge.
    { nodes: [node('a', ['zz'])], cycle: null },
  ])('$cycle', ({ nodes, cycle }) => {
    expect(findCycle(nodes)).toEqual(cycle);
  });
});

describe('downstreamOrder', () => {
  it('lists every reader, directly or through others, each after its upstream ones', () => {
    const nodes = [node('a'), node('d', ['b', 'c']), node('c', ['b']), node('b', ['a']), node('x')];
    expect(downstreamOrder(nodes, 'a')).toEqual(['b', 'c', 'd']);
    expect(downstreamOrder(nodes, 'c')).toEqual(['d']);
    expect(downstreamOrder(nodes, 'x')).toEqual([]);
  });
});

describe('diffDefinitions', () => {
  it('names the deepest path that differs', () => {
    const from = { name: 'A', body: { steps: [{ op: 'drop_columns', columns: ['X'] }] }, outputs: ['dm'] };
    const to = {
      name: 'B',
      body: { steps: [{ op: 'drop_columns', columns: ['Y'] }, { op: 'save_dataset' }] },
      outputs: ['dm'],
      extra: 1,
    };
    expect(diffDefinitions(from, to)).toEqual([
      { path: 'name', change: 'changed', from: 'A', to: 'B' },
      { path: 'body.steps[0].columns[0]', change: 'changed', from: 'X', to: 'Y' },
      { path: 'body.steps[1]', change: 'added', to: { op: 'save_dataset' } },
      { path: 'extra', change: 'added', to: 1 },
    ]);
    expect(diffDefinitions(to, to)).toEqual([]);
    expect(diffDefinitions({ a: [1, 2] }, { a: [1] })).toEqual([{ path: 'a[1]', change: 'removed', from: 2 }]);
  });
});
