import { FlaskConical, Plus } from 'lucide-react';
import { Button } from '../../../components/ui/button.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';

interface NoStudiesStateProps {
  /** Offer to create one (when the user may); otherwise say who grants access. */
  onCreate: (() => void) | null;
}

/** What a user with no studies sees, on the overview and on the studies list. */
export function NoStudiesState({ onCreate }: NoStudiesStateProps) {
  return (
    <EmptyState
      icon={FlaskConical}
      title="No studies yet"
      description={
        onCreate
          ? 'Create your organization’s first study to start loading data and building dashboards.'
          : 'You have not been given access to a study yet. Ask your organization administrator to assign you one.'
      }
      action={
        onCreate ? (
          <Button onClick={onCreate}>
            <Plus />
            New study
          </Button>
        ) : null
      }
    />
  );
}
