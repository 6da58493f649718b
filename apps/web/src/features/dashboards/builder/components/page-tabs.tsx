import type { DashboardPage } from '@cdp/contracts';
import { ChevronDown, Pencil, Plus, Trash2 } from 'lucide-react';
import { useRef, useState } from 'react';
import { Button } from '../../../../components/ui/button.tsx';
import { ConfirmDialog } from '../../../../components/ui/confirm-dialog.tsx';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from '../../../../components/ui/dropdown-menu.tsx';
import { ScrollCues, useHiddenEdges } from '../../../../components/ui/scroll-cues.tsx';
import { cn } from '../../../../lib/cn.ts';
import { plural } from '../../../../lib/format.ts';

interface PageTabsProps {
  pages: DashboardPage[];
  currentId: string;
  onSelect: (pageId: string) => void;
  /** Undefined in preview mode: pages can be looked at, not changed. */
  onAdd?: () => void;
  onRename?: (pageId: string, title: string) => void;
  onRemove?: (pageId: string) => void;
}

const tabClasses =
  '-mb-px inline-flex h-10 shrink-0 items-center gap-1.5 border-b-2 px-3 text-[13px] font-medium whitespace-nowrap transition-colors focus-visible:outline-2 focus-visible:outline-offset-[-2px] focus-visible:outline-ring';

/** The dashboard's pages: switch, add, rename (double-click or the tab's menu) and delete. */
export function PageTabs({ pages, currentId, onSelect, onAdd, onRename, onRemove }: PageTabsProps) {
  const [renaming, setRenaming] = useState<string | null>(null);
  const [removing, setRemoving] = useState<DashboardPage | null>(null);
  const editable = Boolean(onRename && onRemove);
  // On a phone the tabs and "Add page" scroll sideways: a shadow says there are more.
  const scroller = useRef<HTMLElement>(null);
  const edges = useHiddenEdges(scroller);

  return (
    <div className="relative shrink-0">
      <nav
        ref={scroller}
        aria-label="Pages"
        className="flex items-center gap-1 overflow-x-auto border-b border-border bg-surface px-3"
      >
        {pages.map((page) => {
          const current = page.id === currentId;
          if (renaming === page.id && onRename) {
            return (
              <RenameInput
                key={page.id}
                title={page.title}
                onDone={(title) => {
                  setRenaming(null);
                  if (title !== null && title !== page.title) onRename(page.id, title);
                }}
              />
            );
          }
          return (
            <div key={page.id} className="flex items-center">
              <button
                type="button"
                aria-current={current ? 'page' : undefined}
                onClick={() => onSelect(page.id)}
                onDoubleClick={editable ? () => setRenaming(page.id) : undefined}
                className={cn(
                  tabClasses,
                  current
                    ? 'border-primary text-foreground'
                    : 'border-transparent text-muted-foreground hover:text-foreground',
                )}
              >
                {page.title}
                <span className="rounded-full bg-surface-sunken px-1.5 text-[11px] text-muted-foreground tabular-nums">
                  {page.layout.length}
                </span>
              </button>
              {current && editable ? (
                <DropdownMenu>
                  <DropdownMenuTrigger asChild>
                    <Button
                      variant="ghost"
                      size="icon-sm"
                      className="-ml-1 size-6 text-muted-foreground"
                      aria-label={`Page ${page.title}: actions`}
                    >
                      <ChevronDown />
                    </Button>
                  </DropdownMenuTrigger>
                  <DropdownMenuContent align="start" className="min-w-44">
                    <DropdownMenuItem onSelect={() => setRenaming(page.id)}>
                      <Pencil />
                      Rename page
                    </DropdownMenuItem>
                    <DropdownMenuItem
                      tone="danger"
                      disabled={pages.length <= 1}
                      onSelect={() => (page.layout.length === 0 ? onRemove?.(page.id) : setRemoving(page))}
                    >
                      <Trash2 />
                      Delete page
                    </DropdownMenuItem>
                  </DropdownMenuContent>
                </DropdownMenu>
              ) : null}
            </div>
          );
        })}
        {onAdd ? (
          <Button variant="ghost" size="sm" className="ml-1 h-7 px-2 text-muted-foreground" onClick={onAdd}>
            <Plus />
            Add page
          </Button>
        ) : null}
        {removing ? (
          <ConfirmDialog
            open
            onOpenChange={(open) => !open && setRemoving(null)}
            title={`Delete the page “${removing.title}”?`}
            description={`Its ${plural(removing.layout.length, 'widget')} go with it. Undo brings them back until you leave the builder.`}
            confirmLabel="Delete page"
            tone="destructive"
            onConfirm={async () => onRemove?.(removing.id)}
          />
        ) : null}
      </nav>
      <ScrollCues edges={edges} />
    </div>
  );
}

/** Enter or leaving the field keeps the new title; Escape keeps the old one. */
function RenameInput({ title, onDone }: { title: string; onDone: (title: string | null) => void }) {
  const [value, setValue] = useState(title);
  // Enter and Escape end the edit; the blur that follows as the field goes away must not end it again.
  const ended = useRef(false);
  const end = (result: string | null) => {
    if (ended.current) return;
    ended.current = true;
    onDone(result);
  };
  const finish = () => end(value.trim() ? value.trim().slice(0, 200) : null);
  return (
    <input
      // biome-ignore lint/a11y/noAutofocus: the field appears because the user asked to rename; typing goes straight into it
      autoFocus
      aria-label="Page title"
      value={value}
      maxLength={200}
      onChange={(event) => setValue(event.target.value)}
      onFocus={(event) => event.target.select()}
      onBlur={finish}
      onKeyDown={(event) => {
        if (event.key === 'Enter') finish();
        if (event.key === 'Escape') end(null);
      }}
      className="my-1 h-8 w-40 rounded-md border border-ring bg-surface px-2 text-[13px] font-medium outline-2 outline-ring/25"
    />
  );
}
