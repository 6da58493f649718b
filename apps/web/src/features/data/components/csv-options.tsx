import type { UploadQuery } from '@cdp/contracts';
import { useId } from 'react';
import { Checkbox } from '../../../components/ui/checkbox.tsx';
import { Disclosure } from '../../../components/ui/disclosure.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Label } from '../../../components/ui/label.tsx';
import { Select } from '../../../components/ui/select.tsx';

export interface CsvChoices {
  delimiter: '' | ',' | ';' | 'tab' | '|';
  encoding: '' | 'utf-8' | 'latin-1' | 'utf-16';
  header: boolean;
  /** `SUBJID:string, VISITNUM:integer`, as typed. */
  types: string;
}

export const DEFAULT_CSV_CHOICES: CsvChoices = { delimiter: '', encoding: '', header: true, types: '' };

/** The upload's query string for these choices: only what differs from "detect". */
export function csvQuery(choices: CsvChoices): UploadQuery {
  const query: UploadQuery = {};
  if (choices.delimiter) query.csvDelimiter = choices.delimiter;
  if (choices.encoding) query.csvEncoding = choices.encoding;
  if (!choices.header) query.csvHeader = 'false';
  const types = choices.types
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .join(',');
  if (types) query.csvTypes = types;
  return query;
}

/**
 * How CSV files in the next uploads are read, for when the guess is wrong: a semicolon file from a
 * European Excel, a Latin-1 export, a file without a header, an ID that must stay text.
 */
export function CsvOptions({ value, onChange }: { value: CsvChoices; onChange: (next: CsvChoices) => void }) {
  const id = useId();
  const changed = JSON.stringify(value) !== JSON.stringify(DEFAULT_CSV_CHOICES);
  return (
    <Disclosure title="CSV options" hint={changed ? '(set for the next uploads)' : undefined} defaultOpen={changed}>
      <div className="grid gap-4 py-3 sm:grid-cols-2 lg:grid-cols-4">
        <div className="space-y-1.5">
          <Label htmlFor={`${id}-delimiter`}>Delimiter</Label>
          <Select
            id={`${id}-delimiter`}
            value={value.delimiter}
            onChange={(event) => onChange({ ...value, delimiter: event.target.value as CsvChoices['delimiter'] })}
          >
            <option value="">Detect</option>
            <option value=",">Comma ,</option>
            <option value=";">Semicolon ;</option>
            <option value="tab">Tab</option>
            <option value="|">Pipe |</option>
          </Select>
        </div>
        <div className="space-y-1.5">
          <Label htmlFor={`${id}-encoding`}>Encoding</Label>
          <Select
            id={`${id}-encoding`}
            value={value.encoding}
            onChange={(event) => onChange({ ...value, encoding: event.target.value as CsvChoices['encoding'] })}
          >
            <option value="">Detect (UTF-8, else Latin-1)</option>
            <option value="utf-8">UTF-8</option>
            <option value="latin-1">Latin-1 / Windows-1252</option>
            <option value="utf-16">UTF-16</option>
          </Select>
        </div>
        <div className="space-y-1.5 lg:col-span-2">
          <Label htmlFor={`${id}-types`}>Column types</Label>
          <Input
            id={`${id}-types`}
            placeholder="e.g. SUBJID:string, VISITNUM:integer"
            value={value.types}
            onChange={(event) => onChange({ ...value, types: event.target.value })}
          />
        </div>
        <div className="flex items-center gap-2 sm:col-span-2 lg:col-span-4">
          <Checkbox
            id={`${id}-header`}
            checked={value.header}
            onCheckedChange={(checked) => onChange({ ...value, header: checked === true })}
          />
          <Label htmlFor={`${id}-header`}>The first line holds the column names</Label>
        </div>
      </div>
    </Disclosure>
  );
}
