import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { fixtureReport } from '../testing.ts';
import { renderPptx } from './render-pptx.ts';

const ARMS = ['Placebo', 'Xanomeline High Dose', 'Xanomeline Low Dose'];

/** The bar widget's horizontal option (packages/widgets bar: category axis on y, `inverse`, first on top). */
function horizontalBars(inverse: boolean) {
  return {
    xAxis: { type: 'value' },
    yAxis: { type: 'category', data: ARMS, ...(inverse ? { inverse: true } : {}) },
    series: [{ type: 'bar', name: 'Subjects', data: [{ value: 86 }, { value: 84 }, { value: 72 }] }],
  };
}

async function chartXml(chart: Record<string, unknown>): Promise<string> {
  const input = fixtureReport(3);
  const page = input.pages[0];
  const bars = page?.widgets.find((w) => w.id === 'by-arm');
  if (!page || !bars?.data) throw new Error('fixture changed');
  const report = {
    ...input,
    pages: [{ ...page, widgets: [{ ...bars, data: { ...bars.data, chart } }] }],
  };
  const zip = await JSZip.loadAsync(await renderPptx(report));
  // pptxgenjs numbers charts across decks made in one process: take this deck's one chart.
  const name = Object.keys(zip.files).find((f) => /^ppt\/charts\/chart\d+\.xml$/.test(f));
  return (await zip.file(name ?? '')?.async('string')) ?? '';
}

function catAxis(xml: string): string {
  return /<c:catAx>[\s\S]*?<\/c:catAx>/.exec(xml)?.[0] ?? '';
}

function valAxis(xml: string): string {
  return /<c:valAx>[\s\S]*?<\/c:valAx>/.exec(xml)?.[0] ?? '';
}

describe('PPTX horizontal bars', () => {
  it('keep the screen order: first category at the top, data in the same order, value axis at the bottom', async () => {
    const xml = await chartXml(horizontalBars(true));
    expect(xml).toContain('<c:barDir val="bar"/>');
    // PowerPoint draws a bar chart's first category at the bottom unless the axis is reversed.
    expect(catAxis(xml)).toContain('<c:orientation val="maxMin"/>');
    expect(valAxis(xml)).toContain('<c:crosses val="max"/>');
    // The editable data keeps the screen's order (not reversed to fake the drawing order).
    const labels = [...xml.matchAll(/<c:pt idx="(\d+)"><c:v>([^<]*)<\/c:v><\/c:pt>/g)].map((m) => m[2]);
    expect(labels).toEqual(['Subjects', ...ARMS, '86', '84', '72']);
  });

  it('a category axis that is not inverse keeps PowerPoint’s default order (vertical bars unchanged)', async () => {
    const xml = await chartXml(horizontalBars(false));
    expect(catAxis(xml)).toContain('<c:orientation val="minMax"/>');
    expect(valAxis(xml)).not.toContain('<c:crosses val="max"/>');
  });
});
