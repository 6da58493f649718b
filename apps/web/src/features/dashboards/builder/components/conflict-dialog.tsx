import { AlertDialog, AlertDialogCancel, AlertDialogContent } from '../../../../components/ui/alert-dialog.tsx';
import { Button } from '../../../../components/ui/button.tsx';
import { DialogFooter } from '../../../../components/ui/dialog.tsx';

interface ConflictDialogProps {
  /** The version someone else saved; null when there is no conflict. */
  currentVersion: number | null;
  reloading: boolean;
  onReload: () => void;
  onKeepEditing: () => void;
}

/** A save that came too late: someone saved a newer version first, and nothing of this save was stored. */
export function ConflictDialog({ currentVersion, reloading, onReload, onKeepEditing }: ConflictDialogProps) {
  return (
    <AlertDialog open={currentVersion !== null} onOpenChange={(open) => !open && !reloading && onKeepEditing()}>
      <AlertDialogContent
        title={`Someone saved a newer version (v${currentVersion ?? ''})`}
        description={
          <>
            Reload to see it — your changes stay unsaved. Reloading replaces them with version {currentVersion}; keep
            editing to note what you want to redo first.
          </>
        }
      >
        <div className="h-4" />
        <DialogFooter>
          <AlertDialogCancel asChild>
            <Button variant="secondary" disabled={reloading}>
              Keep editing
            </Button>
          </AlertDialogCancel>
          <Button onClick={onReload} loading={reloading}>
            Reload version {currentVersion}
          </Button>
        </DialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
