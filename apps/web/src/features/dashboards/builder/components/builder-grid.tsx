import 'react-grid-layout/css/styles.css';
import type { DashboardPage, WidgetTypeInfo } from '@cdp/contracts';
import { MousePointerClick } from 'lucide-react';
import type { MouseEvent } from 'react';
import { useEffect, useMemo } from 'react';
import ReactGridLayout, { type Layout, useContainerWidth } from 'react-grid-layout';
import { cn } from '../../../../lib/cn.ts';
import { DASHBOARD_GRID, readingOrder } from '../../lib/grid.ts';
import { BuilderWidget, DRAG_CANCEL_SELECTOR, DRAG_HANDLE_SELECTOR } from './builder-widget.tsx';
import { WIDGET_DRAG_TYPE } from './widget-library.tsx';

interface BuilderGridProps {
  studyId: string;
  page: DashboardPage;
  selectedId: string | null;
  /** Widgets whose mapping suggestion is still on its way. */
  waiting: ReadonlySet<string>;
  /** The library item being dragged, for the size of the drop placeholder. */
  draggingType: WidgetTypeInfo | null;
  onSelect: (widgetId: string | null) => void;
  onDuplicate: (widgetId: string) => void;
  onRemove: (widgetId: string) => void;
  onLayout: (layout: Layout) => void;
  onDropType: (type: string, at: { x: number; y: number }) => void;
}

/** The view's grid (`DASHBOARD_GRID`), so a widget has the same size in the builder and on the dashboard. */
const GRID_CONFIG = {
  cols: DASHBOARD_GRID.cols,
  rowHeight: DASHBOARD_GRID.rowHeight,
  margin: [DASHBOARD_GRID.gap, DASHBOARD_GRID.gap] as [number, number],
  containerPadding: [0, 0] as [number, number],
};

const DRAG_CONFIG = { enabled: true, handle: DRAG_HANDLE_SELECTOR, cancel: DRAG_CANCEL_SELECTOR };
const RESIZE_CONFIG = { enabled: true, handles: ['se' as const] };

/** The page's widgets on a 12-column grid: drag by the header, resize from the corner, drop library items in. */
export function BuilderGrid({
  studyId,
  page,
  selectedId,
  waiting,
  draggingType,
  onSelect,
  onDuplicate,
  onRemove,
  onLayout,
  onDropType,
}: BuilderGridProps) {
  const { width, containerRef, mounted } = useContainerWidth();
  const dropConfig = useMemo(
    () => ({
      enabled: true,
      defaultItem: { w: 4, h: 6 },
      // Only library items land here; files or text dragged over the page get no placeholder.
      onDragOver: (event: DragEvent) =>
        event.dataTransfer?.types.includes(WIDGET_DRAG_TYPE) && draggingType
          ? { w: draggingType.defaultSize.w, h: draggingType.defaultSize.h }
          : false,
    }),
    [draggingType],
  );
  const empty = page.layout.length === 0;

  // A widget just added (or selected from elsewhere, e.g. a save problem) may land below the fold.
  useEffect(() => {
    if (!selectedId || !mounted) return;
    const frame = requestAnimationFrame(() =>
      document
        .querySelector(`[data-widget-id="${CSS.escape(selectedId)}"]`)
        ?.scrollIntoView({ block: 'nearest', behavior: 'smooth' }),
    );
    return () => cancelAnimationFrame(frame);
  }, [selectedId, mounted]);

  const deselectOnBackground = (event: MouseEvent<HTMLDivElement>) => {
    const target = event.target as HTMLElement;
    if (!target.closest('.react-grid-item')) onSelect(null);
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click on the empty canvas clears the selection; Escape does the same from the keyboard
    <div ref={containerRef} className="relative" onMouseDown={deselectOnBackground}>
      {empty ? <EmptyPage dragging={Boolean(draggingType)} /> : null}
      {mounted ? (
        <ReactGridLayout
          width={width}
          layout={page.layout}
          gridConfig={GRID_CONFIG}
          dragConfig={DRAG_CONFIG}
          resizeConfig={RESIZE_CONFIG}
          dropConfig={dropConfig}
          onDragStop={(layout) => onLayout(layout)}
          onResizeStop={(layout) => onLayout(layout)}
          onDrop={(_layout, item, event) => {
            const type = (event as DragEvent).dataTransfer?.getData(WIDGET_DRAG_TYPE) || draggingType?.type;
            if (item && type) onDropType(type, { x: item.x, y: item.y });
          }}
          className={cn(
            // Room below the last widget to drop a new one.
            'min-h-[calc(100dvh-13rem)]',
            '[&_.react-grid-placeholder]:rounded-lg [&_.react-grid-placeholder]:bg-primary! [&_.react-grid-placeholder]:opacity-15!',
            '[&_.react-resizable-handle]:z-10',
          )}
        >
          {/* In reading order, so Tab goes through the widgets as the eye does (the grid places them by layout). */}
          {readingOrder(page.layout).map((item) => {
            const widget = page.widgets[item.i];
            if (!widget) return null;
            return (
              <div
                key={item.i}
                className="builder-widget group/widget"
                onMouseDownCapture={() => onSelect(item.i)}
                onFocusCapture={() => onSelect(item.i)}
              >
                <BuilderWidget
                  studyId={studyId}
                  widgetId={item.i}
                  widget={widget}
                  selected={item.i === selectedId}
                  preview={false}
                  waiting={waiting.has(item.i)}
                  onSelect={onSelect}
                  onDuplicate={onDuplicate}
                  onRemove={onRemove}
                />
              </div>
            );
          })}
        </ReactGridLayout>
      ) : null}
    </div>
  );
}

function EmptyPage({ dragging }: { dragging: boolean }) {
  return (
    <div
      className={cn(
        'pointer-events-none absolute inset-x-0 top-0 flex h-80 flex-col items-center justify-center rounded-xl border-2 border-dashed text-center transition-colors',
        dragging ? 'border-primary/60 bg-primary-soft/60' : 'border-border-strong/70 bg-surface/60',
      )}
    >
      <div className="mb-4 flex size-12 items-center justify-center rounded-full border border-border bg-surface text-muted-foreground shadow-xs">
        <MousePointerClick className="size-5" aria-hidden />
      </div>
      <p className="text-sm font-semibold">Drag a widget here</p>
      <p className="mt-1 max-w-sm text-[13px] text-muted-foreground">
        Or click one in the library on the left: it lands in the first free place, mapped to your data.
      </p>
    </div>
  );
}
