import { TabLinks } from '../../../components/ui/tabs.tsx';
import { useCan, useFeature } from '../../auth/hooks/use-me.ts';

/**
 * Settings' pages: everyone's profile; API keys for those who may create them (while the
 * organization's public API is on); webhooks for those who manage the organization. Only the tabs
 * a person can open are shown, and none at all when the profile is the only one.
 */
export function SettingsTabs() {
  const canManage = useCan('organization:manage:own');
  const canCreateKeys = useCan('api:create_key:own');
  const apiEnabled = useFeature('public_api');
  const links = [
    { label: 'Profile', to: '/settings' as const },
    ...(canCreateKeys && apiEnabled ? [{ label: 'API keys', to: '/settings/api-keys' as const }] : []),
    ...(canManage ? [{ label: 'Webhooks', to: '/settings/webhooks' as const }] : []),
  ];
  if (links.length === 1) return null;
  return (
    <div className="mb-6">
      <TabLinks label="Settings" links={links} />
    </div>
  );
}
