import type { WidgetDefinition } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { readerOptionsKey, withReaderOptions } from './reader-options.ts';

const explorer: WidgetDefinition = {
  type: 'ae-explorer',
  title: 'AE explorer',
  optionsVersion: 1,
  options: { minPercent: 5, severity: ['SEVERE'] },
  data: { dataset: 'ADAE', mapping: {}, filters: [] },
};

describe('a reader’s choices on a widget', () => {
  it('lays the choices over the saved options; none leaves the widget as saved', () => {
    expect(withReaderOptions(explorer, {})).toEqual({ widget: explorer });
    const result = withReaderOptions(explorer, { severity: ['MILD'], serious: 'serious' });
    expect(result).toEqual({
      widget: { ...explorer, options: { minPercent: 5, severity: ['MILD'], serious: 'serious' } },
    });
  });

  it.each([
    [
      explorer,
      { minPercent: 0 },
      'options: a ae-explorer widget lets a reader change serious, severity, relatedness, outcome, not minPercent',
    ],
    [explorer, { severity: 'MILD' }, 'options.severity: '],
    [explorer, { serious: 'maybe' }, 'options.serious: '],
    [{ ...explorer, type: 'bar' }, { topN: 3 }, 'options: a bar widget has no options a reader may change (got topN)'],
  ])('refuses what the type does not offer, naming it (%#)', (widget, choices, message) => {
    const result = withReaderOptions(widget, choices);
    expect('problem' in result && result.problem).toContain(message);
  });

  it('keys the same choice in another order alike, and different choices apart', () => {
    expect(readerOptionsKey({ severity: ['MILD', ' severe'], serious: 'all' })).toEqual(
      readerOptionsKey({ serious: 'all', severity: ['SEVERE', 'mild'] }),
    );
    expect(readerOptionsKey({ severity: ['MILD'] })).not.toEqual(readerOptionsKey({ severity: ['SEVERE'] }));
  });
});
