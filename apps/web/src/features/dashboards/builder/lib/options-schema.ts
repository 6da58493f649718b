/**
 * Reads a widget type's `optionsSchema` (JSON Schema, as zod's `toJSONSchema` writes it) into the
 * controls of the builder's Options form. Whatever is not a plain string, number, boolean, enum or
 * list of strings or numbers becomes a JSON editor, so no option is ever out of reach.
 */

type Json = Record<string, unknown>;

interface ControlBase {
  key: string;
  label: string;
  description?: string;
  /** `null` is a valid value (the schema allows it): clearing the control stores null. */
  nullable: boolean;
  defaultValue?: unknown;
}

export type OptionControl = ControlBase &
  (
    | { kind: 'text' }
    | { kind: 'number'; integer: boolean; min?: number; max?: number }
    | { kind: 'boolean' }
    | { kind: 'enum'; choices: (string | number)[] }
    | { kind: 'tags' }
    | { kind: 'numbers'; integer: boolean }
    | { kind: 'choices'; choices: string[] }
    | { kind: 'json'; schema: Json }
  );

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{ anyOf: [X, { type: 'null' }] }` and `{ type: ['x', 'null'] }` → X, nullable. */
function unwrapNullable(schema: Json): { schema: Json; nullable: boolean } {
  const variants = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(variants)) {
    const rest = variants.filter((v) => !(isObject(v) && v.type === 'null'));
    if (rest.length === 1 && isObject(rest[0]) && rest.length < variants.length) {
      const { anyOf: _a, oneOf: _o, ...outer } = schema;
      return { schema: { ...outer, ...rest[0] }, nullable: true };
    }
  }
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((t) => t !== 'null');
    if (types.length === 1)
      return { schema: { ...schema, type: types[0] }, nullable: types.length < schema.type.length };
  }
  return { schema, nullable: false };
}

/** `showLegend` / `top_n` → "Show legend" / "Top n". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const isScalarChoice = (v: unknown): v is string | number => typeof v === 'string' || typeof v === 'number';

function control(key: string, raw: Json): OptionControl {
  const { schema, nullable } = unwrapNullable(raw);
  const base: ControlBase = {
    key,
    label: typeof schema.title === 'string' ? schema.title : humanize(key),
    description: typeof schema.description === 'string' ? schema.description : undefined,
    nullable,
    defaultValue: schema.default,
  };
  const choices = Array.isArray(schema.enum) ? schema.enum : undefined;
  if (choices && choices.length > 0 && choices.every(isScalarChoice)) return { ...base, kind: 'enum', choices };
  switch (schema.type) {
    case 'string':
      return { ...base, kind: 'text' };
    case 'number':
    case 'integer':
      return {
        ...base,
        kind: 'number',
        integer: schema.type === 'integer',
        min: typeof schema.minimum === 'number' ? schema.minimum : undefined,
        max: typeof schema.maximum === 'number' ? schema.maximum : undefined,
      };
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'array': {
      const items = isObject(schema.items) ? schema.items : undefined;
      const itemChoices = Array.isArray(items?.enum) ? items.enum : undefined;
      if (itemChoices?.every((v): v is string => typeof v === 'string')) {
        return { ...base, kind: 'choices', choices: itemChoices };
      }
      if (items?.type === 'string') return { ...base, kind: 'tags' };
      if (items?.type === 'number' || items?.type === 'integer') {
        return { ...base, kind: 'numbers', integer: items.type === 'integer' };
      }
      return { ...base, kind: 'json', schema: raw };
    }
    default:
      return { ...base, kind: 'json', schema: raw };
  }
}

export function optionControls(optionsSchema: Json): OptionControl[] {
  const properties = isObject(optionsSchema.properties) ? optionsSchema.properties : {};
  return Object.entries(properties)
    .filter((entry): entry is [string, Json] => isObject(entry[1]))
    .map(([key, schema]) => control(key, schema));
}

/** Whether a value parsed from the JSON editor has the schema's basic JSON type (the server checks the rest). */
export function matchesJsonType(schema: Json, value: unknown): boolean {
  const { schema: inner, nullable } = unwrapNullable(schema);
  if (value === null) return nullable;
  switch (inner.type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}
