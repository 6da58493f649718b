import type { DashboardFilterDef, DatasetSummary, FieldKey, WidgetDefinition, WidgetTypeInfo } from '@cdp/contracts';
import { Copy, MousePointerClick, Trash2, X } from 'lucide-react';
import { useMemo } from 'react';
import { Alert } from '../../../../components/ui/alert.tsx';
import { Button } from '../../../../components/ui/button.tsx';
import { FormField } from '../../../../components/ui/form-field.tsx';
import { Input } from '../../../../components/ui/input.tsx';
import { cn } from '../../../../lib/cn.ts';
import { useWidgetPreview } from '../hooks/use-widget-preview.ts';
import { optionControls } from '../lib/options-schema.ts';
import { DataSection } from './data-section.tsx';
import { OptionsForm } from './options-form.tsx';
import { WidgetTypeIcon } from './widget-type-icon.tsx';

/** An edit of the selected widget; edits sharing a `key` in quick succession are one undo step. */
export type WidgetEdit = (update: (widget: WidgetDefinition) => WidgetDefinition, key?: string) => void;

interface PropertiesPanelProps {
  studyId: string;
  widgetId: string;
  widget: WidgetDefinition;
  type: WidgetTypeInfo | undefined;
  datasets: DatasetSummary[];
  filters: DashboardFilterDef[];
  extraFields: FieldKey[];
  suggesting: boolean;
  onEdit: WidgetEdit;
  onDataset: (dataset: string) => void;
  onPopulation: (population: string | undefined) => void;
  onSuggest: () => void;
  onDuplicate: () => void;
  onRemove: () => void;
  onClose: () => void;
}

// Below 768 px the panel covers the page under the top bar (the canvas would be left no width).
const panelClasses =
  'flex min-h-0 w-[22rem] shrink-0 flex-col border-l border-border bg-surface max-md:fixed max-md:inset-x-0 max-md:top-14 max-md:bottom-0 max-md:z-30 max-md:w-full';

/** The selected widget's title, data mapping and options. */
export function PropertiesPanel({
  studyId,
  widgetId,
  widget,
  type,
  datasets,
  filters,
  extraFields,
  suggesting,
  onEdit,
  onDataset,
  onPopulation,
  onSuggest,
  onDuplicate,
  onRemove,
  onClose,
}: PropertiesPanelProps) {
  const preview = useWidgetPreview(studyId, widget, !suggesting);
  const controls = useMemo(() => (type ? optionControls(type.optionsSchema) : []), [type]);
  const titleError = widget.title.trim() === '' ? 'A widget needs a title.' : undefined;

  return (
    <aside aria-label="Widget properties" data-testid="properties" className={panelClasses}>
      <div className="flex items-center gap-3 border-b border-border px-4 py-3">
        {type ? <WidgetTypeIcon type={type} /> : null}
        <div className="min-w-0 flex-1">
          <h2 className="truncate text-sm font-semibold">{type?.name ?? widget.type}</h2>
          <p className="truncate font-mono text-xs text-muted-foreground">{widgetId}</p>
        </div>
        <Button variant="ghost" size="icon-sm" aria-label="Close properties" onClick={onClose}>
          <X />
        </Button>
      </div>

      <div className="min-h-0 flex-1 space-y-6 overflow-y-auto px-4 py-4">
        {type ? null : (
          <Alert tone="warning" title={`Unknown widget type “${widget.type}”`}>
            This server does not know how to draw it. Delete it, or keep it for a server that does.
          </Alert>
        )}
        <section aria-labelledby="properties-general" className="space-y-4">
          <h3 id="properties-general" className="text-xs font-semibold tracking-wide text-muted-foreground uppercase">
            General
          </h3>
          <FormField label="Title" required error={titleError}>
            {(control) => (
              <Input
                {...control}
                className="h-8 text-[13px]"
                maxLength={200}
                value={widget.title}
                onChange={(event) => {
                  const title = event.target.value;
                  onEdit((w) => ({ ...w, title }), `${widgetId}:title`);
                }}
              />
            )}
          </FormField>
          <FormField label="Subtitle" optional>
            {(control) => (
              <Input
                {...control}
                className="h-8 text-[13px]"
                maxLength={300}
                value={widget.subtitle ?? ''}
                onChange={(event) => {
                  const subtitle = event.target.value;
                  onEdit(({ subtitle: _old, ...w }) => (subtitle ? { ...w, subtitle } : w), `${widgetId}:subtitle`);
                }}
              />
            )}
          </FormField>
        </section>

        {type ? (
          <DataSection
            studyId={studyId}
            widget={widget}
            type={type}
            datasets={datasets}
            filters={filters}
            extraFields={extraFields}
            preview={preview}
            suggesting={suggesting}
            onDataset={onDataset}
            onPopulation={onPopulation}
            onMapping={(field, column) =>
              onEdit((w) => {
                const { [field]: _old, ...mapping } = w.data.mapping;
                return { ...w, data: { ...w.data, mapping: column ? { ...mapping, [field]: column } : mapping } };
              })
            }
            onSuggest={onSuggest}
          />
        ) : null}

        {type ? (
          <section aria-labelledby="properties-options" className="space-y-4">
            <h3 id="properties-options" className="text-xs font-semibold tracking-wide text-muted-foreground uppercase">
              Options
            </h3>
            <OptionsForm
              controls={controls}
              options={widget.options}
              onChange={(key, value) =>
                onEdit((w) => {
                  const { [key]: _old, ...options } = w.options;
                  return { ...w, options: value === undefined ? options : { ...options, [key]: value } };
                }, `${widgetId}:option:${key}`)
              }
            />
          </section>
        ) : null}
      </div>

      <div className="flex items-center justify-between gap-2 border-t border-border bg-surface-muted px-4 py-3">
        <Button variant="secondary" size="sm" onClick={onDuplicate}>
          <Copy />
          Duplicate
        </Button>
        <Button variant="destructive-outline" size="sm" onClick={onRemove}>
          <Trash2 />
          Delete widget
        </Button>
      </div>
    </aside>
  );
}

/** What the right panel shows when no widget is selected. */
export function NoSelection() {
  return (
    // Below 1280 px the page needs the room more than these hints do.
    <aside aria-label="Widget properties" data-testid="properties" className={cn(panelClasses, 'max-xl:hidden')}>
      <div className="flex flex-1 flex-col items-center justify-center px-8 text-center">
        <div className="mb-4 flex size-11 items-center justify-center rounded-full border border-border bg-surface-muted text-muted-foreground">
          <MousePointerClick className="size-5" aria-hidden />
        </div>
        <p className="text-sm font-semibold">No widget selected</p>
        <p className="mt-1 text-[13px] text-muted-foreground">
          Select a widget on the page to edit its title, data and options.
        </p>
        <dl className="mt-6 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1.5 text-left text-xs text-muted-foreground">
          <dt>
            <Kbd>Ctrl</Kbd> <Kbd>Z</Kbd>
          </dt>
          <dd>Undo</dd>
          <dt>
            <Kbd>Ctrl</Kbd> <Kbd>Shift</Kbd> <Kbd>Z</Kbd>
          </dt>
          <dd>Redo</dd>
          <dt>
            <Kbd>Ctrl</Kbd> <Kbd>S</Kbd>
          </dt>
          <dd>Save</dd>
          <dt>
            <Kbd>Delete</Kbd>
          </dt>
          <dd>Delete the selected widget</dd>
        </dl>
      </div>
    </aside>
  );
}

function Kbd({ children }: { children: string }) {
  return (
    <kbd className="rounded border border-border bg-surface px-1 py-px font-mono text-[11px] text-foreground shadow-xs">
      {children}
    </kbd>
  );
}
