import { TabLinks } from '../../../components/ui/tabs.tsx';

export function UsersTabs() {
  return (
    <div className="mb-6">
      <TabLinks
        label="Users and roles"
        links={[
          { label: 'People', to: '/users' },
          { label: 'Roles', to: '/users/roles' },
        ]}
      />
    </div>
  );
}
