import type { WidgetDataResponse } from '@cdp/contracts';
import { BarChart3, Download, FileImage, MoreHorizontal, Table2, Users } from 'lucide-react';
import { Button } from '../../../components/ui/button.tsx';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '../../../components/ui/dropdown-menu.tsx';
import type { WidgetExportFormat } from '../api/exports-api.ts';

interface WidgetMenuProps {
  title: string;
  data: WidgetDataResponse;
  /** All subjects behind the widget. */
  onDrill?: () => void;
  asTable: boolean;
  /** Charts only: the same data as a table (also the keyboard's way to each value). */
  onToggleTable?: () => void;
  /** Files made on the server (absent where exports are not allowed or not saved, e.g. the builder). */
  onExport?: (format: WidgetExportFormat) => void;
  /** Charts: offer PNG and SVG too. */
  chart: boolean;
}

/** A widget's "…" menu. */
export function WidgetMenu({ title, data, onDrill, asTable, onToggleTable, onExport, chart }: WidgetMenuProps) {
  const empty = data.rows.length === 0 && !data.metric;
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
        {onExport ? (
          <>
            <DropdownMenuSeparator />
            <DropdownMenuItem onSelect={() => onExport('csv')} disabled={empty}>
              <Download />
              Download CSV
            </DropdownMenuItem>
            <DropdownMenuItem onSelect={() => onExport('xlsx')} disabled={empty}>
              <Download />
              Download Excel
            </DropdownMenuItem>
            {chart ? (
              <>
                <DropdownMenuItem onSelect={() => onExport('png')} disabled={empty}>
                  <FileImage />
                  Download PNG
                </DropdownMenuItem>
                <DropdownMenuItem onSelect={() => onExport('svg')} disabled={empty}>
                  <FileImage />
                  Download SVG
                </DropdownMenuItem>
              </>
            ) : null}
          </>
        ) : null}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
