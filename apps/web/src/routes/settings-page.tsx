import { Link } from '@tanstack/react-router';
import { KeyRound } from 'lucide-react';
import { Avatar } from '../components/ui/avatar.tsx';
import { Badge } from '../components/ui/badge.tsx';
import { Button } from '../components/ui/button.tsx';
import { Card, CardBody, CardHeader } from '../components/ui/card.tsx';
import { DescriptionList } from '../components/ui/description-list.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { toast } from '../components/ui/toaster.tsx';
import { ChangePasswordForm } from '../features/auth/components/change-password-form.tsx';
import { TwoFactorCard } from '../features/auth/components/two-factor-card.tsx';
import { useCan, useFeature, useMe } from '../features/auth/hooks/use-me.ts';
import { OrganizationCard } from '../features/organization/components/organization-card.tsx';
import { SettingsTabs } from '../features/settings/components/settings-tabs.tsx';
import { ComplianceCard } from '../features/signatures/components/compliance-card.tsx';
import { useStudyCodes } from '../features/studies/hooks/use-study-codes.ts';
import { formatDate } from '../lib/format.ts';

/** The settings page: a chunk of its own, loaded when the page is opened. */
export function SettingsPage() {
  const me = useMe();
  const codes = useStudyCodes();
  const canViewOrganization = useCan('organization:view:own');
  const canManageOrganization = useCan('organization:manage:own');
  const canCreateKeys = useCan('api:create_key:own');
  const apiEnabled = useFeature('public_api');
  const canUseApiKeys = canCreateKeys && apiEnabled;
  return (
    <>
      <PageHeader title="Settings" description="Your profile and password, and your organization’s settings." />
      <SettingsTabs />
      <div className="grid items-start gap-6 lg:grid-cols-2">
        <div className="space-y-6">
          <Card>
            <CardHeader title="Profile" description="Your name and e-mail are managed by your administrator." />
            <CardBody className="space-y-5">
              <div className="flex items-center gap-3">
                <Avatar name={me.user.name} size="lg" />
                <div className="min-w-0">
                  <p className="truncate font-semibold">{me.user.name}</p>
                  <p className="truncate text-[13px] text-muted-foreground">{me.user.email}</p>
                </div>
              </div>
              <DescriptionList
                className="sm:grid-cols-1"
                items={[
                  ['Organization', me.organization.name],
                  [
                    'Roles',
                    <span key="roles" className="flex flex-wrap gap-1">
                      {me.grants.length === 0 ? 'None' : null}
                      {me.grants.map((grant) => (
                        <Badge key={`${grant.roleKey}-${grant.studyId ?? 'org'}`} tone="accent">
                          {grant.roleName}
                          {grant.studyId ? ` · ${codes.get(grant.studyId) ?? 'one study'}` : ' · whole organization'}
                          {grant.expiresAt ? ` · until ${formatDate(grant.expiresAt)}` : ''}
                        </Badge>
                      ))}
                    </span>,
                  ],
                  ['Session', `Signs out after ${me.sessionIdleMinutes} minutes of inactivity`],
                ]}
              />
            </CardBody>
          </Card>
          <Card id="password">
            <CardHeader title="Change password" description="Changing your password signs out your other sessions." />
            <CardBody>
              <ChangePasswordForm email={me.user.email} onChanged={() => void toast.success('Password changed')} />
            </CardBody>
          </Card>
          <TwoFactorCard />
        </div>
        {canViewOrganization || canUseApiKeys ? (
          <div className="space-y-6">
            {canViewOrganization ? <OrganizationCard /> : null}
            {canManageOrganization ? <ComplianceCard /> : null}
            {canUseApiKeys ? (
              <Card>
                <CardHeader
                  title="API keys"
                  description="Keys for other systems to call the API within scopes you choose."
                />
                <CardBody>
                  <Button asChild variant="secondary">
                    <Link to="/settings/api-keys">
                      <KeyRound />
                      Manage API keys
                    </Link>
                  </Button>
                </CardBody>
              </Card>
            ) : null}
          </div>
        ) : null}
      </div>
    </>
  );
}
