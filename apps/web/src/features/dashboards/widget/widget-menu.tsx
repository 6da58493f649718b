import type { WidgetDataResponse } from '@cdp/contracts';
import { BarChart3, Download, MoreHorizontal, Table2, Users } from 'lucide-react';
import { Button } from '../../../components/ui/button.tsx';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from '../../../components/ui/dropdown-menu.tsx';
import { toCsv } from '../lib/widget-cells.ts';

interface WidgetMenuProps {
  title: string;
  data: WidgetDataResponse;
  /** All subjects behind the widget. */
  onDrill?: () => void;
  asTable: boolean;
  /** Charts only: the same data as a table (also the keyboard's way to each value). */
  onToggleTable?: () => void;
}

function download(title: string, data: WidgetDataResponse) {
  const blob = new Blob([toCsv(data.columns, data.rows)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `${
    title
      .replace(/[^\w-]+/g, '-')
      .replace(/^-|-$/g, '')
      .toLowerCase() || 'widget'
  }.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A widget's "…" menu. */
export function WidgetMenu({ title, data, onDrill, asTable, onToggleTable }: WidgetMenuProps) {
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button
          variant="ghost"
          size="icon-sm"
          className="-mt-1 -mr-2 size-7 text-muted-foreground"
          aria-label={`${title}: actions`}
        >
          <MoreHorizontal />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="min-w-44">
        {onDrill ? (
          <DropdownMenuItem onSelect={onDrill}>
            <Users />
            View subjects
          </DropdownMenuItem>
        ) : null}
        {onToggleTable ? (
          <DropdownMenuItem onSelect={onToggleTable}>
            {asTable ? <BarChart3 /> : <Table2 />}
            {asTable ? 'Show as chart' : 'Show as table'}
          </DropdownMenuItem>
        ) : null}
        <DropdownMenuItem onSelect={() => download(title, data)} disabled={data.rows.length === 0}>
          <Download />
          Download CSV
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
