import { CloudUpload, FolderOpen } from 'lucide-react';
import { type DragEvent, useRef, useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardBody, CardHeader } from '../../../components/ui/card.tsx';
import { cn } from '../../../lib/cn.ts';
import { startUpload, useUploads } from '../hooks/upload-store.ts';
import { ACCEPT_ATTRIBUTE, ACCEPTED_FILES } from '../lib/accepted-files.ts';
import { type CsvChoices, CsvOptions, csvQuery, DEFAULT_CSV_CHOICES } from './csv-options.tsx';
import { UploadItem } from './upload-item.tsx';

function hasFiles(event: DragEvent) {
  return event.dataTransfer.types.includes('Files');
}

/** Drop or choose files; each file is uploaded on its own and becomes one new version. */
export function UploadCard({ studyId }: { studyId: string }) {
  const uploads = useUploads(studyId);
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [csv, setCsv] = useState<CsvChoices>(DEFAULT_CSV_CHOICES);
  const send = (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) startUpload(studyId, file, csvQuery(csv));
  };

  return (
    <Card>
      <CardHeader
        title="Upload data"
        description="Each upload is converted and stored as a new version. Nothing changes until every file in it has been read."
      />
      <CardBody className="space-y-4">
        <section
          aria-label="Drop files to upload"
          onDragEnter={(event) => {
            if (!hasFiles(event)) return;
            event.preventDefault();
            setDragging(true);
          }}
          onDragOver={(event) => {
            if (!hasFiles(event)) return;
            event.preventDefault();
            event.dataTransfer.dropEffect = 'copy';
          }}
          onDragLeave={(event) => {
            // Leaving for a child element is not leaving the zone.
            if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
          }}
          onDrop={(event) => {
            event.preventDefault();
            setDragging(false);
            send(event.dataTransfer.files);
          }}
          className={cn(
            'flex flex-col items-center gap-4 rounded-lg border border-dashed px-5 py-5 text-center transition-colors sm:flex-row sm:text-left',
            dragging ? 'border-primary bg-primary-soft' : 'border-border-strong bg-surface-muted',
          )}
        >
          <div
            className={cn(
              'flex size-11 shrink-0 items-center justify-center rounded-full border bg-surface transition-colors',
              dragging ? 'border-teal-300 text-primary' : 'border-border text-muted-foreground',
            )}
          >
            <CloudUpload className="size-5" aria-hidden />
          </div>
          <div className="min-w-0 flex-1">
            <p className="text-sm font-semibold">
              {dragging ? 'Drop to upload' : 'Drag a Rave extract ZIP or data files here'}
            </p>
            <p className="mt-0.5 text-[13px] text-muted-foreground">
              One file per version: put several files in a ZIP to load them together.
            </p>
            <ul className="mt-3 flex flex-wrap justify-center gap-1.5 sm:justify-start" aria-label="Accepted files">
              {ACCEPTED_FILES.map((f) => (
                <li
                  key={f.extension}
                  className="rounded-full border border-border bg-surface px-2 py-0.5 text-xs text-muted-foreground"
                >
                  <span className="font-mono text-foreground">{f.extension}</span> {f.label}
                </li>
              ))}
            </ul>
          </div>
          <Button variant="secondary" onClick={() => input.current?.click()}>
            <FolderOpen />
            Choose file
          </Button>
          <input
            ref={input}
            type="file"
            multiple
            accept={ACCEPT_ATTRIBUTE}
            className="hidden"
            onChange={(event) => {
              send(event.target.files);
              // The same file can be chosen again (e.g. after fixing it).
              event.target.value = '';
            }}
          />
        </section>
        <CsvOptions value={csv} onChange={setCsv} />
        {uploads.length > 0 ? (
          <ul className="space-y-3" aria-label="Uploads">
            {uploads.map((upload) => (
              <UploadItem key={upload.id} studyId={studyId} upload={upload} />
            ))}
          </ul>
        ) : null}
      </CardBody>
    </Card>
  );
}
