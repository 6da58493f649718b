import { describe, expect, it } from 'vitest';
import { fadeUnselected, usesMap } from './chart-option.ts';

describe('chart options', () => {
  it('fades the items outside the selection and leaves the rest', () => {
    const option = {
      series: [
        {
          type: 'bar',
          data: [
            { value: 1, point: { category: 'A' } },
            { value: 2, point: { category: 'B' }, itemStyle: { color: 'red' } },
            3,
            null,
          ],
        },
      ],
    };
    const faded = fadeUnselected(option, (p) => p.category === 'A');
    expect((faded.series as { data: unknown[] }[])[0]?.data).toEqual([
      { value: 1, point: { category: 'A' } },
      { value: 2, point: { category: 'B' }, itemStyle: { color: 'red', opacity: 0.28 } },
      3,
      null,
    ]);
  });
  it('knows a map by its geo component or map series', () => {
    expect(usesMap({ geo: { map: 'world' }, series: [{ type: 'scatter' }] })).toBe(true);
    expect(usesMap({ series: { type: 'map' } })).toBe(true);
    expect(usesMap({ series: [{ type: 'bar' }] })).toBe(false);
  });
});
