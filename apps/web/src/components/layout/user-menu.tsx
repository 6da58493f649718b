import { Link } from '@tanstack/react-router';
import { ChevronsUpDown, KeyRound, LogOut, Settings } from 'lucide-react';
import { useState } from 'react';
import { useMe } from '../../features/auth/hooks/use-me.ts';
import { useSignOut } from '../../features/auth/hooks/use-sign-out.ts';
import { useStudyCodes } from '../../features/studies/hooks/use-study-codes.ts';
import { cn } from '../../lib/cn.ts';
import { Avatar } from '../ui/avatar.tsx';
import { Badge } from '../ui/badge.tsx';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '../ui/dropdown-menu.tsx';
import { toast } from '../ui/toaster.tsx';

/** Name, e-mail and roles of the signed-in user, with password change and sign-out. */
export function UserMenu({ compact = false }: { compact?: boolean }) {
  const me = useMe();
  const signOut = useSignOut();
  const codes = useStudyCodes();
  const [signingOut, setSigningOut] = useState(false);

  return (
    <DropdownMenu>
      <DropdownMenuTrigger
        className={cn(
          'flex items-center gap-2.5 rounded-md text-left transition-colors hover:bg-surface-sunken focus-visible:outline-2 focus-visible:outline-ring data-[state=open]:bg-surface-sunken',
          compact ? 'p-1' : 'w-full p-2',
        )}
        aria-label={`Account menu for ${me.user.name}`}
      >
        <Avatar name={me.user.name} size={compact ? 'sm' : 'md'} />
        {compact ? null : (
          <>
            <span className="min-w-0 flex-1">
              <span className="block truncate text-[13px] font-medium">{me.user.name}</span>
              <span className="block truncate text-xs text-muted-foreground">{me.user.email}</span>
            </span>
            <ChevronsUpDown className="size-4 shrink-0 text-muted-foreground" aria-hidden />
          </>
        )}
      </DropdownMenuTrigger>
      <DropdownMenuContent align={compact ? 'end' : 'start'} side={compact ? 'bottom' : 'top'} className="w-72">
        <div className="px-2 pt-2 pb-2.5">
          <p className="truncate text-[13px] font-semibold">{me.user.name}</p>
          <p className="truncate text-xs text-muted-foreground">{me.user.email}</p>
        </div>
        <DropdownMenuSeparator />
        <DropdownMenuLabel>Roles in {me.organization.name}</DropdownMenuLabel>
        <div className="flex flex-wrap gap-1 px-2 pb-2">
          {me.grants.length === 0 ? <span className="text-xs text-muted-foreground">No roles assigned</span> : null}
          {me.grants.map((grant) => (
            <Badge key={`${grant.roleKey}-${grant.studyId ?? 'org'}`} tone="accent">
              {grant.roleName}
              {grant.studyId ? ` · ${codes.get(grant.studyId) ?? 'one study'}` : ''}
            </Badge>
          ))}
        </div>
        <DropdownMenuSeparator />
        <DropdownMenuItem asChild>
          <Link to="/settings">
            <Settings />
            Settings
          </Link>
        </DropdownMenuItem>
        <DropdownMenuItem asChild>
          <Link to="/change-password">
            <KeyRound />
            Change password
          </Link>
        </DropdownMenuItem>
        <DropdownMenuSeparator />
        <DropdownMenuItem
          tone="danger"
          disabled={signingOut}
          onSelect={async () => {
            setSigningOut(true);
            try {
              await signOut();
            } catch {
              toast.error('Sign-out failed. Close the browser to end the session.');
              setSigningOut(false);
            }
          }}
        >
          <LogOut />
          Sign out
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
