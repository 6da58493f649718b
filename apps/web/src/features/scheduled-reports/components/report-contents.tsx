import type { ScheduledReportInput } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { Checkbox } from '../../../components/ui/checkbox.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Select } from '../../../components/ui/select.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { dashboardQuery } from '../../dashboards/api/dashboards-api.ts';
import { FilterBar } from '../../dashboards/components/filter-bar.tsx';
import type { ViewFilter } from '../../dashboards/lib/view-filters.ts';

type Options = ScheduledReportInput['options'];

/** What a report sends of its dashboard: which pages, with which filters, on which paper. */
export interface ReportContents {
  /** Page ids; null: every page (also those added to the dashboard later). */
  pages: string[] | null;
  filters: ViewFilter[];
  options: Options;
}

const PAPER = { A4: 'A4', Letter: 'US Letter' } as const;
const ORIENTATION = { landscape: 'Landscape', portrait: 'Portrait' } as const;

/**
 * The report's pages, filters and paper, edited with the dashboard's own filter controls (the same
 * values and bands as on the dashboard). Options set through the API that this form does not know
 * are kept as they are.
 */
export function ReportContentsFields({
  studyId,
  dashboardId,
  format,
  value,
  onChange,
  errors,
}: {
  studyId: string;
  dashboardId: string;
  format: string;
  value: ReportContents;
  onChange: (value: ReportContents) => void;
  errors: { pages?: string; filters?: string; options?: string };
}) {
  const dashboard = useQuery({ ...dashboardQuery(studyId, dashboardId), enabled: dashboardId !== '' });
  const set = (patch: Partial<ReportContents>) => onChange({ ...value, ...patch });
  if (!dashboardId) return null;
  if (dashboard.isPending) {
    return (
      <div className="space-y-2" role="status" aria-label="Loading the dashboard's pages and filters">
        <Skeleton className="h-4 w-1/3" />
        <Skeleton className="h-8 w-full" />
      </div>
    );
  }
  if (dashboard.isError) {
    return (
      <p role="alert" className="text-[13px] text-destructive">
        Could not load the dashboard's pages and filters: {errorMessage(dashboard.error)}
      </p>
    );
  }
  const { document, activeVersionId } = dashboard.data;
  const chosen = value.pages ?? document.pages.map((p) => p.id);
  const togglePage = (id: string) => {
    const next = chosen.includes(id) ? chosen.filter((p) => p !== id) : [...chosen, id];
    // Every page ticked means "all pages", so a page added to the dashboard later is sent too.
    set({
      pages:
        next.length === document.pages.length ? null : document.pages.map((p) => p.id).filter((p) => next.includes(p)),
    });
  };
  const paper = typeof value.options.paperSize === 'string' ? value.options.paperSize : 'A4';
  const orientation = typeof value.options.orientation === 'string' ? value.options.orientation : 'landscape';
  const labelOf = (field: string) => document.filters.find((d) => d.field === field)?.label ?? field;
  return (
    <>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium">Pages</legend>
        <ul className="grid gap-1.5 sm:grid-cols-2" aria-label="Pages to send">
          {document.pages.map((page) => (
            <li key={page.id}>
              <div className="flex items-center gap-2 text-[13px]">
                <Checkbox
                  id={`report-page-${page.id}`}
                  checked={chosen.includes(page.id)}
                  onCheckedChange={() => togglePage(page.id)}
                />
                <label htmlFor={`report-page-${page.id}`}>{page.title}</label>
              </div>
            </li>
          ))}
        </ul>
        <p
          className={errors.pages || chosen.length === 0 ? 'text-xs text-destructive' : 'text-xs text-muted-foreground'}
        >
          {errors.pages ??
            (chosen.length === 0
              ? 'Pick at least one page.'
              : value.pages === null
                ? 'Every page, including pages added to the dashboard later.'
                : `${chosen.length} of ${document.pages.length} pages.`)}
        </p>
      </fieldset>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium">Filters</legend>
        {document.filters.length === 0 && value.filters.length === 0 ? (
          <p className="text-xs text-muted-foreground">This dashboard has no filters: the report shows all data.</p>
        ) : (
          <>
            <FilterBar
              defs={document.filters}
              filters={value.filters}
              onChange={(filters) => set({ filters })}
              fieldLabel={labelOf}
              studyId={studyId}
              dashboardId={dashboardId}
              dataVersionId={activeVersionId}
            />
            <p className={errors.filters ? 'text-xs text-destructive' : 'text-xs text-muted-foreground'}>
              {errors.filters ??
                (value.filters.length === 0
                  ? 'None: the report shows all data.'
                  : 'Each run applies these to the data active then.')}
            </p>
          </>
        )}
        <p className="text-xs text-muted-foreground" data-testid="report-widget-settings-note">
          Widgets are drawn with their saved settings: choices made on a widget on screen (the AE explorer's event
          filters, a listing's review status) are not part of a scheduled report. Export the dashboard from its page to
          keep them.
        </p>
      </fieldset>
      {format === 'pdf' ? (
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField label="Paper size" error={errors.options}>
            {(control) => (
              <Select
                {...control}
                value={paper}
                onChange={(e) => set({ options: { ...value.options, paperSize: e.target.value } })}
              >
                {Object.entries(PAPER).map(([v, label]) => (
                  <option key={v} value={v}>
                    {label}
                  </option>
                ))}
              </Select>
            )}
          </FormField>
          <FormField label="Orientation">
            {(control) => (
              <Select
                {...control}
                value={orientation}
                onChange={(e) => set({ options: { ...value.options, orientation: e.target.value } })}
              >
                {Object.entries(ORIENTATION).map(([v, label]) => (
                  <option key={v} value={v}>
                    {label}
                  </option>
                ))}
              </Select>
            )}
          </FormField>
        </div>
      ) : null}
    </>
  );
}
