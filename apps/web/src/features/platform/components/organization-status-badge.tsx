import type { Organization } from '@cdp/contracts';
import { Badge } from '../../../components/ui/badge.tsx';

export function OrganizationStatusBadge({ org }: { org: Organization }) {
  return org.status === 'active' ? <Badge tone="success">Active</Badge> : <Badge tone="muted">Deactivated</Badge>;
}
