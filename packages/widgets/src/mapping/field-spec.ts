import type { WidgetFieldSpec } from '@cdp/contracts';
import { FIELDS } from '../fields.ts';
import type { MappableWidget } from './dataset-info.ts';

/**
 * The spec of a field as this widget sees it: its own contract first, then the field dictionary
 * (an extra field such as a dashboard filter's), else any column type, read from the dataset.
 */
export function fieldSpec(widget: MappableWidget, key: string): WidgetFieldSpec {
  const own = widget.fields.find((spec) => spec.key === key);
  if (own) return own;
  const known = (FIELDS as Record<string, Omit<WidgetFieldSpec, 'key' | 'required'> | undefined>)[key];
  if (known) return { key, required: false, label: known.label, types: [...known.types], source: known.source };
  return { key, required: false, label: key.replaceAll('_', ' '), types: ['any'], source: 'dataset' };
}

/** What a field takes, for messages: "a number", "a date (or ISO 8601 text)", "text". */
export function fieldTypesInWords(spec: WidgetFieldSpec): string {
  const words: Record<WidgetFieldSpec['types'][number], string> = {
    string: 'text',
    number: 'a number',
    date: 'a date (or ISO 8601 text)',
    boolean: 'a yes/no value',
    any: 'any value',
  };
  const types = spec.types.includes('date') ? spec.types.filter((type) => type !== 'string') : spec.types;
  return types.map((type) => words[type]).join(' or ');
}
