import type { MappingIssue, MappingReport } from '@cdp/contracts';
import {
  type DatasetInfo,
  findColumn,
  findDataset,
  fitsType,
  type MappableWidget,
  typeInWords,
} from './dataset-info.ts';
import { fieldSpec, fieldTypesInWords } from './field-spec.ts';

/** `COLUMN` or `DATASET.COLUMN`, the dataset defaulting to the widget's. */
export function parseColumnPath(
  path: string,
  dataset: string | null | undefined,
): { dataset: string | null; column: string } {
  const dot = path.indexOf('.');
  if (dot === -1) return { dataset: dataset ?? null, column: path };
  return { dataset: path.slice(0, dot), column: path.slice(dot + 1) };
}

/**
 * Checks a widget's mapping against the datasets of a data version: required fields mapped,
 * datasets and columns present, types fitting, and a subject id to join any other dataset on.
 * Coverage counts the required fields mapped without an issue.
 */
export function validateMapping(
  widget: MappableWidget,
  mapping: Readonly<Record<string, string>>,
  datasets: readonly DatasetInfo[],
  dataset: string | null | undefined,
  population?: string | null,
): MappingReport {
  const issues: MappingIssue[] = [];
  const home = findDataset(datasets, dataset);
  const subjectPath = mapping.subject_id ? parseColumnPath(mapping.subject_id, dataset) : undefined;

  if (widget.needsPopulation && !findDataset(datasets, population)) {
    const field = widget.fields.find((spec) => spec.source === 'population')?.key ?? 'subject_id';
    issues.push({
      field,
      kind: 'unknown-dataset',
      message: population
        ? `the population dataset "${population}" is not in this data version: choose ADSL or DM`
        : 'this widget needs a population dataset (ADSL or DM) for its denominators: choose one',
    });
  }

  for (const spec of widget.fields) {
    if (spec.required && !mapping[spec.key]) {
      issues.push({
        field: spec.key,
        kind: 'missing',
        message: `${spec.label} (${spec.key}) is required: map it to a column`,
      });
    }
  }

  for (const [field, path] of Object.entries(mapping)) {
    const spec = fieldSpec(widget, field);
    const target = parseColumnPath(path, dataset);
    const data = findDataset(datasets, target.dataset);
    if (!data) {
      const which =
        target.dataset === null
          ? 'the widget has no dataset'
          : `dataset "${target.dataset}" is not in this data version`;
      issues.push({ field, kind: 'unknown-dataset', message: `${field}: ${which}` });
      continue;
    }
    const column = findColumn(data, target.column);
    if (!column) {
      issues.push({
        field,
        kind: 'unknown-column',
        message: `${field}: column "${target.column}" is not in ${data.name}`,
      });
      continue;
    }
    if (!fitsType(spec.types, column)) {
      issues.push({
        field,
        kind: 'type-mismatch',
        message: `${field}: ${column.name} in ${data.name} is ${typeInWords(column.type)}; ${spec.label} needs ${fieldTypesInWords(spec)}`,
      });
    }
    const joined = home && data.name !== home.name;
    if (joined && subjectPath && !findColumn(data, subjectPath.column)) {
      issues.push({
        field,
        kind: 'unknown-column',
        message: `${field}: ${data.name} has no ${subjectPath.column} column to join it to ${home.name} on the subject`,
      });
    }
  }

  const required = widget.fields.filter((spec) => spec.required);
  const flawed = new Set(issues.map((issue) => issue.field));
  const covered = required.filter((spec) => mapping[spec.key] && !flawed.has(spec.key)).length;
  return { coverage: required.length === 0 ? 1 : covered / required.length, issues };
}
