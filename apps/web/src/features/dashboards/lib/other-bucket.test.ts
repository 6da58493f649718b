import type { WidgetColumn } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { type OtherBucket, otherBucket } from './other-bucket.ts';

/** The bucket taken out, or the test fails here. */
function taken(out: OtherBucket | null): OtherBucket {
  if (!out) throw new Error('"Other" was left in the chart');
  return out;
}

const column = (name: string, label: string): WidgetColumn => ({
  name,
  label,
  type: name === 'value' ? 'integer' : 'string',
});
const topTerms = { type: 'bar', options: { topN: 2, countSubjects: true, orientation: 'horizontal' } };

/** A horizontal bar chart as the bar widget draws it: categories on the y axis, "Other" last. */
function chart(categories: string[], series: { name: string; data: unknown[] }[]) {
  return {
    xAxis: { type: 'value', name: 'Subjects' },
    yAxis: { type: 'category', data: categories, inverse: true },
    series: series.map((s) => ({ type: 'bar', ...s })),
  };
}

describe('otherBucket', () => {
  it('takes "Other" out of the bars and says what it holds, from the rows as they are', () => {
    const option = chart(
      ['PRURITUS', 'ERYTHEMA', 'Other'],
      [
        {
          name: 'Subjects',
          data: [
            { value: 57, point: {} },
            { value: 38, point: {} },
            { value: 185, point: null },
          ],
        },
      ],
    );
    const columns = [column('category', 'AEDECOD'), column('value', 'Subjects')];
    const rows = [
      ['PRURITUS', 57],
      ['ERYTHEMA', 38],
      ['Other', 185],
    ];
    const out = taken(otherBucket(topTerms, option, columns, rows));
    expect(out.note).toBe('Other (after the top 2), not drawn: 185 subjects (each counted once)');
    expect(taken(otherBucket(topTerms, option, columns, rows, 1186)).note).toBe(
      'Other (1,186 categories after the top 2), not drawn: 185 subjects (each counted once)',
    );
    expect((out.option.yAxis as { data: unknown[] }).data).toEqual(['PRURITUS', 'ERYTHEMA']);
    expect((out.option.series as { data: unknown[] }[])[0]?.data).toEqual([
      { value: 57, point: {} },
      { value: 38, point: {} },
    ]);
    // The widget's own option is left as it was (the table view and exports read it).
    expect(option.yAxis.data).toHaveLength(3);
  });

  it('names each series\' share of "Other" on a chart split by a series, and a gap where one has none', () => {
    const option = {
      xAxis: { type: 'category', data: ['SKIN', 'Other'] },
      yAxis: { type: 'value' },
      series: [
        {
          type: 'bar',
          name: 'Placebo',
          data: [
            { value: 20, point: {} },
            { value: 7.5, point: null },
          ],
        },
        { type: 'bar', name: 'Xanomeline', data: [{ value: 40, point: {} }, null] },
      ],
    };
    const columns = [column('category', 'AEBODSYS'), column('series', 'ARM'), column('value', 'Mean AGE')];
    const rows = [
      ['SKIN', 'Placebo', 20],
      ['SKIN', 'Xanomeline', 40],
      ['Other', 'Placebo', 7.5],
    ];
    const out = taken(otherBucket({ type: 'bar', options: { topN: 1 } }, option, columns, rows));
    expect(out.note).toBe('Other (after the top 1), not drawn: Mean AGE: Placebo 7.5');
    expect((out.option.xAxis as { data: unknown[] }).data).toEqual(['SKIN']);
    expect((out.option.series as { data: unknown[] }[]).map((s) => s.data.length)).toEqual([1, 1]);
  });

  it('keeps the bar of a real category called "Other", and charts without a top N', () => {
    const real = chart(
      ['Other', 'RASH'],
      [
        {
          name: 'Subjects',
          data: [
            { value: 3, point: { category: 'Other' } },
            { value: 2, point: {} },
          ],
        },
      ],
    );
    const columns = [column('category', 'AEDECOD'), column('value', 'Subjects')];
    expect(otherBucket(topTerms, real, columns, [])).toBeNull();
    const all = chart(
      ['A', 'Other'],
      [
        {
          name: 'Subjects',
          data: [
            { value: 1, point: {} },
            { value: 2, point: null },
          ],
        },
      ],
    );
    expect(otherBucket({ type: 'bar', options: { topN: null } }, all, columns, [])).toBeNull();
    expect(otherBucket({ type: 'pie', options: { topN: 2 } }, all, columns, [])).toBeNull();
  });
});

describe('otherBucket on a chart of subjects split by arm', () => {
  it('names each arm once, and the unit once', () => {
    const option = {
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: ['SKIN', 'Other'] },
      series: ['Placebo', 'High'].map((name, i) => ({
        type: 'bar',
        name,
        data: [
          { value: 10 + i, point: {} },
          { value: 23 - i, point: null },
        ],
      })),
    };
    const columns = [column('category', 'AEBODSYS'), column('series', 'ARM'), column('value', 'Subjects')];
    const rows = [
      ['SKIN', 'Placebo', 10],
      ['SKIN', 'High', 11],
      ['Other', 'Placebo', 23],
      ['Other', 'High', 22],
    ];
    expect(taken(otherBucket(topTerms, option, columns, rows)).note).toBe(
      'Other (after the top 2), not drawn: Placebo 23 · High 22 subjects',
    );
    // With the answer's count of the categories Other merges (one count, whichever arm).
    expect(taken(otherBucket(topTerms, option, columns, rows, 12)).note).toBe(
      'Other (12 categories after the top 2), not drawn: Placebo 23 · High 22 subjects',
    );
    expect(taken(otherBucket(topTerms, option, columns, rows, 1)).note).toBe(
      'Other (1 category after the top 2), not drawn: Placebo 23 · High 22 subjects',
    );
  });
});
