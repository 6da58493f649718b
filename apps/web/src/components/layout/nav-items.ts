import { hasPermission, type MeResponse, type Permission } from '@cdp/contracts';
import type { LinkProps } from '@tanstack/react-router';
import {
  Building2,
  Database,
  FlaskConical,
  LayoutDashboard,
  type LucideIcon,
  ScrollText,
  Settings,
  ShieldAlert,
  ShieldCheck,
  Users,
  Workflow,
} from 'lucide-react';

export interface NavItem {
  label: string;
  to: LinkProps['to'];
  icon: LucideIcon;
  /** Needed to see the item; absent means everyone signed in. */
  permission?: Permission;
  exact?: boolean;
}

export const MAIN_NAV: NavItem[] = [
  { label: 'Overview', to: '/', icon: LayoutDashboard, exact: true },
  { label: 'Studies', to: '/studies', icon: FlaskConical, permission: 'study:view:assigned' },
  { label: 'Data Sources', to: '/data-sources', icon: Database, permission: 'data:view:assigned' },
  { label: 'Pipelines', to: '/pipelines', icon: Workflow, permission: 'pipeline:view:assigned' },
  { label: 'Users', to: '/users', icon: Users, permission: 'user:view:own' },
  { label: 'Activity', to: '/activity', icon: ScrollText, permission: 'audit:view:own', exact: true },
  { label: 'PHI access', to: '/activity/phi-access', icon: ShieldCheck, permission: 'audit:view:own' },
  { label: 'Security', to: '/security', icon: ShieldAlert, permission: 'organization:manage:own' },
  { label: 'Settings', to: '/settings', icon: Settings },
];

export const PLATFORM_NAV: NavItem[] = [
  { label: 'Organizations', to: '/platform/organizations', icon: Building2, permission: 'tenant:view:all' },
];

export function visibleItems(items: NavItem[], me: MeResponse): NavItem[] {
  return items.filter((item) => !item.permission || hasPermission(me.grants, item.permission));
}

export function showsPlatform(me: MeResponse): boolean {
  return me.organization.kind === 'platform' && hasPermission(me.grants, 'tenant:view:all');
}
