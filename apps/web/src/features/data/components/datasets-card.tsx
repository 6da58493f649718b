import type { DataVersion } from '@cdp/contracts';
import { Link, useNavigate } from '@tanstack/react-router';
import { FileX } from 'lucide-react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { formatDateTime, plural } from '../../../lib/format.ts';
import { ActiveBadge } from './version-bits.tsx';

const FORMAT_LABELS: Record<string, string> = {
  xpt: 'XPT',
  sas7bdat: 'SAS7BDAT',
  csv: 'CSV',
  xlsx: 'Excel',
  parquet: 'Parquet',
  odm: 'ODM',
  'dataset-json': 'Dataset-JSON',
};

/** The datasets of one version; each opens in the dataset viewer. */
export function DatasetsCard({ studyId, version }: { studyId: string; version: DataVersion }) {
  const navigate = useNavigate();
  const open = (dataset: string) =>
    navigate({
      to: '/studies/$studyId/data/versions/$versionId/$dataset',
      params: { studyId, versionId: version.id, dataset },
    });
  return (
    <Card id="datasets" className="scroll-mt-6">
      <CardHeader
        title={
          <span className="flex flex-wrap items-center gap-2">
            Datasets in <span className="font-mono">{version.label}</span>
            {version.active ? <ActiveBadge /> : <Badge tone="muted">Not active</Badge>}
          </span>
        }
        description={`${plural(version.datasets.length, 'dataset')}, loaded ${formatDateTime(version.createdAt)} from ${version.source.fileName}.`}
      />
      {version.datasets.length === 0 ? (
        <EmptyState
          icon={FileX}
          title="No datasets in this version"
          description="Every file of this upload was skipped. The versions table says why."
        />
      ) : (
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Dataset</TableHead>
              <TableHead>Label</TableHead>
              <TableHead className="text-right">Rows</TableHead>
              <TableHead className="text-right">Columns</TableHead>
              <TableHead>Source file</TableHead>
              <TableHead>Format</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {version.datasets.map((dataset) => (
              <TableRow
                key={dataset.name}
                className="cursor-pointer hover:bg-surface-muted"
                onClick={() => open(dataset.name)}
              >
                <TableCell>
                  <Link
                    to="/studies/$studyId/data/versions/$versionId/$dataset"
                    params={{ studyId, versionId: version.id, dataset: dataset.name }}
                    className="font-mono text-xs font-semibold text-primary hover:underline"
                    onClick={(event) => event.stopPropagation()}
                  >
                    {dataset.name}
                  </Link>
                </TableCell>
                <TableCell className="max-w-72">
                  <span className="line-clamp-1" title={dataset.label ?? undefined}>
                    {dataset.label ?? <span className="text-muted-foreground">—</span>}
                  </span>
                </TableCell>
                <TableCell className="text-right tabular-nums">{dataset.rows.toLocaleString()}</TableCell>
                <TableCell className="text-right tabular-nums">{dataset.columns.length.toLocaleString()}</TableCell>
                <TableCell className="max-w-64">
                  <span className="block truncate font-mono text-xs text-muted-foreground" title={dataset.source}>
                    {dataset.source}
                  </span>
                </TableCell>
                <TableCell>
                  <Badge tone="muted">{FORMAT_LABELS[dataset.format] ?? dataset.format}</Badge>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}
