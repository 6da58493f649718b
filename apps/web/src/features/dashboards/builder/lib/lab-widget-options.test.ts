import { widgetType, widgetTypeInfo } from '@cdp/widgets';
import { describe, expect, it } from 'vitest';
import { optionControls } from './options-schema.ts';

/** The builder's Options form draws every option of the lab widgets as a control of its own (no raw JSON box). */
describe.each(['edish', 'hys-law-cases', 'lab-shift', 'lab-trend', 'lab-outliers'])('%s options', (type) => {
  it('are all form controls, each with its description', () => {
    const found = widgetType(type);
    expect(found, type).toBeDefined();
    const controls = optionControls(widgetTypeInfo(found as NonNullable<typeof found>).optionsSchema);
    expect(controls.length).toBeGreaterThan(2);
    for (const control of controls) {
      expect(control.kind, control.key).not.toBe('json');
      expect(control.description, control.key).toBeTruthy();
    }
  });
});
