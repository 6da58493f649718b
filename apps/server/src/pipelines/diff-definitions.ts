import type { PipelineChange } from '@cdp/contracts';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`;
}

/**
 * What changed between two saved pipeline definitions, at the deepest JSON path that differs
 * (`body.steps[2].parameters.columns[0]`): added, removed or changed, with both values.
 */
export function diffDefinitions(from: unknown, to: unknown, path = ''): PipelineChange[] {
  if (Object.is(from, to)) return [];
  if (Array.isArray(from) && Array.isArray(to)) {
    const changes: PipelineChange[] = [];
    for (let i = 0; i < Math.max(from.length, to.length); i++) {
      const at = join(path, i);
      if (i >= from.length) changes.push({ path: at, change: 'added', to: to[i] });
      else if (i >= to.length) changes.push({ path: at, change: 'removed', from: from[i] });
      else changes.push(...diffDefinitions(from[i], to[i], at));
    }
    return changes;
  }
  if (isObject(from) && isObject(to)) {
    const changes: PipelineChange[] = [];
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])];
    for (const key of keys) {
      const at = join(path, key);
      if (!(key in to)) changes.push({ path: at, change: 'removed', from: from[key] });
      else if (!(key in from)) changes.push({ path: at, change: 'added', to: to[key] });
      else changes.push(...diffDefinitions(from[key], to[key], at));
    }
    return changes;
  }
  return [{ path: path || '(definition)', change: 'changed', from, to }];
}
