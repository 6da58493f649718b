import { TabLinks } from '../../../components/ui/tabs.tsx';
import { useCan } from '../../auth/hooks/use-me.ts';

/** Settings' pages: everyone's profile, and the organization's integrations for those who manage it. */
export function SettingsTabs() {
  const canManage = useCan('organization:manage:own');
  if (!canManage) return null;
  return (
    <div className="mb-6">
      <TabLinks
        label="Settings"
        links={[
          { label: 'Profile', to: '/settings' },
          { label: 'Webhooks', to: '/settings/webhooks' },
        ]}
      />
    </div>
  );
}
