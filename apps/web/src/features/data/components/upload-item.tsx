import { formatBytes } from '@cdp/contracts';
import { Link } from '@tanstack/react-router';
import { AlertTriangle, ArrowRight, CheckCircle2, FileArchive, FileSpreadsheet, RotateCw, X } from 'lucide-react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Spinner } from '../../../components/ui/spinner.tsx';
import { cn } from '../../../lib/cn.ts';
import { cancelUpload, dismissUpload, retryUpload, type Upload } from '../hooks/upload-store.ts';
import { ProgressBar } from './progress-bar.tsx';
import { UploadResult } from './upload-result.tsx';

function Status({ upload }: { upload: Upload }) {
  switch (upload.phase) {
    case 'uploading':
      return (
        <span className="tabular-nums">
          Uploading · {formatBytes(upload.loaded)} of {formatBytes(upload.total)}
        </span>
      );
    case 'converting':
      return <span>Uploaded · converting on the server…</span>;
    case 'done':
      return <span>Uploaded · {formatBytes(upload.file.size)}</span>;
    case 'failed':
      return <span>{formatBytes(upload.file.size)}</span>;
    case 'cancelled':
      return <span>Cancelled · nothing was saved</span>;
  }
}

/** One upload from choosing the file to its result: bytes sent, converting, then versions or the reason it failed. */
export function UploadItem({ studyId, upload }: { studyId: string; upload: Upload }) {
  const { file, phase } = upload;
  const running = phase === 'uploading' || phase === 'converting';
  const percent = upload.total > 0 ? (upload.loaded / upload.total) * 100 : 0;
  const Icon = file.name.toLowerCase().endsWith('.zip') ? FileArchive : FileSpreadsheet;
  return (
    <li
      className="overflow-hidden rounded-lg border border-border bg-surface"
      aria-label={`Upload of ${file.name}`}
      aria-busy={running || undefined}
    >
      <div className="flex items-center gap-3 px-4 py-3">
        <div
          className={cn(
            'flex size-9 shrink-0 items-center justify-center rounded-md border',
            phase === 'done' && 'border-emerald-200 bg-success-soft text-success-soft-foreground',
            phase === 'failed' && 'border-red-200 bg-destructive-soft text-destructive',
            (running || phase === 'cancelled') && 'border-border bg-surface-muted text-muted-foreground',
          )}
        >
          <Icon className="size-4" aria-hidden />
        </div>
        <div className="min-w-0 flex-1">
          <p className="truncate text-[13px] font-medium" title={file.name}>
            {file.name}
          </p>
          <p className="text-xs text-muted-foreground">
            <Status upload={upload} />
          </p>
        </div>
        {phase === 'uploading' ? (
          <span className="text-[13px] font-medium text-foreground tabular-nums">{Math.floor(percent)}%</span>
        ) : null}
        {phase === 'converting' ? (
          <span className="flex items-center gap-1.5 text-[13px] text-muted-foreground">
            <Spinner className="size-3.5" />
            Converting…
          </span>
        ) : null}
        {phase === 'done' ? (
          <Badge tone="success">
            <CheckCircle2 aria-hidden />
            Saved
          </Badge>
        ) : null}
        {phase === 'failed' ? (
          <Badge tone="danger">
            <AlertTriangle aria-hidden />
            Failed
          </Badge>
        ) : null}
        {upload.retryable && (phase === 'failed' || phase === 'cancelled') ? (
          <Button variant="secondary" size="sm" onClick={() => retryUpload(studyId, upload)}>
            <RotateCw />
            Try again
          </Button>
        ) : null}
        {phase === 'uploading' ? (
          <Button
            variant="ghost"
            size="icon-sm"
            onClick={() => cancelUpload(upload.id)}
            aria-label={`Cancel the upload of ${file.name}`}
          >
            <X />
          </Button>
        ) : null}
        {running ? null : (
          <Button
            variant="ghost"
            size="icon-sm"
            onClick={() => dismissUpload(studyId, upload.id)}
            aria-label={`Dismiss ${file.name}`}
          >
            <X />
          </Button>
        )}
      </div>
      {running ? (
        <div className="px-4 pb-3.5">
          <ProgressBar
            value={phase === 'uploading' ? percent : null}
            label={phase === 'uploading' ? `Uploading ${file.name}` : `Converting ${file.name}`}
          />
        </div>
      ) : null}
      {phase === 'failed' ? (
        <div role="alert" className="border-t border-red-200 bg-destructive-soft px-4 py-3 text-[13px]">
          <p className="font-medium text-destructive-soft-foreground">
            {/* The server usually says so itself; the title need not repeat it. */}
            {/nothing was saved/i.test(upload.error ?? '') ? 'Upload failed' : 'Upload failed — nothing was saved'}
          </p>
          <p className="mt-0.5 break-words text-destructive-soft-foreground/90">{upload.error}</p>
        </div>
      ) : null}
      {phase === 'done' && upload.version ? (
        <div className="border-t border-border">
          <UploadResult studyId={studyId} version={upload.version} />
          <div className="flex justify-end border-t border-border bg-surface-muted px-4 py-2">
            <Button asChild variant="ghost" size="sm">
              <Link
                to="/studies/$studyId/data"
                params={{ studyId }}
                search={{ version: upload.version.id }}
                hash="datasets"
              >
                Browse this version <ArrowRight />
              </Link>
            </Button>
          </div>
        </div>
      ) : null}
    </li>
  );
}
