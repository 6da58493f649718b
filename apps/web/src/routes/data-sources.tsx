import { createRoute } from '@tanstack/react-router';
import { Database } from 'lucide-react';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { UpcomingFeature } from '../features/studies/components/upcoming-feature.tsx';
import { appRoute } from './app.tsx';

export const dataSourcesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/data-sources',
  component: () => (
    <RequirePermission permission="data:view:assigned">
      <PageHeader
        title="Data Sources"
        description="Where each study’s clinical data comes from, and every version loaded."
      />
      <UpcomingFeature
        icon={Database}
        headline="Data loading arrives with the ingestion feature"
        explanation="Loading clinical data is not available in this version of CDP yet. When it is, each study will keep every load as an immutable, versioned dataset you can activate or roll back, with a full audit trail."
        capabilities={[
          'ZIP uploads of SAS (XPT, SAS7BDAT), CSV and Excel files',
          'Medidata Rave connector',
          'sFTP and watched folders',
          'CDISC ODM and Dataset-JSON',
        ]}
        perStudy="data loads and their versions"
      />
    </RequirePermission>
  ),
});
