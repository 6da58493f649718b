import type { ApiKey } from '@cdp/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createRoute } from '@tanstack/react-router';
import { KeyRound, Plus } from 'lucide-react';
import { useState } from 'react';
import { FeatureOff } from '../components/layout/feature-off.tsx';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { Button } from '../components/ui/button.tsx';
import { Card } from '../components/ui/card.tsx';
import { EmptyState } from '../components/ui/empty-state.tsx';
import { ErrorState } from '../components/ui/error-state.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { ReasonDialog } from '../components/ui/reason-dialog.tsx';
import { Skeleton } from '../components/ui/skeleton.tsx';
import { toast } from '../components/ui/toaster.tsx';
import { apiKeyKeys, apiKeysQuery, revokeApiKey } from '../features/api-keys/api/api-keys-api.ts';
import { ApiKeysTable } from '../features/api-keys/components/api-keys-table.tsx';
import { CreateApiKeyDialog } from '../features/api-keys/components/create-api-key-dialog.tsx';
import { useFeature } from '../features/auth/hooks/use-me.ts';
import { SettingsTabs } from '../features/settings/components/settings-tabs.tsx';
import { useStudyCodes } from '../features/studies/hooks/use-study-codes.ts';
import { appRoute } from './app.tsx';

export const apiKeysRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/api-keys',
  component: () => (
    <RequirePermission permission="api:create_key:own">
      <ApiKeysPage />
    </RequirePermission>
  ),
});

function ApiKeysPage() {
  const enabled = useFeature('public_api');
  if (!enabled) return <FeatureOff flag="public_api" />;
  return <ApiKeys />;
}

function ApiKeys() {
  const query = useQuery(apiKeysQuery);
  const queryClient = useQueryClient();
  const codes = useStudyCodes();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const keys = query.data?.data ?? [];

  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys let other systems (data warehouses, CTMS, SAS jobs) call the API for you, within the scopes, studies and limits you give them. Each key does at most what you can do."
        actions={
          <Button onClick={() => setCreating(true)}>
            <Plus />
            New API key
          </Button>
        }
      />
      <SettingsTabs />
      {query.isPending ? (
        <Skeleton className="h-48 rounded-lg" />
      ) : query.isError ? (
        <Card>
          <ErrorState error={query.error} what="API keys" onRetry={() => query.refetch()} retrying={query.isFetching} />
        </Card>
      ) : keys.length === 0 ? (
        <Card>
          <EmptyState
            icon={KeyRound}
            title="No API keys yet"
            description="Create one for each system that calls the API, so each can be revoked on its own."
          />
        </Card>
      ) : (
        <Card className="overflow-x-auto">
          <ApiKeysTable keys={keys} studyCodes={codes} onRevoke={setRevoking} />
        </Card>
      )}
      <CreateApiKeyDialog open={creating} onOpenChange={setCreating} />
      <ReasonDialog
        open={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title={`Revoke ${revoking?.name ?? 'key'}?`}
        description="Its next request is refused with 401. This cannot be undone."
        confirmLabel="Revoke key"
        tone="destructive"
        onConfirm={async (reason) => {
          if (!revoking) return;
          await revokeApiKey(revoking.id, reason);
          await queryClient.invalidateQueries({ queryKey: apiKeyKeys.all });
          toast.success(`${revoking.name} revoked`);
        }}
      />
    </>
  );
}
