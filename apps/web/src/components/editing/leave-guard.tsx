import { useBlocker } from '@tanstack/react-router';
import { useRef } from 'react';
import { AlertDialog, AlertDialogCancel, AlertDialogContent } from '../ui/alert-dialog.tsx';
import { Button } from '../ui/button.tsx';
import { DialogFooter } from '../ui/dialog.tsx';

/** Where an ended session sends the user: nothing could be saved there anyway, so nothing holds them back. */
const SESSION_PAGES = new Set(['/login', '/change-password']);

/**
 * Asks before leaving an editor with unsaved changes (the dashboard builder, the pipeline editor):
 * in the app (a link, Back) with a dialog, and on closing or reloading the tab with the browser's
 * own prompt. A change of search parameters only (a dashboard's `page`) is not leaving.
 */
export function LeaveGuard({ dirty, what }: { dirty: boolean /** "this dashboard" */; what: string }) {
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  const blocker = useBlocker({
    shouldBlockFn: ({ current, next }) =>
      dirtyRef.current && next.pathname !== current.pathname && !SESSION_PAGES.has(next.pathname),
    enableBeforeUnload: () => dirtyRef.current,
    withResolver: true,
  });
  return (
    <AlertDialog open={blocker.status === 'blocked'} onOpenChange={(open) => !open && blocker.reset?.()}>
      <AlertDialogContent
        title="Leave without saving?"
        description={`Your changes to ${what} are not saved. If you leave now, they are lost.`}
      >
        <div className="h-4" />
        <DialogFooter>
          <AlertDialogCancel asChild>
            <Button variant="secondary">Stay and keep editing</Button>
          </AlertDialogCancel>
          <Button variant="destructive" onClick={() => blocker.proceed?.()}>
            Leave without saving
          </Button>
        </DialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
