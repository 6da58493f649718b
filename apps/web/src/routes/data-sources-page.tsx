import { RequirePermission } from '../components/layout/no-access.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { DataSourcesOverview } from '../features/data/components/data-sources-overview.tsx';

/** Every study's data sources: a chunk of its own, loaded when the page is opened. */
export function DataSourcesPage() {
  return (
    <RequirePermission permission="data:view:assigned">
      <PageHeader
        title="Data Sources"
        description="Where each study’s clinical data comes from, and every version loaded."
      />
      <DataSourcesOverview />
    </RequirePermission>
  );
}
