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
import { type DownloadFormat, downloadDataset } from '../api/data-api.ts';

const FORMATS: { format: DownloadFormat; label: string; hint: string }[] = [
  { format: 'csv', label: 'CSV', hint: 'Text, opens in any spreadsheet' },
  { format: 'parquet', label: 'Parquet', hint: 'Typed, compact, for analytics tools' },
  { format: 'xpt', label: 'SAS transport (XPT)', hint: 'For SAS and regulatory submissions' },
];

/** The whole dataset as stored (not only the filtered rows), in the format asked for. */
export function DownloadMenu({ studyId, versionId, name }: { studyId: string; versionId: string; name: string }) {
  const download = useMutation({
    mutationFn: (format: DownloadFormat) => downloadDataset(studyId, versionId, name, format),
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
        <DropdownMenuLabel>All rows of {name}, as stored</DropdownMenuLabel>
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
