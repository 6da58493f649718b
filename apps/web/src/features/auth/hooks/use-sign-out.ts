import { useCallback } from 'react';
import { endSession } from '../../../lib/session.ts';
import { logout } from '../api/auth-api.ts';

/** Ends the session on the server, then locally (the app shell then shows the sign-in page). */
export function useSignOut() {
  return useCallback(async () => {
    await logout();
    endSession(null, { explicit: true });
  }, []);
}
