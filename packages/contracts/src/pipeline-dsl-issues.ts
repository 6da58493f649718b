import type { z } from 'zod';
import { formatDslPath } from './pipeline-dsl.ts';

/** A problem of a DSL body's shape: where (`steps[3].parameters.columns`) and what to do. */
export interface DslShapeIssue {
  path: string;
  message: string;
}

type Path = readonly PropertyKey[];

/**
 * The zod issues of a DSL body (`DslBody.safeParse`) in words a statistical programmer can act
 * on. zod's defaults ("Too small: expected array to have >=1 items", "Invalid input" for a
 * condition whose operator is misspelt) say neither what the field is nor what to do; a message
 * the schema sets itself ("\"in\" needs a non-empty list of values") is kept. A union (a
 * condition or an "any of" group) is reported through the branch the input was meant to be, at
 * the path of the field that is wrong.
 */
export function describeDslIssues(body: unknown, issues: readonly z.core.$ZodIssue[]): DslShapeIssue[] {
  const out: DslShapeIssue[] = [];
  const add = (issue: z.core.$ZodIssue, base: Path) => {
    const path = [...base, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      for (const nested of meantBranch(issue.errors)) add(nested, path);
      return;
    }
    out.push({ path: formatDslPath(path), message: describe(issue, path, valueAt(body, path)) });
  };
  for (const issue of issues) add(issue, []);
  return out;
}

/** Of a union's branches, the one the input was meant to be: no unknown keys at its top, else the fewest issues. */
function meantBranch(branches: readonly (readonly z.core.$ZodIssue[])[]): readonly z.core.$ZodIssue[] {
  const fits = (b: readonly z.core.$ZodIssue[]) =>
    !b.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0);
  const candidates = branches.filter(fits);
  const pool = candidates.length > 0 ? candidates : branches;
  return pool.reduce((best, b) => (b.length < best.length ? b : best));
}

function valueAt(body: unknown, path: Path): unknown {
  let at: unknown = body;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

/** The last named key of a path (`conditions` for `…conditions[1]`). */
function fieldOf(path: Path): string {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string;
  return '';
}

const COLUMN_FIELDS = new Set(['column', 'columns', 'index', 'on', 'group_by', 'values']);
const DATASET_FIELDS = new Set(['dataset', 'left', 'right']);
const LISTS: Record<string, string> = {
  steps: 'add at least one step',
  conditions: 'add at least one condition',
  any: 'an "any of" group needs at least one condition',
  measures: 'add at least one measure',
};

const quoted = (values: readonly unknown[]) => values.map((v) => String(v)).join(', ');
const shown = (value: unknown) => (typeof value === 'string' ? `"${value}"` : JSON.stringify(value));

function describe(issue: z.core.$ZodIssue, path: Path, input: unknown): string {
  const field = fieldOf(path);
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'array') {
        if (Number(issue.minimum) <= 1) {
          if (LISTS[field]) return LISTS[field];
          if (COLUMN_FIELDS.has(field)) return 'choose at least one column';
        }
        return `needs at least ${issue.minimum} entries`;
      }
      if (issue.origin === 'string' && Number(issue.minimum) <= 1) {
        if (COLUMN_FIELDS.has(field)) return 'choose a column';
        if (DATASET_FIELDS.has(field)) return 'choose a dataset';
        if (field === 'expression') return 'write an expression';
        return 'must not be empty';
      }
      return `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `too long: at most ${issue.maximum} characters`
        : `too many: at most ${issue.maximum}`;
    case 'invalid_type':
      if (input === undefined) {
        if (field === 'parameters') return 'the step has no parameters';
        if (COLUMN_FIELDS.has(field))
          return issue.expected === 'array' ? 'choose at least one column' : 'choose a column';
        if (DATASET_FIELDS.has(field)) return 'choose a dataset';
        return `"${field}" is required`;
      }
      return `expected ${issue.expected === 'array' ? 'a list' : `a ${issue.expected === 'string' ? 'text' : issue.expected}`}, got ${shown(input)}`;
    case 'invalid_value':
      return `${shown(input)} is not one of: ${quoted(issue.values)}`;
    case 'unrecognized_keys':
      return `unknown ${issue.keys.length === 1 ? 'parameter' : 'parameters'} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_union':
      if (field === 'operation' && 'options' in issue && Array.isArray(issue.options)) {
        return `unknown operation ${shown(input)}: one of ${quoted(issue.options)}`;
      }
      return issue.message;
    case 'invalid_format':
      return issue.message.startsWith('Invalid string')
        ? `${shown(input)} may hold only letters, digits and underscores`
        : issue.message;
    default:
      return issue.message;
  }
}
