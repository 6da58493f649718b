import type { WidgetDefinition } from '@cdp/contracts';
import { Cable, Copy, GripVertical, Settings2, Trash2 } from 'lucide-react';
import { memo, type ReactNode } from 'react';
import { Button } from '../../../../components/ui/button.tsx';
import { Card } from '../../../../components/ui/card.tsx';
import { Tooltip } from '../../../../components/ui/tooltip.tsx';
import { cn } from '../../../../lib/cn.ts';
import { WidgetCard } from '../../widget/widget-card.tsx';
import { useWidgetPreview, useWidgetPreviewData } from '../hooks/use-widget-preview.ts';

/** The grid drags a widget by its card's header (see `BuilderGrid`); the grip only shows where to hold it. */
export const DRAG_HANDLE_SELECTOR = '.builder-widget header';
/** Presses on these never start a drag, so the header's buttons and menus stay clickable. */
export const DRAG_CANCEL_SELECTOR = 'button, a, input, select, textarea, [role="menu"], [role="menuitem"]';

interface BuilderWidgetProps {
  studyId: string;
  widgetId: string;
  widget: WidgetDefinition;
  selected: boolean;
  /** Preview mode: drawn as the viewer draws it, without the builder's controls. */
  preview: boolean;
  /** Its mapping suggestion has not arrived yet: no preview until it has. */
  waiting: boolean;
  onSelect: (widgetId: string) => void;
  onDuplicate: (widgetId: string) => void;
  onRemove: (widgetId: string) => void;
}

/** One widget on the builder's grid, drawn from the preview endpoint with the edits not yet saved. */
export const BuilderWidget = memo(function BuilderWidget({
  studyId,
  widgetId,
  widget,
  selected,
  preview,
  waiting,
  onSelect,
  onDuplicate,
  onRemove,
}: BuilderWidgetProps) {
  const drawn = useWidgetPreviewData(studyId, widget, !waiting);
  const answer = useWidgetPreview(studyId, widget, !waiting).data;
  const title = widget.title.trim() || 'Untitled widget';
  if (preview) return <WidgetCard widget={widget} widgetId={widgetId} title={title} query={drawn} />;

  // Floats on the card's top edge (the grid item is its containing block, so the card does not clip
  // it): it never squeezes or covers the title. Shown on hover, on selection and on keyboard focus.
  const toolbar = (
    <div
      className={cn(
        'absolute -top-[18px] right-12 z-10 flex items-center gap-0.5 rounded-md border border-border bg-surface p-0.5 shadow-sm transition-opacity group-hover/widget:opacity-100 focus-within:opacity-100',
        selected ? 'opacity-100' : 'opacity-0',
      )}
    >
      <span
        className="flex size-6 cursor-grab items-center justify-center rounded text-muted-foreground hover:bg-surface-sunken active:cursor-grabbing"
        data-testid="widget-drag-handle"
        title="Drag to move"
        aria-hidden
      >
        <GripVertical className="size-3.5" />
      </span>
      <ToolbarButton label={`Edit ${title}`} onClick={() => onSelect(widgetId)}>
        <Settings2 />
      </ToolbarButton>
      <ToolbarButton label={`Duplicate ${title}`} onClick={() => onDuplicate(widgetId)}>
        <Copy />
      </ToolbarButton>
      <ToolbarButton label={`Delete ${title}`} onClick={() => onRemove(widgetId)}>
        <Trash2 />
      </ToolbarButton>
    </div>
  );

  // Not yet mapped is a step of building, not a failure: say what is missing and where to fix it.
  if (answer && !answer.data && answer.report.coverage < 1) {
    return (
      <Card
        data-widget-id={widgetId}
        data-widget-type={widget.type}
        data-state="unmapped"
        aria-label={title}
        className={cn(
          'flex h-full min-h-0 flex-col overflow-hidden [&>header]:cursor-move',
          selected && 'border-primary ring-2 ring-primary/25',
        )}
      >
        <header className="flex shrink-0 items-start gap-2 px-4 pt-3 pb-2">
          <div className="min-w-0 flex-1">
            <h3 className="truncate text-[13px] leading-5 font-semibold tracking-tight" title={title}>
              {title}
            </h3>
            {widget.subtitle ? <p className="truncate text-xs text-muted-foreground">{widget.subtitle}</p> : null}
          </div>
          {toolbar}
        </header>
        <div className="flex min-h-0 flex-1 flex-col items-center justify-center gap-1.5 overflow-hidden px-4 pb-4 text-center">
          <Cable className="size-4 text-warning-soft-foreground" aria-hidden />
          <p className="text-[13px] font-medium">Finish the data mapping</p>
          <p className="line-clamp-2 max-w-sm text-xs text-muted-foreground">{answer.error}</p>
          <Button variant="secondary" size="sm" className="mt-1 h-7" onClick={() => onSelect(widgetId)}>
            Map fields
          </Button>
        </div>
      </Card>
    );
  }

  return (
    <WidgetCard
      widget={widget}
      widgetId={widgetId}
      title={title}
      query={drawn}
      selected={selected}
      toolbar={toolbar}
      className="[&>header]:cursor-move"
    />
  );
});

function ToolbarButton({ label, onClick, children }: { label: string; onClick: () => void; children: ReactNode }) {
  return (
    <Tooltip content={label}>
      <Button
        variant="ghost"
        size="icon-sm"
        className="size-6 rounded text-muted-foreground hover:text-foreground [&_svg]:size-3.5"
        aria-label={label}
        onClick={onClick}
      >
        {children}
      </Button>
    </Tooltip>
  );
}
