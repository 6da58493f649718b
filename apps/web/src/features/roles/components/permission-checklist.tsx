import { Checkbox } from '../../../components/ui/checkbox.tsx';
import type { PermissionInfo } from '../api/roles-api.ts';
import { groupByResource } from './permission-groups.ts';

interface PermissionChecklistProps {
  permissions: PermissionInfo[];
  value: string[];
  onChange: (next: string[]) => void;
  invalid?: boolean;
  describedBy?: string;
}

/** Checkboxes grouped by resource, each group with a select-all box. */
export function PermissionChecklist({ permissions, value, onChange, invalid, describedBy }: PermissionChecklistProps) {
  const selected = new Set(value);
  const toggle = (codes: string[], on: boolean) => {
    const next = new Set(selected);
    for (const code of codes) {
      if (on) next.add(code);
      else next.delete(code);
    }
    onChange(permissions.map((p) => p.code).filter((code) => next.has(code)));
  };
  return (
    <fieldset className="grid gap-3 sm:grid-cols-2" aria-invalid={invalid || undefined} aria-describedby={describedBy}>
      <legend className="sr-only">Permissions</legend>
      {groupByResource(permissions, (p) => p.code).map((group) => {
        const codes = group.items.map((p) => p.code);
        const count = codes.filter((c) => selected.has(c)).length;
        const state = count === 0 ? false : count === codes.length ? true : 'indeterminate';
        const groupId = `perm-group-${group.resource}`;
        return (
          <fieldset key={group.resource} className="rounded-md border border-border p-3">
            <legend className="sr-only">{group.label}</legend>
            <div className="mb-2 flex items-center gap-2 border-b border-border pb-2">
              <Checkbox
                id={groupId}
                checked={state}
                onCheckedChange={(checked) => toggle(codes, checked === true)}
                aria-label={`All ${group.label.toLowerCase()} permissions`}
              />
              <label htmlFor={groupId} className="text-[13px] font-semibold">
                {group.label}
              </label>
              <span className="ml-auto text-xs text-muted-foreground">
                {count}/{codes.length}
              </span>
            </div>
            <ul className="space-y-1.5">
              {group.items.map((permission) => {
                const id = `perm-${permission.code.replaceAll(':', '-')}`;
                return (
                  <li key={permission.code} className="flex items-start gap-2">
                    <Checkbox
                      id={id}
                      className="mt-0.5"
                      checked={selected.has(permission.code)}
                      onCheckedChange={(checked) => toggle([permission.code], checked === true)}
                    />
                    <label htmlFor={id} className="text-[13px] leading-snug">
                      {permission.label}
                      <span className="block font-mono text-[11px] text-subtle-foreground">{permission.code}</span>
                    </label>
                  </li>
                );
              })}
            </ul>
          </fieldset>
        );
      })}
    </fieldset>
  );
}
