import type { DatasetColumn, DatasetSummary, MappingSuggestion } from '@cdp/contracts';
import type { ControlProps } from '../../../../components/ui/form-field.tsx';
import { Select } from '../../../../components/ui/select.tsx';

interface ColumnPickerProps extends Partial<ControlProps> {
  /** The mapped column path (`COL` or `DATASET.COL`), or undefined when the field is not mapped. */
  value: string | undefined;
  onChange: (value: string | undefined) => void;
  dataset: DatasetSummary | undefined;
  population: DatasetSummary | undefined;
  /** The server's candidates for this field, best first; marked in the list with their confidence. */
  candidates: MappingSuggestion[];
}

function optionText(column: DatasetColumn, candidate: MappingSuggestion | undefined): string {
  const label = column.label ? ` — ${column.label}` : '';
  const match = candidate ? ` · ${Math.round(candidate.confidence * 100)}% match` : '';
  return `${column.name}${label} (${column.type})${match}`;
}

const same = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();

/**
 * The population's columns a field may take in addition to the dataset's: those the dataset does
 * not have itself. STUDYID and USUBJID are in both; listing them twice offers the same column twice.
 */
export function populationOnly(dataset: DatasetSummary | undefined, population: DatasetSummary | undefined) {
  if (!population || same(population.name, dataset?.name ?? '')) return [];
  return population.columns.filter((c) => !dataset?.columns.some((d) => same(d.name, c.name)));
}

/**
 * The columns a field can map to, grouped by dataset: the widget's dataset (`COL`) and the columns
 * its population adds (`POP.COL`, joined on the subject), as "NAME — label (type)". A mapping to
 * anything else (another dataset, a column that no longer exists) stays selectable so it is visible
 * and can be changed.
 */
export function ColumnPicker({ value, onChange, dataset, population, candidates, ...control }: ColumnPickerProps) {
  const candidateFor = (path: string) => candidates.find((c) => same(c.column, path));
  const datasetPaths = (dataset?.columns ?? []).map((c) => c.name);
  const extra = populationOnly(dataset, population);
  const populationPaths = population ? extra.map((c) => `${population.name}.${c.name}`) : [];
  const known = [...datasetPaths, ...populationPaths];
  // A mapped value or candidate is matched case-insensitively; the select needs the exact option value.
  const selected = value ? (known.find((path) => same(path, value)) ?? value) : '';
  const others = [
    ...(value && !known.some((path) => same(path, value)) ? [value] : []),
    ...candidates.map((c) => c.column).filter((path) => !known.some((k) => same(k, path)) && path !== value),
  ];
  return (
    <Select
      {...control}
      value={selected}
      onChange={(event) => onChange(event.target.value || undefined)}
      className="[&_select]:h-8 [&_select]:text-[13px]"
    >
      <option value="">Not mapped</option>
      {dataset ? (
        <optgroup label={`${dataset.name}${dataset.label ? ` — ${dataset.label}` : ''} (dataset)`}>
          {dataset.columns.map((column) => (
            <option key={column.name} value={column.name}>
              {optionText(column, candidateFor(column.name))}
            </option>
          ))}
        </optgroup>
      ) : null}
      {population && extra.length > 0 ? (
        <optgroup label={`${population.name}${population.label ? ` — ${population.label}` : ''} (population)`}>
          {extra.map((column) => {
            const path = `${population.name}.${column.name}`;
            return (
              <option key={path} value={path}>
                {optionText(column, candidateFor(path))}
              </option>
            );
          })}
        </optgroup>
      ) : null}
      {others.length > 0 ? (
        <optgroup label="Other columns">
          {others.map((path) => {
            const candidate = candidateFor(path);
            return (
              <option key={path} value={path}>
                {path}
                {candidate ? ` · ${Math.round(candidate.confidence * 100)}% match` : ''}
              </option>
            );
          })}
        </optgroup>
      ) : null}
    </Select>
  );
}
