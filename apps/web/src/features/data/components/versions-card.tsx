import type { DataVersion } from '@cdp/contracts';
import { formatBytes } from '@cdp/contracts';
import { Link } from '@tanstack/react-router';
import { Database, Ellipsis, GitCompareArrows, PenLine, PlayCircle, RotateCcw, Table2 } from 'lucide-react';
import { useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from '../../../components/ui/dropdown-menu.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { Tooltip } from '../../../components/ui/tooltip.tsx';
import { cn } from '../../../lib/cn.ts';
import { useFeature } from '../../auth/hooks/use-me.ts';
import { SignatureBadges } from '../../signatures/components/signature-badges.tsx';
import { SignatureDialog } from '../../signatures/components/signature-dialog.tsx';
import { ActivateVersionDialog } from './activate-version-dialog.tsx';
import { CompareDialog } from './compare-dialog.tsx';
import { ActiveBadge, isRollBack, RelativeTime, versionAuthor } from './version-bits.tsx';

interface VersionsCardProps {
  studyId: string;
  versions: DataVersion[];
  selectedId: string | undefined;
  onSelect: (id: string) => void;
  /** May activate and roll back (the study is writable and the user may upload). */
  canActivate: boolean;
  canUpload: boolean;
}

/** Every version of the study's data, newest first, with activation, roll back and comparison. */
export function VersionsCard({ studyId, versions, selectedId, onSelect, canActivate, canUpload }: VersionsCardProps) {
  const [comparing, setComparing] = useState(false);
  const [activating, setActivating] = useState<DataVersion | null>(null);
  const [signing, setSigning] = useState<DataVersion | null>(null);
  const signaturesOn = useFeature('electronic_signatures');
  const active = versions.find((v) => v.active);

  return (
    <Card>
      <CardHeader
        title="Versions"
        description="Every upload, newest first. Versions never change; the active one is what dashboards and pipelines read."
        actions={
          versions.length > 1 ? (
            <Button variant="secondary" size="sm" onClick={() => setComparing(true)}>
              <GitCompareArrows />
              Compare versions
            </Button>
          ) : null
        }
      />
      {versions.length === 0 ? (
        <EmptyState
          icon={Database}
          title="No data yet"
          description={
            canUpload
              ? 'Upload a Rave extract ZIP or SAS files above: each upload becomes a version of the study’s data.'
              : 'No data has been loaded into this study. Versions appear here once a data manager uploads files.'
          }
        />
      ) : (
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Version</TableHead>
              <TableHead>Created</TableHead>
              <TableHead>Source</TableHead>
              <TableHead className="text-right">Datasets</TableHead>
              <TableHead className="text-right">Skipped</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {versions.map((version, index) => {
              const previous = versions[index + 1];
              const selected = version.id === selectedId;
              const rollBack = isRollBack(version, active);
              return (
                <TableRow
                  key={version.id}
                  data-state={selected ? 'selected' : undefined}
                  aria-selected={selected}
                  className={cn('cursor-pointer', !selected && 'hover:bg-surface-muted')}
                  onClick={() => onSelect(version.id)}
                >
                  <TableCell>
                    <div className="flex items-center gap-2">
                      <button
                        type="button"
                        onClick={(event) => {
                          event.stopPropagation();
                          onSelect(version.id);
                        }}
                        className="rounded-sm font-mono text-xs font-semibold text-primary hover:underline"
                        aria-label={`Show the datasets of version ${version.label}`}
                      >
                        {version.label}
                      </button>
                      {version.active ? <ActiveBadge /> : null}
                    </div>
                    <SignatureBadges resource={`data_version:${version.id}`} />
                  </TableCell>
                  <TableCell className="max-w-48">
                    <RelativeTime iso={version.createdAt} />
                    <p className="truncate text-xs text-muted-foreground" title={versionAuthor(version)}>
                      by {versionAuthor(version)}
                    </p>
                  </TableCell>
                  <TableCell className="max-w-72">
                    <p className="truncate" title={version.source.fileName}>
                      {version.source.fileName}
                    </p>
                    <p className="text-xs text-muted-foreground tabular-nums">
                      {version.source.kind === 'demo'
                        ? 'Generated by CDP'
                        : // A Rave pull merges records into the version: there is no one file to weigh.
                          version.source.sha256 === ''
                          ? 'Merged from the source'
                          : formatBytes(version.source.bytes)}
                    </p>
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{version.datasets.length.toLocaleString()}</TableCell>
                  <TableCell className="text-right">
                    {version.skipped.length > 0 ? (
                      <Tooltip content={version.skipped.map((s) => s.file).join(', ')}>
                        <Badge tone="warning" tabIndex={0}>
                          {version.skipped.length.toLocaleString()}
                        </Badge>
                      </Tooltip>
                    ) : (
                      <span className="text-muted-foreground tabular-nums">0</span>
                    )}
                  </TableCell>
                  <TableCell className="text-right">
                    {/* biome-ignore lint/a11y/noStaticElementInteractions: stops row selection; the controls inside handle the keyboard */}
                    {/* biome-ignore lint/a11y/useKeyWithClickEvents: as above */}
                    <div className="flex items-center justify-end gap-1" onClick={(event) => event.stopPropagation()}>
                      {canActivate && !version.active ? (
                        <Button variant="secondary" size="sm" onClick={() => setActivating(version)}>
                          {rollBack ? <RotateCcw /> : <PlayCircle />}
                          {rollBack ? 'Roll back' : 'Activate'}
                        </Button>
                      ) : null}
                      <DropdownMenu>
                        <DropdownMenuTrigger asChild>
                          <Button variant="ghost" size="icon-sm" aria-label={`More actions for ${version.label}`}>
                            <Ellipsis />
                          </Button>
                        </DropdownMenuTrigger>
                        <DropdownMenuContent align="end">
                          <DropdownMenuItem onSelect={() => onSelect(version.id)}>
                            <Table2 />
                            Show datasets
                          </DropdownMenuItem>
                          {signaturesOn ? (
                            <DropdownMenuItem onSelect={() => setSigning(version)}>
                              <PenLine />
                              Sign…
                            </DropdownMenuItem>
                          ) : null}
                          {active && !version.active ? (
                            <DropdownMenuItem asChild>
                              <Link
                                to="/studies/$studyId/data/compare"
                                params={{ studyId }}
                                search={
                                  rollBack ? { from: version.id, to: active.id } : { from: active.id, to: version.id }
                                }
                              >
                                <GitCompareArrows />
                                Compare with the active version
                              </Link>
                            </DropdownMenuItem>
                          ) : null}
                          {previous ? (
                            <DropdownMenuItem asChild>
                              <Link
                                to="/studies/$studyId/data/compare"
                                params={{ studyId }}
                                search={{ from: previous.id, to: version.id }}
                              >
                                <GitCompareArrows />
                                Compare with the previous version
                              </Link>
                            </DropdownMenuItem>
                          ) : null}
                        </DropdownMenuContent>
                      </DropdownMenu>
                    </div>
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      {comparing ? <CompareDialog studyId={studyId} versions={versions} open onOpenChange={setComparing} /> : null}
      {signing ? (
        <SignatureDialog
          open
          onOpenChange={(open) => !open && setSigning(null)}
          resourceType="data_version"
          resourceId={signing.id}
          what={`data version ${signing.label}`}
          defaultMeaning="Review"
        />
      ) : null}
      {activating ? (
        <ActivateVersionDialog
          studyId={studyId}
          version={activating}
          active={active}
          onClose={() => setActivating(null)}
        />
      ) : null}
    </Card>
  );
}
