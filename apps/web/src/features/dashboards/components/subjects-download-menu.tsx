import type { AppliedFilter } from '@cdp/contracts';
import { useMutation } from '@tanstack/react-query';
import { ChevronDown, Download } from 'lucide-react';
import { Button } from '../../../components/ui/button.tsx';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuTrigger,
} from '../../../components/ui/dropdown-menu.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { plural } from '../../../lib/format.ts';
import { type DrillPoint, downloadSubjects, type WidgetDataScope } from '../api/dashboards-api.ts';
import type { ReaderOptions } from '../lib/reader-options.ts';

const FORMATS = [
  { format: 'csv', label: 'CSV', hint: 'Text, opens in any spreadsheet' },
  { format: 'xlsx', label: 'Excel (XLSX)', hint: 'With a sheet naming the filters and data version' },
] as const;

interface SubjectsDownloadMenuProps {
  scope: WidgetDataScope;
  widgetId: string;
  filters: AppliedFilter[];
  /** The choices made on the widget itself (the AE explorer's event filters). */
  options?: ReaderOptions;
  point: DrillPoint;
  total: number;
}

/** Every subject of the drill-down (all pages) with their attributes, as CSV or XLSX. */
export function SubjectsDownloadMenu({ scope, widgetId, filters, options, point, total }: SubjectsDownloadMenuProps) {
  const download = useMutation({
    mutationFn: (format: 'csv' | 'xlsx') => downloadSubjects(scope, widgetId, filters, point, format, options),
    onSuccess: (file) => toast.success('Download ready', { description: `${file} was downloaded.` }),
    onError: (error) => toast.error('Download failed', { description: errorMessage(error) }),
  });
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="secondary" size="sm" loading={download.isPending}>
          {download.isPending ? null : <Download />}
          Download
          <ChevronDown className="-mr-1 text-muted-foreground" />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-64">
        <DropdownMenuLabel>All {plural(total, 'subject')}, with their attributes</DropdownMenuLabel>
        {FORMATS.map((f) => (
          <DropdownMenuItem key={f.format} onSelect={() => download.mutate(f.format)}>
            <div className="min-w-0">
              <p className="font-medium">{f.label}</p>
              <p className="text-xs text-muted-foreground">{f.hint}</p>
            </div>
          </DropdownMenuItem>
        ))}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
