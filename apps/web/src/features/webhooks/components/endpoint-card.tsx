import type { WebhookEndpoint } from '@cdp/contracts';
import { History, KeyRound, MoreHorizontal, Pencil, Send, Trash2 } from 'lucide-react';
import { Alert } from '../../../components/ui/alert.tsx';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Card } from '../../../components/ui/card.tsx';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from '../../../components/ui/dropdown-menu.tsx';
import { Switch } from '../../../components/ui/switch.tsx';
import { formatDateTime } from '../../../lib/format.ts';

interface EndpointCardProps {
  endpoint: WebhookEndpoint;
  onDeliveries: () => void;
  onSendTest: () => void;
  onEdit: () => void;
  onRotate: () => void;
  onDelete: () => void;
  onToggle: (enabled: boolean) => void;
  toggling: boolean;
}

export function EndpointCard(props: EndpointCardProps) {
  const { endpoint } = props;
  const switchId = `enabled-${endpoint.id}`;
  return (
    <Card className="p-5">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 flex-1 space-y-1">
          <p className="break-all font-mono text-[13px] font-medium">{endpoint.url}</p>
          {endpoint.description ? <p className="text-[13px] text-muted-foreground">{endpoint.description}</p> : null}
        </div>
        <div className="flex items-center gap-2">
          <label htmlFor={switchId} className="text-[13px] text-muted-foreground">
            {endpoint.enabled ? 'Enabled' : 'Disabled'}
          </label>
          <Switch id={switchId} checked={endpoint.enabled} disabled={props.toggling} onCheckedChange={props.onToggle} />
          <DropdownMenu>
            <DropdownMenuTrigger asChild>
              <Button variant="ghost" size="icon-sm" aria-label={`More actions for ${endpoint.url}`}>
                <MoreHorizontal />
              </Button>
            </DropdownMenuTrigger>
            <DropdownMenuContent align="end">
              <DropdownMenuItem onSelect={props.onEdit}>
                <Pencil />
                Edit
              </DropdownMenuItem>
              <DropdownMenuItem onSelect={props.onRotate}>
                <KeyRound />
                Rotate secret
              </DropdownMenuItem>
              <DropdownMenuItem onSelect={props.onDelete} className="text-destructive">
                <Trash2 />
                Delete
              </DropdownMenuItem>
            </DropdownMenuContent>
          </DropdownMenu>
        </div>
      </div>
      {endpoint.disabledReason ? (
        <Alert tone="warning" title="Disabled by CDP" className="mt-4">
          {endpoint.disabledReason}
        </Alert>
      ) : null}
      <div className="mt-4 flex flex-wrap gap-1.5">
        {endpoint.events.map((event) => (
          <Badge key={event} tone="accent" className="font-mono">
            {event}
          </Badge>
        ))}
      </div>
      <div className="mt-4 flex flex-wrap items-center justify-between gap-3 border-t border-border pt-4">
        <p className="text-[13px] text-muted-foreground">
          Last 24 h: <span className="text-foreground">{endpoint.recent.succeeded} delivered</span>
          {' · '}
          <span className={endpoint.recent.failed > 0 ? 'text-destructive' : undefined}>
            {endpoint.recent.failed} failed
          </span>
          {' · '}
          {endpoint.recent.pending} pending
          {endpoint.previousSecretExpiresAt
            ? ` · previous secret signs until ${formatDateTime(endpoint.previousSecretExpiresAt)}`
            : ''}
        </p>
        <div className="flex gap-2">
          <Button variant="secondary" size="sm" onClick={props.onSendTest}>
            <Send />
            Send test
          </Button>
          <Button variant="secondary" size="sm" onClick={props.onDeliveries}>
            <History />
            Deliveries
          </Button>
        </div>
      </div>
    </Card>
  );
}
