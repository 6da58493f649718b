import { Link } from '@tanstack/react-router';
import type { ComponentProps } from 'react';

interface EditDashboardLinkProps extends Omit<ComponentProps<'a'>, 'href'> {
  studyId: string;
  dashboardId: string;
  /** Open the builder on this page (the one being looked at). */
  page?: string;
}

/** A link to the dashboard builder. */
export function EditDashboardLink({ studyId, dashboardId, page, ...props }: EditDashboardLinkProps) {
  return (
    <Link
      to="/studies/$studyId/dashboards/$dashboardId/edit"
      params={{ studyId, dashboardId }}
      search={page ? { page } : {}}
      {...props}
    />
  );
}
