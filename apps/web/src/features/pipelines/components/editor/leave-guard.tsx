import { useBlocker } from '@tanstack/react-router';
import { useRef } from 'react';
import { AlertDialog, AlertDialogCancel, AlertDialogContent } from '../../../../components/ui/alert-dialog.tsx';
import { Button } from '../../../../components/ui/button.tsx';
import { DialogFooter } from '../../../../components/ui/dialog.tsx';

const SESSION_PAGES = new Set(['/login', '/change-password']);

/** Asks before leaving the pipeline editor with unsaved changes (a link, Back, closing the tab). */
export function PipelineLeaveGuard({ dirty }: { dirty: boolean }) {
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
        description="Your changes to this pipeline are not saved. If you leave now, they are lost."
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
