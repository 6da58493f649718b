import type { WebhookEndpoint } from '@cdp/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createRoute } from '@tanstack/react-router';
import { Plus, Webhook } from 'lucide-react';
import { useState } from 'react';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { Button } from '../components/ui/button.tsx';
import { Card } from '../components/ui/card.tsx';
import { ConfirmDialog } from '../components/ui/confirm-dialog.tsx';
import { EmptyState } from '../components/ui/empty-state.tsx';
import { ErrorState } from '../components/ui/error-state.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { Select } from '../components/ui/select.tsx';
import { Skeleton } from '../components/ui/skeleton.tsx';
import { toast } from '../components/ui/toaster.tsx';
import { SettingsTabs } from '../features/settings/components/settings-tabs.tsx';
import {
  deleteWebhook,
  rotateWebhookSecret,
  sendWebhookTest,
  updateWebhook,
  webhookKeys,
  webhooksQuery,
} from '../features/webhooks/api/webhooks-api.ts';
import { DeliveriesSheet } from '../features/webhooks/components/deliveries-sheet.tsx';
import { EndpointCard } from '../features/webhooks/components/endpoint-card.tsx';
import { EndpointFormDialog } from '../features/webhooks/components/endpoint-form-dialog.tsx';
import { SecretDialog } from '../features/webhooks/components/secret-dialog.tsx';
import { errorMessage } from '../lib/api-error.ts';
import { appRoute } from './app.tsx';

export const settingsWebhooksRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/webhooks',
  component: () => (
    <RequirePermission permission="organization:manage:own">
      <WebhooksPage />
    </RequirePermission>
  ),
});

const OVERLAPS = [
  { hours: 0, label: 'No overlap: the old secret stops now' },
  { hours: 1, label: '1 hour' },
  { hours: 24, label: '24 hours' },
  { hours: 72, label: '3 days' },
  { hours: 168, label: '7 days' },
];

function WebhooksPage() {
  const query = useQuery(webhooksQuery);
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<WebhookEndpoint | 'new' | null>(null);
  const [rotating, setRotating] = useState<WebhookEndpoint | null>(null);
  const [overlap, setOverlap] = useState(24);
  const [deleting, setDeleting] = useState<WebhookEndpoint | null>(null);
  const [viewing, setViewing] = useState<WebhookEndpoint | null>(null);
  const [secret, setSecret] = useState<{ url: string; secret: string; overlapUntil?: string | null } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: webhookKeys.all });

  const toggle = useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) => updateWebhook(id, { enabled }),
    onSuccess: async ({ data }) => {
      await refresh();
      toast.success(data.enabled ? 'Endpoint enabled' : 'Endpoint disabled');
    },
    onError: (error) => toast.error(errorMessage(error)),
  });
  const test = useMutation({
    mutationFn: (endpoint: WebhookEndpoint) => sendWebhookTest(endpoint.id),
    onSuccess: async (_result, endpoint) => {
      await queryClient.invalidateQueries({ queryKey: ['webhooks', endpoint.id] });
      await refresh();
      toast.success('Test event queued', { description: 'Its answer appears under Deliveries in a moment.' });
    },
    onError: (error) => toast.error(errorMessage(error)),
  });

  const add = (
    <Button onClick={() => setEditing('new')}>
      <Plus />
      Add endpoint
    </Button>
  );
  return (
    <>
      <PageHeader
        title="Settings"
        description="Your profile and password, and your organization’s settings."
        actions={query.data && query.data.data.length > 0 ? add : null}
      />
      <SettingsTabs />
      <p className="mb-5 max-w-3xl text-[13px] text-muted-foreground">
        Webhooks tell your own systems when something happens in CDP. Each event is a signed POST (Standard Webhooks
        headers); a failed delivery is retried for about a day, after which the endpoint is disabled and marked here.
      </p>
      {query.isPending ? (
        <div className="space-y-4" role="status" aria-label="Loading webhooks">
          {[0, 1].map((i) => (
            <Skeleton key={i} className="h-40 rounded-lg" />
          ))}
        </div>
      ) : query.isError ? (
        <Card>
          <ErrorState error={query.error} what="webhooks" onRetry={() => query.refetch()} retrying={query.isFetching} />
        </Card>
      ) : query.data.data.length === 0 ? (
        <Card>
          <EmptyState
            icon={Webhook}
            title="No webhook endpoints"
            description="Add an HTTPS endpoint to be told when data versions are loaded or activated."
            action={add}
          />
        </Card>
      ) : (
        <div className="space-y-4">
          {query.data.data.map((endpoint) => (
            <EndpointCard
              key={endpoint.id}
              endpoint={endpoint}
              onDeliveries={() => setViewing(endpoint)}
              onSendTest={() => test.mutate(endpoint)}
              onEdit={() => setEditing(endpoint)}
              onRotate={() => {
                setOverlap(24);
                setRotating(endpoint);
              }}
              onDelete={() => setDeleting(endpoint)}
              onToggle={(enabled) => toggle.mutate({ id: endpoint.id, enabled })}
              toggling={toggle.isPending && toggle.variables?.id === endpoint.id}
            />
          ))}
        </div>
      )}
      <EndpointFormDialog
        endpoint={editing === 'new' || editing === null ? undefined : editing}
        open={editing !== null}
        onOpenChange={(open) => !open && setEditing(null)}
        onCreated={(url, value) => setSecret({ url, secret: value })}
      />
      <SecretDialog shown={secret} onClose={() => setSecret(null)} />
      <DeliveriesSheet
        endpoint={viewing}
        onOpenChange={(open) => {
          if (open) return;
          setViewing(null);
          // What happened while the log was open shows in the endpoint's counts.
          void refresh();
        }}
        onSendTest={(endpoint) => test.mutate(endpoint)}
      />
      <ConfirmDialog
        open={rotating !== null}
        onOpenChange={(open) => !open && setRotating(null)}
        title="Rotate signing secret"
        description={
          <span className="block space-y-3">
            <span className="block">
              A new secret signs every delivery from now on. During the overlap the old one signs too (two signatures in{' '}
              <code className="font-mono">webhook-signature</code>), so your receiver can switch without missing one.
            </span>
            <span className="block space-y-1">
              <label htmlFor="rotate-overlap" className="block text-[13px] font-medium text-foreground">
                Overlap
              </label>
              <Select
                id="rotate-overlap"
                value={String(overlap)}
                onChange={(event) => setOverlap(Number(event.target.value))}
              >
                {OVERLAPS.map((o) => (
                  <option key={o.hours} value={o.hours}>
                    {o.label}
                  </option>
                ))}
              </Select>
            </span>
          </span>
        }
        confirmLabel="Rotate secret"
        onConfirm={async () => {
          if (!rotating) return;
          const rotated = await rotateWebhookSecret(rotating.id, overlap);
          await refresh();
          setSecret({
            url: rotated.data.url,
            secret: rotated.secret,
            overlapUntil: rotated.data.previousSecretExpiresAt,
          });
        }}
      />
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title="Delete endpoint"
        description={`Nothing more is sent to ${deleting?.url ?? 'it'}, and deliveries on their way are cancelled. Its delivery log stays in the audit record.`}
        confirmLabel="Delete endpoint"
        tone="destructive"
        onConfirm={async () => {
          if (!deleting) return;
          await deleteWebhook(deleting.id);
          await refresh();
          toast.success('Endpoint deleted');
        }}
      />
    </>
  );
}
