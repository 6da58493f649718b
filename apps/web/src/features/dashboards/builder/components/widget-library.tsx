import type { WidgetTypeInfo } from '@cdp/contracts';
import { Plus, Search, X } from 'lucide-react';
import { type DragEvent, useId, useMemo, useState } from 'react';
import { Button } from '../../../../components/ui/button.tsx';
import { Input } from '../../../../components/ui/input.tsx';
import { Sheet, SheetContent, SheetTrigger } from '../../../../components/ui/sheet.tsx';
import { cn } from '../../../../lib/cn.ts';
import { CATEGORY_LABELS, WidgetTypeIcon } from './widget-type-icon.tsx';

const CATEGORY_ORDER: WidgetTypeInfo['category'][] = ['metric', 'chart', 'clinical', 'table', 'map', 'flow'];

/** The MIME type a library item is dragged with, so the grid ignores files and text dragged onto it. */
export const WIDGET_DRAG_TYPE = 'application/x-cdp-widget-type';

interface WidgetLibraryProps {
  types: WidgetTypeInfo[];
  onAdd: (type: WidgetTypeInfo) => void;
  /** The type being dragged towards the grid, or null when the drag ends. */
  onDragType: (type: WidgetTypeInfo | null) => void;
}

function matches(type: WidgetTypeInfo, query: string): boolean {
  if (!query) return true;
  const text = `${type.name} ${type.description} ${type.type} ${CATEGORY_LABELS[type.category]}`.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .every((word) => text.includes(word));
}

/** The widget types, searchable and grouped by category: click one to add it, or drag it onto the grid. */
export function WidgetLibrary({ types, onAdd, onDragType }: WidgetLibraryProps) {
  return (
    <aside
      aria-label="Widget library"
      className="flex min-h-0 w-64 shrink-0 flex-col border-r border-border bg-surface max-md:hidden"
    >
      <LibraryList types={types} onAdd={onAdd} onDragType={onDragType} heading />
      <p className="border-t border-border px-4 py-2.5 text-xs text-muted-foreground">
        Click a widget to add it, or drag it onto the page.
      </p>
    </aside>
  );
}

/**
 * The library on a phone, where the page has no room beside the canvas for it: a button at the
 * foot of the screen opens it over the whole page; a widget tapped is added and the sheet closes,
 * leaving the new widget selected with its properties open.
 */
export function WidgetLibrarySheet({ types, onAdd }: Pick<WidgetLibraryProps, 'types' | 'onAdd'>) {
  const [open, setOpen] = useState(false);
  return (
    <Sheet open={open} onOpenChange={setOpen}>
      <div className="pointer-events-none fixed inset-x-0 bottom-0 z-20 flex justify-center pb-4 md:hidden">
        <SheetTrigger asChild>
          <Button className="pointer-events-auto shadow-overlay">
            <Plus />
            Add widget
          </Button>
        </SheetTrigger>
      </div>
      <SheetContent title="Add a widget" description="Tap a widget to add it to this page." size="md">
        <LibraryList
          types={types}
          onAdd={(type) => {
            setOpen(false);
            onAdd(type);
          }}
        />
      </SheetContent>
    </Sheet>
  );
}

/** The search box and the grouped list; dragging is offered where a grid is beside it to drop on. */
function LibraryList({
  types,
  onAdd,
  onDragType,
  heading = false,
}: Omit<WidgetLibraryProps, 'onDragType'> & { onDragType?: WidgetLibraryProps['onDragType']; heading?: boolean }) {
  const [query, setQuery] = useState('');
  const groups = useMemo(() => {
    const found = types.filter((t) => matches(t, query.trim()));
    return CATEGORY_ORDER.map((category) => ({
      category,
      types: found.filter((t) => t.category === category).sort((a, b) => a.name.localeCompare(b.name)),
    })).filter((group) => group.types.length > 0);
  }, [types, query]);
  const groupId = useId();

  return (
    <>
      <div className="space-y-3 border-b border-border px-4 pt-4 pb-3">
        {heading ? (
          <h2 className="text-xs font-semibold tracking-wide text-muted-foreground uppercase">Add widgets</h2>
        ) : null}
        <div className="relative">
          <Search
            className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground"
            aria-hidden
          />
          <Input
            type="search"
            aria-label="Search widgets"
            placeholder="Search widgets"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            className="h-8 pr-8 pl-9 text-[13px] [&::-webkit-search-cancel-button]:hidden"
          />
          {query ? (
            <button
              type="button"
              onClick={() => setQuery('')}
              className="absolute top-1/2 right-1.5 flex size-6 -translate-y-1/2 items-center justify-center rounded text-muted-foreground hover:bg-surface-sunken hover:text-foreground"
              aria-label="Clear search"
            >
              <X className="size-3.5" />
            </button>
          ) : null}
        </div>
      </div>
      <div className="min-h-0 flex-1 space-y-5 overflow-y-auto px-3 py-4">
        {groups.length === 0 ? (
          <p className="px-2 py-6 text-center text-[13px] text-muted-foreground">
            {types.length === 0 ? 'No widget types are available.' : `No widget matches “${query.trim()}”.`}
          </p>
        ) : (
          groups.map((group) => (
            <section key={group.category} aria-labelledby={`${groupId}-${group.category}`} className="space-y-1">
              <h3
                id={`${groupId}-${group.category}`}
                className="px-2 pb-1 text-[11px] font-semibold tracking-wide text-subtle-foreground uppercase"
              >
                {CATEGORY_LABELS[group.category]}
              </h3>
              <ul className="space-y-0.5">
                {group.types.map((type) => (
                  <li key={type.type}>
                    <LibraryItem type={type} onAdd={onAdd} onDragType={onDragType} />
                  </li>
                ))}
              </ul>
            </section>
          ))
        )}
      </div>
    </>
  );
}

function LibraryItem({
  type,
  onAdd,
  onDragType,
}: {
  type: WidgetTypeInfo;
  onAdd: WidgetLibraryProps['onAdd'];
  onDragType: WidgetLibraryProps['onDragType'] | undefined;
}) {
  const descriptionId = useId();
  const onDragStart = (event: DragEvent) => {
    if (!onDragType) return;
    event.dataTransfer.setData(WIDGET_DRAG_TYPE, type.type);
    // Firefox starts no drag without some data.
    event.dataTransfer.setData('text/plain', type.name);
    event.dataTransfer.effectAllowed = 'copy';
    onDragType(type);
  };
  return (
    <button
      type="button"
      draggable={Boolean(onDragType)}
      data-testid={`library-item-${type.type}`}
      aria-label={`Add ${type.name}`}
      aria-describedby={descriptionId}
      onClick={() => onAdd(type)}
      onDragStart={onDragStart}
      onDragEnd={() => onDragType?.(null)}
      className={cn(
        'group flex w-full items-start gap-3 rounded-md px-2 py-2 text-left transition-colors hover:bg-surface-sunken focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-ring',
        onDragType && 'cursor-grab active:cursor-grabbing',
      )}
    >
      <WidgetTypeIcon type={type} className="mt-0.5 group-hover:border-teal-200" />
      <span className="min-w-0">
        <span className="block truncate text-[13px] font-medium text-foreground">{type.name}</span>
        <span id={descriptionId} className="line-clamp-2 text-xs leading-snug text-muted-foreground">
          {type.description}
        </span>
      </span>
    </button>
  );
}
