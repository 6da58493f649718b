import { PERMISSION_LABELS, type Permission } from '@cdp/contracts';
import { Link } from '@tanstack/react-router';
import { ShieldOff } from 'lucide-react';
import type { ReactNode } from 'react';
import { useCan } from '../../features/auth/hooks/use-me.ts';
import { Button } from '../ui/button.tsx';
import { Card } from '../ui/card.tsx';

/** Shown instead of a page the user's roles do not open; the page's data is never requested. */
export function NoAccess({ permission }: { permission?: Permission }) {
  return (
    <Card className="mx-auto mt-8 max-w-lg">
      <div className="flex flex-col items-center px-8 py-12 text-center">
        <div className="mb-4 flex size-12 items-center justify-center rounded-full border border-amber-200 bg-warning-soft text-warning-soft-foreground">
          <ShieldOff className="size-5" aria-hidden />
        </div>
        <h1 className="text-base font-semibold">You don’t have access to this page</h1>
        <p className="mt-2 max-w-sm text-[13px] leading-relaxed text-muted-foreground">
          {permission
            ? `Your roles do not include “${PERMISSION_LABELS[permission]}”. `
            : 'Your roles do not include this area. '}
          If you need it for your work, ask an organization administrator to assign you a suitable role.
        </p>
        <Button asChild variant="secondary" className="mt-6">
          <Link to="/">Go to overview</Link>
        </Button>
      </div>
    </Card>
  );
}

/** Renders `children` only when the user holds `permission`; otherwise the no-access state. */
export function RequirePermission({ permission, children }: { permission: Permission; children: ReactNode }) {
  const allowed = useCan(permission);
  return allowed ? children : <NoAccess permission={permission} />;
}
