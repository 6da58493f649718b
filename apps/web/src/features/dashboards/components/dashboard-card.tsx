import type { DashboardSummary } from '@cdp/contracts';
import { Link } from '@tanstack/react-router';
import { LayoutDashboard, MoreHorizontal, Pencil, Trash2 } from 'lucide-react';
import { Button } from '../../../components/ui/button.tsx';
import { Card } from '../../../components/ui/card.tsx';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '../../../components/ui/dropdown-menu.tsx';
import { formatDateTime, formatRelative, plural } from '../../../lib/format.ts';
import { EditDashboardLink } from './edit-dashboard-link.tsx';

interface DashboardCardProps {
  dashboard: DashboardSummary;
  canEdit: boolean;
  onDelete: (() => void) | null;
}

/** One dashboard in the study's list: its pages, how many widgets, who changed it last. */
export function DashboardCard({ dashboard, canEdit, onDelete }: DashboardCardProps) {
  const widgets = dashboard.pages.reduce((sum, page) => sum + page.widgets, 0);
  const params = { studyId: dashboard.studyId, dashboardId: dashboard.id };
  return (
    <Card
      className="group relative flex flex-col transition-shadow focus-within:shadow-overlay hover:border-border-strong hover:shadow-overlay"
      data-dashboard-id={dashboard.id}
    >
      <div className="flex items-start gap-3 px-5 pt-4">
        <div className="flex size-9 shrink-0 items-center justify-center rounded-md border border-teal-200 bg-primary-soft text-primary">
          <LayoutDashboard className="size-4" aria-hidden />
        </div>
        <div className="min-w-0 flex-1">
          <h2 className="truncate text-sm font-semibold tracking-tight">
            <Link
              to="/studies/$studyId/dashboards/$dashboardId"
              params={params}
              className="after:absolute after:inset-0 after:rounded-lg focus-visible:outline-none"
            >
              {dashboard.name}
            </Link>
          </h2>
          <p className="mt-0.5 line-clamp-2 text-[13px] text-muted-foreground">
            {dashboard.description ?? `${plural(dashboard.pages.length, 'page')} · ${plural(widgets, 'widget')}`}
          </p>
        </div>
        {canEdit || onDelete ? (
          <DropdownMenu>
            <DropdownMenuTrigger asChild>
              <Button
                variant="ghost"
                size="icon-sm"
                className="relative z-10 -mr-2 text-muted-foreground"
                aria-label={`${dashboard.name}: actions`}
              >
                <MoreHorizontal />
              </Button>
            </DropdownMenuTrigger>
            <DropdownMenuContent align="end">
              {canEdit ? (
                <DropdownMenuItem asChild>
                  <EditDashboardLink studyId={dashboard.studyId} dashboardId={dashboard.id}>
                    <Pencil />
                    Edit
                  </EditDashboardLink>
                </DropdownMenuItem>
              ) : null}
              {canEdit && onDelete ? <DropdownMenuSeparator /> : null}
              {onDelete ? (
                <DropdownMenuItem tone="danger" onSelect={onDelete}>
                  <Trash2 />
                  Delete…
                </DropdownMenuItem>
              ) : null}
            </DropdownMenuContent>
          </DropdownMenu>
        ) : null}
      </div>
      <ul className="flex flex-wrap gap-1.5 px-5 pt-3 pb-4" aria-label="Pages">
        {dashboard.pages.map((page) => (
          <li
            key={page.id}
            className="rounded-full border border-border bg-surface-muted px-2 py-0.5 text-xs text-muted-foreground"
          >
            {page.title}
            <span className="ml-1 text-subtle-foreground tabular-nums">{page.widgets}</span>
          </li>
        ))}
      </ul>
      <p className="mt-auto flex flex-wrap gap-x-1.5 border-t border-border px-5 py-2.5 text-xs text-muted-foreground">
        <span className="tabular-nums">
          {plural(dashboard.pages.length, 'page')} · {plural(widgets, 'widget')}
        </span>
        <span aria-hidden>·</span>
        <span title={formatDateTime(dashboard.updatedAt)}>
          Updated {formatRelative(dashboard.updatedAt)}
          {dashboard.updatedBy ? ` by ${dashboard.updatedBy.name}` : ''}
        </span>
      </p>
    </Card>
  );
}
