import { PERMISSION_LABELS, PERMISSIONS, type Permission, type Role } from '@cdp/contracts';
import { Pencil, Trash2 } from 'lucide-react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Card } from '../../../components/ui/card.tsx';
import { plural } from '../../../lib/format.ts';
import { groupByResource } from './permission-groups.ts';

interface RoleCardProps {
  role: Role;
  onEdit?: () => void;
  onDelete?: () => void;
}

/** A role with its permissions grouped by resource, in words. */
export function RoleCard({ role, onEdit, onDelete }: RoleCardProps) {
  const holdsAll = PERMISSIONS.every((p) => role.permissions.includes(p));
  return (
    <Card className="flex flex-col">
      <div className="flex items-start justify-between gap-3 px-5 pt-4">
        <div className="min-w-0">
          <h3 className="flex flex-wrap items-center gap-2 text-sm font-semibold">
            {role.name}
            <Badge tone={role.isSystem ? 'muted' : 'accent'}>{role.isSystem ? 'System' : 'Custom'}</Badge>
          </h3>
          <p className="mt-1 text-[13px] text-muted-foreground">{role.description || 'No description.'}</p>
        </div>
        <span className="shrink-0 text-xs whitespace-nowrap text-muted-foreground">
          {plural(role.assignments, 'assignment')}
        </span>
      </div>
      <div className="flex-1 px-5 py-4">
        {holdsAll ? (
          <p className="text-[13px]">Holds every permission, across all organizations.</p>
        ) : (
          <dl className="space-y-2.5">
            {groupByResource(role.permissions, (code) => code).map((group) => (
              <div key={group.resource} className="grid grid-cols-[7.5rem_1fr] gap-3">
                <dt className="text-xs font-medium text-muted-foreground">{group.label}</dt>
                <dd className="flex flex-wrap gap-1">
                  {group.items.map((code) => (
                    <Badge key={code} tone="neutral" title={code}>
                      {PERMISSION_LABELS[code as Permission] ?? code}
                    </Badge>
                  ))}
                </dd>
              </div>
            ))}
          </dl>
        )}
      </div>
      {onEdit || onDelete ? (
        <div className="flex justify-end gap-2 rounded-b-lg border-t border-border bg-surface-muted px-5 py-2.5">
          {onDelete ? (
            <Button variant="ghost" size="sm" className="text-destructive hover:bg-destructive-soft" onClick={onDelete}>
              <Trash2 />
              Delete
            </Button>
          ) : null}
          {onEdit ? (
            <Button variant="secondary" size="sm" onClick={onEdit}>
              <Pencil />
              Edit
            </Button>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}
