import type { Study } from '@cdp/contracts';
import { Link } from '@tanstack/react-router';
import {
  ArrowLeft,
  ChevronDown,
  Eye,
  History,
  MessageSquareText,
  Redo2,
  Save,
  SlidersHorizontal,
  Undo2,
} from 'lucide-react';
import { type ReactNode, useState } from 'react';
import { Button } from '../../../../components/ui/button.tsx';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from '../../../../components/ui/dropdown-menu.tsx';
import { Tooltip } from '../../../../components/ui/tooltip.tsx';
import { cn } from '../../../../lib/cn.ts';
import { SaveNoteDialog } from './save-note-dialog.tsx';

interface BuilderTopBarProps {
  study: Study;
  dashboardId: string;
  name: string;
  onNameChange: (name: string) => void;
  version: number;
  dirty: boolean;
  saving: boolean;
  canUndo: boolean;
  canRedo: boolean;
  onUndo: () => void;
  onRedo: () => void;
  preview: boolean;
  onPreviewChange: (preview: boolean) => void;
  onHistory: () => void;
  /** How many dashboard filters there are, and opening their editor. */
  filters: number;
  onFilters: () => void;
  /** With the note the user gave for the version history, if any. */
  onSave: (comment?: string) => void;
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const mod = isMac ? '⌘' : 'Ctrl+';

/** Name, undo and redo, preview, history and save: the builder's one row of commands. */
export function BuilderTopBar({
  study,
  dashboardId,
  name,
  onNameChange,
  version,
  dirty,
  saving,
  canUndo,
  canRedo,
  onUndo,
  onRedo,
  preview,
  onPreviewChange,
  onHistory,
  filters,
  onFilters,
  onSave,
}: BuilderTopBarProps) {
  return (
    <header className="flex h-14 shrink-0 items-center gap-3 border-b border-border bg-surface px-3 max-sm:gap-1">
      <IconButton label="Back to the dashboard">
        <Link to="/studies/$studyId/dashboards/$dashboardId" params={{ studyId: study.id, dashboardId }}>
          <ArrowLeft />
        </Link>
      </IconButton>
      <div className="min-w-0 flex-1">
        <input
          aria-label="Dashboard name"
          value={name}
          maxLength={200}
          onChange={(event) => onNameChange(event.target.value)}
          placeholder="Untitled dashboard"
          className={cn(
            '-ml-1.5 block w-full max-w-md truncate rounded-md border border-transparent bg-transparent px-1.5 py-0.5 text-[15px] font-semibold tracking-tight transition-colors hover:border-border focus-visible:border-ring focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-ring/25',
            name.trim() === '' && 'border-destructive/50',
          )}
        />
        <p
          className="flex items-center gap-1.5 overflow-hidden text-xs whitespace-nowrap text-muted-foreground"
          aria-live="polite"
        >
          <span className="font-mono">{study.code}</span>
          <span aria-hidden>·</span>
          <span>Version {version}</span>
          <span aria-hidden>·</span>
          {saving ? (
            <span>Saving…</span>
          ) : dirty ? (
            <span className="inline-flex items-center gap-1.5 text-warning-soft-foreground">
              <span className="size-1.5 rounded-full bg-amber-500" aria-hidden />
              Unsaved changes
            </span>
          ) : (
            <span>All changes saved</span>
          )}
        </p>
      </div>

      {/* A phone keeps the commands that leave the name room: preview, filters and save. */}
      <div className="flex items-center gap-1 max-sm:hidden">
        <IconButton label={`Undo (${mod}Z)`} onClick={onUndo} disabled={!canUndo || preview}>
          <Undo2 />
        </IconButton>
        <IconButton label={`Redo (${mod}${isMac ? '⇧Z' : 'Y'})`} onClick={onRedo} disabled={!canRedo || preview}>
          <Redo2 />
        </IconButton>
      </div>
      <div className="h-6 w-px bg-border max-sm:hidden" aria-hidden />
      <Button
        variant={preview ? 'primary' : 'ghost'}
        size="sm"
        aria-pressed={preview}
        onClick={() => onPreviewChange(!preview)}
      >
        <Eye />
        <span className="max-md:sr-only">Preview</span>
      </Button>
      <Button variant="ghost" size="sm" onClick={onFilters} disabled={preview}>
        <SlidersHorizontal />
        <span className="max-md:sr-only">Filters</span>
        <span className="rounded-full bg-surface-sunken px-1.5 text-xs tabular-nums text-muted-foreground">
          {filters}
        </span>
      </Button>
      <Button variant="ghost" size="sm" onClick={onHistory} className="max-sm:hidden">
        <History />
        <span className="max-md:sr-only">Version history</span>
      </Button>
      <SaveButton dirty={dirty} saving={saving} onSave={onSave} />
    </header>
  );
}

/** Save, and beside it a menu to save with a note for the version history. */
function SaveButton({
  dirty,
  saving,
  onSave,
}: {
  dirty: boolean;
  saving: boolean;
  onSave: (comment?: string) => void;
}) {
  const [noting, setNoting] = useState(false);
  return (
    <div className="flex">
      <Button size="sm" onClick={() => onSave()} disabled={!dirty} loading={saving} className="min-w-20 rounded-r-none">
        {saving ? null : <Save />}
        {saving ? 'Saving…' : 'Save'}
      </Button>
      <DropdownMenu>
        <DropdownMenuTrigger asChild>
          {/* Named without "save" so that the button called Save stays the only one. */}
          <Button
            size="icon-sm"
            disabled={!dirty || saving}
            aria-label="More options for this version"
            className="rounded-l-none border-l border-primary-hover"
          >
            <ChevronDown />
          </Button>
        </DropdownMenuTrigger>
        <DropdownMenuContent align="end">
          <DropdownMenuItem onSelect={() => setNoting(true)}>
            <MessageSquareText />
            Save with a note…
          </DropdownMenuItem>
        </DropdownMenuContent>
      </DropdownMenu>
      <SaveNoteDialog open={noting} onOpenChange={setNoting} onSave={(comment) => onSave(comment || undefined)} />
    </div>
  );
}

function IconButton({
  label,
  onClick,
  disabled,
  children,
}: {
  label: string;
  onClick?: () => void;
  disabled?: boolean;
  children: ReactNode;
}) {
  const asChild = !onClick;
  return (
    <Tooltip content={label}>
      <Button
        variant="ghost"
        size="icon-sm"
        aria-label={label}
        onClick={onClick}
        disabled={disabled}
        asChild={asChild}
        className="text-muted-foreground hover:text-foreground"
      >
        {children}
      </Button>
    </Tooltip>
  );
}
