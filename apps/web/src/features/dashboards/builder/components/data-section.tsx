import type {
  DashboardFilterDef,
  DatasetSummary,
  FieldKey,
  MappingIssue,
  WidgetDefinition,
  WidgetPreviewResponse,
  WidgetTypeInfo,
} from '@cdp/contracts';
import { type UseQueryResult, useQuery } from '@tanstack/react-query';
import { CheckCircle2, CircleDashed, Sparkles } from 'lucide-react';
import { Alert } from '../../../../components/ui/alert.tsx';
import { Button } from '../../../../components/ui/button.tsx';
import { FormField } from '../../../../components/ui/form-field.tsx';
import { Select } from '../../../../components/ui/select.tsx';
import { Skeleton } from '../../../../components/ui/skeleton.tsx';
import { errorMessage } from '../../../../lib/api-error.ts';
import { cn } from '../../../../lib/cn.ts';
import { suggestMappingQuery } from '../api/builder-api.ts';
import { humanize } from '../lib/options-schema.ts';
import { MappingFieldRow } from './mapping-field-row.tsx';
import { SampleTable } from './sample-table.tsx';

interface DataSectionProps {
  studyId: string;
  widget: WidgetDefinition;
  type: WidgetTypeInfo;
  datasets: DatasetSummary[];
  /** The dashboard's filters: their fields are mapped too, so the filters apply to this widget. */
  filters: DashboardFilterDef[];
  extraFields: FieldKey[];
  preview: UseQueryResult<WidgetPreviewResponse, Error>;
  suggesting: boolean;
  onDataset: (dataset: string) => void;
  onPopulation: (population: string | undefined) => void;
  onMapping: (field: string, column: string | undefined) => void;
  onSuggest: () => void;
}

const same = (a: string | undefined, b: string | undefined) => a?.toUpperCase() === b?.toUpperCase();

/** Where the widget's data comes from: dataset, population, a column per field, and what the server thinks of it. */
export function DataSection({
  studyId,
  widget,
  type,
  datasets,
  filters,
  extraFields,
  preview,
  suggesting,
  onDataset,
  onPopulation,
  onMapping,
  onSuggest,
}: DataSectionProps) {
  const { dataset: datasetName, population: populationName, mapping } = widget.data;
  const dataset = datasets.find((d) => same(d.name, datasetName));
  const population = populationName ? datasets.find((d) => same(d.name, populationName)) : undefined;
  const suggestions = useQuery(
    suggestMappingQuery(studyId, {
      type: type.type,
      dataset: datasetName || undefined,
      population: populationName,
      extraFields,
    }),
  );
  const candidates = suggestions.data?.candidates ?? {};
  const report = preview.data?.report;
  const issueFor = (field: string): MappingIssue | undefined => report?.issues.find((i) => i.field === field);

  const own = new Set(type.fields.map((f) => f.key));
  const extras = [...new Set([...extraFields, ...Object.keys(mapping)])].filter((f) => !own.has(f));
  const filterLabel = (field: string) => filters.find((f) => f.field === field)?.label ?? humanize(field);
  const required = type.fields.filter((f) => f.required);
  const mappedLocally = required.filter((f) => mapping[f.key]).length;
  // The server's coverage also knows whether the mapped columns exist; until it answers, count locally.
  const mapped = report ? Math.round(report.coverage * required.length) : mappedLocally;
  const complete = mapped === required.length;
  const populationNeeded = type.needsPopulation || type.fields.some((f) => f.source === 'population');

  return (
    <section aria-labelledby="properties-data" className="space-y-4">
      <div className="flex items-center justify-between gap-2">
        <h3 id="properties-data" className="text-xs font-semibold tracking-wide text-muted-foreground uppercase">
          Data
        </h3>
        <Button variant="secondary" size="sm" onClick={onSuggest} loading={suggesting} className="h-7 px-2.5">
          {suggesting ? null : <Sparkles />}
          Suggest mapping
        </Button>
      </div>

      <FormField label="Dataset" required>
        {(control) => (
          <Select
            {...control}
            value={dataset?.name ?? datasetName}
            onChange={(event) => onDataset(event.target.value)}
            className="[&_select]:h-8 [&_select]:text-[13px]"
          >
            {dataset || !datasetName ? null : (
              <option value={datasetName}>{datasetName} (not in the active data)</option>
            )}
            {datasetName ? null : <option value="">Choose a dataset</option>}
            {datasets.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name}
                {d.label ? ` — ${d.label}` : ''}
              </option>
            ))}
          </Select>
        )}
      </FormField>

      <FormField
        label="Population"
        optional={!type.needsPopulation}
        required={type.needsPopulation}
        hint={
          populationNeeded ? 'One row per subject (DM, ADSL): gives denominators and subject attributes.' : undefined
        }
      >
        {(control) => (
          <Select
            {...control}
            value={population?.name ?? populationName ?? ''}
            onChange={(event) => onPopulation(event.target.value || undefined)}
            className="[&_select]:h-8 [&_select]:text-[13px]"
          >
            <option value="">None</option>
            {populationName && !population ? (
              <option value={populationName}>{populationName} (not in the active data)</option>
            ) : null}
            {datasets.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name}
                {d.label ? ` — ${d.label}` : ''}
              </option>
            ))}
          </Select>
        )}
      </FormField>

      <div className="space-y-3 rounded-lg border border-border bg-surface-muted/60 p-3">
        <Coverage mapped={mapped} required={required.length} complete={complete} />
        {suggestions.isError ? (
          <p className="text-xs text-muted-foreground">
            No suggestions for this data: {errorMessage(suggestions.error)}
          </p>
        ) : null}
        {type.fields.length === 0 ? (
          <p className="text-xs text-muted-foreground">This widget needs no fields.</p>
        ) : (
          type.fields.map((field) => (
            <MappingFieldRow
              key={field.key}
              field={field.key}
              label={field.label}
              description={field.description}
              required={field.required}
              value={mapping[field.key]}
              onChange={(column) => onMapping(field.key, column)}
              dataset={dataset}
              population={population}
              candidates={candidates[field.key] ?? []}
              issue={issueFor(field.key)}
            />
          ))
        )}
      </div>

      {extras.length > 0 ? (
        <div className="space-y-3">
          <div>
            <h4 className="text-[13px] font-medium">Fields for dashboard filters</h4>
            <p className="text-xs text-muted-foreground">
              A dashboard filter applies to this widget only when its field is mapped.
            </p>
          </div>
          {extras.map((field) => (
            <MappingFieldRow
              key={field}
              field={field}
              label={filterLabel(field)}
              required={false}
              value={mapping[field]}
              onChange={(column) => onMapping(field, column)}
              dataset={dataset}
              population={population}
              candidates={candidates[field] ?? []}
              issue={issueFor(field)}
            />
          ))}
        </div>
      ) : null}

      {preview.data?.error && complete ? (
        <Alert tone="danger" title="The preview failed">
          {preview.data.error}
        </Alert>
      ) : null}
      {preview.isError ? (
        <Alert tone="danger" title="Could not preview this widget">
          {errorMessage(preview.error)}
        </Alert>
      ) : null}

      <div className="space-y-2">
        <h4 className="text-[13px] font-medium">Sample rows</h4>
        {preview.isPending ? (
          <Skeleton className="h-24 rounded-md" />
        ) : preview.data && preview.data.sample.columns.length > 0 ? (
          <SampleTable columns={preview.data.sample.columns} rows={preview.data.sample.rows} />
        ) : (
          <p className="text-xs text-muted-foreground">Map a field to see the first rows of its column.</p>
        )}
      </div>
    </section>
  );
}

function Coverage({ mapped, required, complete }: { mapped: number; required: number; complete: boolean }) {
  if (required === 0) return null;
  return (
    <div className="space-y-1.5">
      <p
        className={cn(
          'flex items-center gap-1.5 text-xs font-medium',
          complete ? 'text-success-soft-foreground' : 'text-warning-soft-foreground',
        )}
      >
        {complete ? (
          <CheckCircle2 className="size-3.5" aria-hidden />
        ) : (
          <CircleDashed className="size-3.5" aria-hidden />
        )}
        {mapped} of {required} required {required === 1 ? 'field' : 'fields'} mapped
      </p>
      <div className="h-1 overflow-hidden rounded-full bg-slate-200/80" aria-hidden>
        <div
          className={cn('h-full rounded-full transition-[width]', complete ? 'bg-emerald-500' : 'bg-amber-500')}
          style={{ width: `${(mapped / required) * 100}%` }}
        />
      </div>
    </div>
  );
}
