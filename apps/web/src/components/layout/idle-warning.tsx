import { Clock } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useSignOut } from '../../features/auth/hooks/use-sign-out.ts';
import { api } from '../../lib/api-client.ts';
import { plural } from '../../lib/format.ts';
import { session } from '../../lib/session.ts';
import { AlertDialog, AlertDialogContent } from '../ui/alert-dialog.tsx';
import { Button } from '../ui/button.tsx';
import { DialogFooter } from '../ui/dialog.tsx';

const WARN_BEFORE_MS = 2 * 60_000;

function formatLeft(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/**
 * The server ends a session after `idleMinutes` without requests. Two minutes before, this asks
 * whether the user is still there; when the time is up it lets the server confirm the expiry, which
 * sends the user to the sign-in page with the server's explanation.
 */
export function IdleWarning({ idleMinutes }: { idleMinutes: number }) {
  const [left, setLeft] = useState<number | null>(null);
  const [staying, setStaying] = useState(false);
  const signOut = useSignOut();

  useEffect(() => {
    const limit = idleMinutes * 60_000;
    const warnBefore = Math.min(WARN_BEFORE_MS, limit / 2);
    let expiring = false;
    const tick = () => {
      const remaining = limit - (Date.now() - session.lastActivity());
      if (remaining <= 0 && !expiring) {
        expiring = true;
        void api('/api/me')
          .catch(() => undefined)
          .finally(() => {
            expiring = false;
          });
      }
      setLeft(remaining <= warnBefore ? remaining : null);
    };
    const timer = setInterval(tick, 1000);
    return () => clearInterval(timer);
  }, [idleMinutes]);

  const stay = async () => {
    setStaying(true);
    try {
      await api('/api/me');
    } finally {
      setStaying(false);
    }
  };

  return (
    <AlertDialog open={left !== null && left > 0}>
      <AlertDialogContent
        title="Are you still there?"
        description={`For your security you will be signed out after ${plural(idleMinutes, 'minute')} of inactivity.`}
      >
        <div className="flex items-center gap-3 px-6 py-5">
          <Clock className="size-5 text-warning-soft-foreground" aria-hidden />
          <p className="text-[13px]">
            Signing out in <span className="font-mono font-semibold tabular-nums">{formatLeft(left ?? 0)}</span>
          </p>
        </div>
        <DialogFooter>
          <Button variant="secondary" onClick={() => void signOut()}>
            Sign out
          </Button>
          <Button onClick={() => void stay()} loading={staying}>
            Stay signed in
          </Button>
        </DialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
