import type { WebhookDelivery, WebhookEndpoint } from '@cdp/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { RotateCw, Send } from 'lucide-react';
import { useState } from 'react';
import { Badge, type BadgeTone } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Disclosure } from '../../../components/ui/disclosure.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { Pagination } from '../../../components/ui/pagination.tsx';
import { Sheet, SheetContent } from '../../../components/ui/sheet.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { formatDateTime, formatRelative } from '../../../lib/format.ts';
import { deliveriesQuery, redeliver, webhookKeys } from '../api/webhooks-api.ts';

const STATUS_TONE: Record<WebhookDelivery['status'], BadgeTone> = {
  succeeded: 'success',
  failed: 'danger',
  pending: 'warning',
  cancelled: 'muted',
};

function statusText(delivery: WebhookDelivery): string {
  if (delivery.status === 'pending' && delivery.nextAttemptAt) {
    return `retrying ${formatRelative(delivery.nextAttemptAt).replace(/ ago$/, '')}`;
  }
  return delivery.status;
}

function DeliveryItem({ endpoint, delivery }: { endpoint: WebhookEndpoint; delivery: WebhookDelivery }) {
  const queryClient = useQueryClient();
  const again = useMutation({
    mutationFn: () => redeliver(endpoint.id, delivery.id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['webhooks', endpoint.id] });
      toast.success('Queued for delivery again');
    },
    onError: (error) => toast.error(errorMessage(error)),
  });
  const canRedeliver = endpoint.enabled || delivery.eventType === 'webhook.test';
  return (
    <li>
      <Disclosure
        title={
          <span className="flex min-w-0 flex-wrap items-center gap-2">
            <Badge tone={STATUS_TONE[delivery.status]}>{statusText(delivery)}</Badge>
            <span className="font-mono text-[13px]">{delivery.eventType}</span>
            {delivery.lastStatusCode !== null ? (
              <span className="text-[13px] text-muted-foreground">HTTP {delivery.lastStatusCode}</span>
            ) : null}
            {delivery.redeliveryOf ? <Badge tone="info">redelivery</Badge> : null}
          </span>
        }
        hint={`${formatDateTime(delivery.createdAt, true)} · ${delivery.attempts} ${delivery.attempts === 1 ? 'attempt' : 'attempts'}`}
      >
        <div className="space-y-3 text-[13px]">
          {delivery.log.length === 0 ? (
            <p className="text-muted-foreground">Not tried yet: waiting for a worker.</p>
          ) : (
            <ol className="space-y-2">
              {delivery.log.map((attempt) => (
                <li key={attempt.number} className="rounded-md bg-surface-sunken p-2.5">
                  <p className="flex flex-wrap gap-x-3 gap-y-1">
                    <span className="font-medium">Attempt {attempt.number}</span>
                    <span>{formatDateTime(attempt.startedAt, true)}</span>
                    <Badge tone={attempt.ok ? 'success' : 'danger'}>
                      {attempt.statusCode !== null ? `HTTP ${attempt.statusCode}` : 'no answer'}
                    </Badge>
                    <span className="text-muted-foreground">{attempt.latencyMs} ms</span>
                  </p>
                  {attempt.error ? <p className="mt-1 text-destructive">{attempt.error}</p> : null}
                  {attempt.responseExcerpt ? (
                    <pre className="mt-1.5 max-h-32 overflow-auto whitespace-pre-wrap break-all rounded border border-border bg-surface p-2 font-mono text-xs">
                      {attempt.responseExcerpt}
                    </pre>
                  ) : null}
                </li>
              ))}
            </ol>
          )}
          <div>
            <p className="mb-1 font-medium">Payload</p>
            <pre className="max-h-56 overflow-auto whitespace-pre-wrap break-all rounded border border-border bg-surface-sunken p-2 font-mono text-xs">
              {JSON.stringify(delivery.payload, null, 2)}
            </pre>
          </div>
          <Button
            variant="secondary"
            size="sm"
            onClick={() => again.mutate()}
            disabled={!canRedeliver || again.isPending}
            title={canRedeliver ? undefined : 'Enable the endpoint first'}
          >
            <RotateCw />
            Redeliver
          </Button>
        </div>
      </Disclosure>
    </li>
  );
}

/** An endpoint's deliveries, newest first: each with its attempts, their answers and the payload. */
export function DeliveriesSheet({
  endpoint,
  onOpenChange,
  onSendTest,
}: {
  endpoint: WebhookEndpoint | null;
  onOpenChange: (open: boolean) => void;
  onSendTest: (endpoint: WebhookEndpoint) => void;
}) {
  const [page, setPage] = useState(1);
  const query = useQuery({ ...deliveriesQuery(endpoint?.id ?? '', page), enabled: endpoint !== null });
  const queryClient = useQueryClient();
  return (
    <Sheet
      open={endpoint !== null}
      onOpenChange={(open) => {
        if (!open) setPage(1);
        onOpenChange(open);
      }}
    >
      {endpoint ? (
        <SheetContent
          title="Deliveries"
          description={<span className="font-mono break-all">{endpoint.url}</span>}
          actions={
            <Button
              size="sm"
              variant="secondary"
              onClick={async () => {
                onSendTest(endpoint);
                await queryClient.invalidateQueries({ queryKey: webhookKeys.deliveries(endpoint.id, 1) });
              }}
            >
              <Send />
              Send test
            </Button>
          }
        >
          <div className="flex-1 overflow-y-auto px-6 py-4">
            {query.isPending ? (
              <div className="space-y-2" role="status" aria-label="Loading deliveries">
                {[0, 1, 2].map((i) => (
                  <Skeleton key={i} className="h-14" />
                ))}
              </div>
            ) : query.isError ? (
              <ErrorState error={query.error} what="deliveries" onRetry={() => query.refetch()} />
            ) : query.data.data.length === 0 ? (
              <EmptyState
                icon={Send}
                title="Nothing sent yet"
                description="Deliveries appear here when a subscribed event happens, or when you send a test."
              />
            ) : (
              <ul className="space-y-2">
                {query.data.data.map((delivery) => (
                  <DeliveryItem key={delivery.id} endpoint={endpoint} delivery={delivery} />
                ))}
              </ul>
            )}
          </div>
          {query.data && query.data.page.total > query.data.page.size ? (
            <Pagination
              page={page}
              pageSize={query.data.page.size}
              total={query.data.page.total}
              onPageChange={setPage}
              noun="deliveries"
            />
          ) : null}
        </SheetContent>
      ) : null}
    </Sheet>
  );
}
