import type { DslStepInput } from '@cdp/contracts';

/** A column as the editor knows it: its name and, when known, its type. */
export interface SchemaColumn {
  name: string;
  type: string;
}

/** A dataset the editor can offer at some point of the pipeline. */
export interface SchemaDataset {
  /** As written where it was made (input name, `output_name`). */
  name: string;
  columns: SchemaColumn[];
  /** Columns that depend on the data (a pivot's new columns) are not listed: the preview shows them. */
  partial: boolean;
}

/** Datasets by lower-case name: DuckDB identifiers, and so DSL names, match case-insensitively. */
export type SchemaEnv = Map<string, SchemaDataset>;

const key = (name: string) => name.trim().toLowerCase();
const find = (columns: SchemaColumn[], name: string) => columns.find((c) => key(c.name) === key(name));
const unique = (columns: SchemaColumn[]) => {
  const seen = new Set<string>();
  return columns.filter((c) => {
    if (seen.has(key(c.name))) return false;
    seen.add(key(c.name));
    return true;
  });
};

const CONVERTED: Record<string, string> = {
  numeric: 'number',
  integer: 'integer',
  string: 'string',
  boolean: 'boolean',
  date: 'date',
  datetime: 'datetime',
};

const MEASURE_TYPES: Record<string, string | null> = {
  count: 'integer',
  n_distinct: 'integer',
  sum: 'number',
  mean: 'number',
  median: 'number',
  std: 'number',
  min: null,
  max: null,
  first: null,
  last: null,
};

type Params = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The datasets (and their columns) after one step, from those before it. Never throws: a step not yet complete changes what it can. */
export function applyStep(env: SchemaEnv, step: DslStepInput): SchemaEnv {
  const next: SchemaEnv = new Map(env);
  const p = (step.parameters ?? {}) as Params;
  const source = env.get(key(str(p.dataset)));
  const put = (name: string, columns: SchemaColumn[], partial = source?.partial ?? false) => {
    if (name.trim()) next.set(key(name), { name: name.trim(), columns: unique(columns), partial });
  };
  const target = str(p.output_name) || str(p.dataset);

  switch (step.operation) {
    case 'select_columns':
      if (source) {
        const kept = strings(p.columns)
          .map((c) => find(source.columns, c))
          .filter((c): c is SchemaColumn => c !== undefined);
        put(target, kept, false);
      }
      break;
    case 'drop_columns':
      if (source) {
        const dropped = new Set(strings(p.columns).map(key));
        put(
          target,
          source.columns.filter((c) => !dropped.has(key(c.name))),
        );
      }
      break;
    case 'rename_columns':
      if (source) {
        const mapping = (p.mapping ?? {}) as Record<string, unknown>;
        const renames = new Map(Object.entries(mapping).map(([from, to]) => [key(from), str(to)]));
        put(
          target,
          source.columns.map((c) => ({ ...c, name: renames.get(key(c.name)) || c.name })),
        );
      }
      break;
    case 'filter_rows':
    case 'drop_duplicates':
    case 'fill_missing':
    case 'sort_by':
      if (source) put(target, source.columns);
      break;
    case 'convert_types':
      if (source) {
        const conversions = new Map(
          Object.entries((p.conversions ?? {}) as Record<string, unknown>).map(([c, t]) => [key(c), str(t)]),
        );
        put(
          target,
          source.columns.map((c) => {
            const to = conversions.get(key(c.name));
            return to && CONVERTED[to] ? { ...c, type: CONVERTED[to] } : c;
          }),
        );
      }
      break;
    case 'add_calculated_column':
      if (source) {
        const name = str(p.column_name);
        const columns = source.columns.filter((c) => key(c.name) !== key(name));
        put(target, name ? [...columns, { name, type: 'calculated' }] : columns);
      }
      break;
    case 'pivot':
      if (source) {
        const index = strings(p.index)
          .map((c) => find(source.columns, c))
          .filter((c): c is SchemaColumn => c !== undefined);
        put(target, index, true);
      }
      break;
    case 'unpivot':
      if (source) {
        const index = strings(p.index)
          .map((c) => find(source.columns, c))
          .filter((c): c is SchemaColumn => c !== undefined);
        const unpivoted = strings(p.columns)
          .map((c) => find(source.columns, c))
          .filter((c): c is SchemaColumn => c !== undefined);
        const valueType =
          new Set(unpivoted.map((c) => c.type)).size === 1 ? (unpivoted[0]?.type ?? 'string') : 'string';
        const added: SchemaColumn[] = [];
        if (str(p.names_to)) added.push({ name: str(p.names_to), type: 'string' });
        if (str(p.values_to)) added.push({ name: str(p.values_to), type: valueType });
        put(target, [...index, ...added]);
      }
      break;
    case 'merge_datasets': {
      const left = env.get(key(str(p.left)));
      const right = env.get(key(str(p.right)));
      const output = str(p.output_name);
      if (left && right && output) {
        const on = new Set(strings(p.on).map(key));
        const suffixes = Array.isArray(p.suffixes) ? p.suffixes : ['_x', '_y'];
        const [sl, sr] = [str(suffixes[0]) || '_x', str(suffixes[1]) || '_y'];
        const both = (c: SchemaColumn, other: SchemaDataset) => !on.has(key(c.name)) && !!find(other.columns, c.name);
        const columns = [
          ...left.columns.map((c) => (both(c, right) ? { ...c, name: `${c.name}${sl}` } : c)),
          ...right.columns
            .filter((c) => !on.has(key(c.name)))
            .map((c) => (both(c, left) ? { ...c, name: `${c.name}${sr}` } : c)),
        ];
        next.set(key(output), { name: output, columns: unique(columns), partial: left.partial || right.partial });
      }
      break;
    }
    case 'aggregate':
      if (source) {
        const groups = strings(p.group_by)
          .map((c) => find(source.columns, c))
          .filter((c): c is SchemaColumn => c !== undefined);
        const measures = Array.isArray(p.measures) ? (p.measures as Params[]) : [];
        const added = measures
          .filter((m) => str(m.as))
          .map((m) => ({
            name: str(m.as),
            type: MEASURE_TYPES[str(m.function)] ?? find(source.columns, str(m.column))?.type ?? 'number',
          }));
        put(target, [...groups, ...added], false);
      }
      break;
    case 'save_dataset':
      break;
  }
  return next;
}

/**
 * The datasets available before each step (index i: what step i can read) and after the last:
 * what the editor's pickers offer, so a column renamed or dropped at step 2 is not offered at step 3.
 */
export function schemasBeforeSteps(inputs: SchemaDataset[], steps: DslStepInput[]): SchemaEnv[] {
  let env: SchemaEnv = new Map(inputs.map((d) => [key(d.name), d]));
  const out: SchemaEnv[] = [env];
  for (const step of steps) {
    env = applyStep(env, step);
    out.push(env);
  }
  return out;
}

/** The dataset a step writes (its `output_name`, or the dataset it changes in place). */
export function stepTarget(step: DslStepInput): string {
  const p = (step.parameters ?? {}) as Params;
  if (step.operation === 'save_dataset') return str(p.output_name);
  if (step.operation === 'merge_datasets') return str(p.output_name);
  return str(p.output_name) || str(p.dataset);
}

/** The names `save_dataset` steps give: the pipeline's outputs. */
export function savedOutputs(steps: DslStepInput[]): string[] {
  const names = steps
    .filter((s) => s.operation === 'save_dataset')
    .map((s) => str((s.parameters as Params | undefined)?.output_name).trim())
    .filter(Boolean);
  return [...new Set(names)];
}

export function lookup(env: SchemaEnv | undefined, name: string): SchemaDataset | undefined {
  return env?.get(key(name));
}
