import type { RowFilter } from '@cdp/contracts';
import { useMutation } from '@tanstack/react-query';
import { ChevronDown, Download } from 'lucide-react';
import { Button } from '../../../components/ui/button.tsx';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '../../../components/ui/dropdown-menu.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { type DownloadFormat, downloadDataset } from '../api/data-api.ts';

const FORMATS: { format: DownloadFormat; label: string; hint: string }[] = [
  { format: 'csv', label: 'CSV', hint: 'Text, opens in any spreadsheet' },
  { format: 'parquet', label: 'Parquet', hint: 'Typed, compact, for analytics tools' },
  { format: 'xpt', label: 'SAS transport (XPT)', hint: 'For SAS and regulatory submissions' },
];

interface DownloadMenuProps {
  studyId: string;
  versionId: string;
  name: string;
  /** The viewer's filters and sort: when there are any, a CSV of just those rows is offered too. */
  view: { filters: RowFilter[]; sort?: string };
  /** The viewer also filters by review status: the CSV follows the column filters only, and says so. */
  reviewFiltered?: boolean;
}

type DownloadChoice = { format: DownloadFormat; asShown: boolean };

/**
 * The dataset as stored, in the format asked for; and, when the viewer filters or sorts, a CSV of
 * the rows as shown (Parquet and XPT stay whole: they carry the dataset's labels and types).
 */
export function DownloadMenu({ studyId, versionId, name, view, reviewFiltered = false }: DownloadMenuProps) {
  const shaped = view.filters.length > 0 || view.sort !== undefined;
  const download = useMutation({
    mutationFn: ({ format, asShown }: DownloadChoice) =>
      downloadDataset(studyId, versionId, name, format, asShown ? view : undefined),
    onSuccess: (file) => toast.success('Download ready', { description: `${file} was downloaded.` }),
    onError: (error) => toast.error('Download failed', { description: errorMessage(error) }),
  });
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="secondary" loading={download.isPending}>
          {download.isPending ? null : <Download />}
          Download
          <ChevronDown className="-mr-1 text-muted-foreground" />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-64">
        {shaped ? (
          <>
            <DropdownMenuLabel>As filtered and sorted</DropdownMenuLabel>
            <DropdownMenuItem onSelect={() => download.mutate({ format: 'csv', asShown: true })}>
              <div className="min-w-0">
                <p className="font-medium">CSV of the rows shown</p>
                <p className="text-xs text-muted-foreground">
                  {view.filters.length > 0 ? 'Only the rows the filters keep' : 'Every row'}
                  {view.sort ? ', in the order shown' : ''}
                  {reviewFiltered ? ' (not the review status filter)' : ''}
                </p>
              </div>
            </DropdownMenuItem>
            <DropdownMenuSeparator />
          </>
        ) : null}
        <DropdownMenuLabel>All rows of {name}, as stored</DropdownMenuLabel>
        {FORMATS.map((f) => (
          <DropdownMenuItem key={f.format} onSelect={() => download.mutate({ format: f.format, asShown: false })}>
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
