import type { Dashboard } from '@cdp/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { toast } from '../../../../components/ui/toaster.tsx';
import { errorMessage, isApiError } from '../../../../lib/api-error.ts';
import { dashboardKeys, dashboardQuery } from '../../api/dashboards-api.ts';
import { builderKeys, saveDashboard } from '../api/builder-api.ts';
import { type SaveProblem, saveProblem } from '../lib/save-problem.ts';
import type { Snapshot, useEditHistory } from './use-edit-history.ts';

const snapshotOf = (dashboard: Dashboard): Snapshot => ({ name: dashboard.name, document: dashboard.document });

/**
 * Saving with optimistic concurrency: a save names the version the edits were made on, and a 409
 * (someone saved since) becomes `conflict` instead of an overwrite. Also what a reload or a restored
 * version does to the builder: the history starts again from the loaded dashboard.
 */
export function useDashboardSave({
  studyId,
  dashboard,
  history,
  onLoaded,
}: {
  studyId: string;
  dashboard: Dashboard;
  history: ReturnType<typeof useEditHistory>;
  onLoaded: () => void;
}) {
  const queryClient = useQueryClient();
  const detailKey = dashboardKeys.detail(studyId, dashboard.id);
  const [base, setBase] = useState(() => ({
    version: dashboard.version,
    saved: JSON.stringify(snapshotOf(dashboard)),
  }));
  const [conflict, setConflict] = useState<number | null>(null);
  const [reloading, setReloading] = useState(false);
  const presentJson = useMemo(() => JSON.stringify(history.present), [history.present]);
  const dirty = presentJson !== base.saved;
  // The stored dashboard, refetched when the window regains focus: a newer version means someone else saved.
  const stored = useQuery(dashboardQuery(studyId, dashboard.id)).data;
  const newerVersion = stored && stored.version > base.version ? stored : null;

  const { reset } = history;
  const load = useCallback(
    (loaded: Dashboard) => {
      reset(snapshotOf(loaded));
      setBase({ version: loaded.version, saved: JSON.stringify(snapshotOf(loaded)) });
      onLoaded();
    },
    [reset, onLoaded],
  );

  const mutation = useMutation({
    mutationFn: ({ snapshot, comment }: { snapshot: Snapshot; comment?: string }) =>
      saveDashboard(studyId, dashboard.id, {
        version: base.version,
        name: snapshot.name.trim(),
        document: snapshot.document,
        ...(comment ? { comment } : {}),
      }),
    onSuccess: (saved, { snapshot }) => {
      // What was sent is what is saved, even if editing went on while the request was out.
      setBase({ version: saved.version, saved: JSON.stringify(snapshot) });
      queryClient.setQueryData(detailKey, saved);
      void queryClient.invalidateQueries({ queryKey: dashboardKeys.list(studyId) });
      void queryClient.invalidateQueries({ queryKey: builderKeys.versions(studyId, dashboard.id) });
      toast.success(`Saved as version ${saved.version}`);
    },
    onError: (error) => {
      if (isApiError(error, 'CONFLICT')) {
        const current = (error.details as { currentVersion?: unknown } | undefined)?.currentVersion;
        setConflict(typeof current === 'number' ? current : base.version + 1);
        // Refetched, so after "Keep editing" the banner still offers the newer version.
        void queryClient.invalidateQueries({ queryKey: detailKey });
        return;
      }
      toast.error('The dashboard was not saved', { description: errorMessage(error) });
    },
  });

  /** Sends the present state; a problem found before sending is returned (and nothing sent). */
  const save = (comment?: string): SaveProblem | null => {
    if (!dirty || mutation.isPending) return null;
    const problem = saveProblem(history.present);
    if (problem) {
      toast.error('The dashboard was not saved', { description: problem.message });
      return problem;
    }
    mutation.mutate({ snapshot: history.present, comment });
    return null;
  };

  const reload = async () => {
    setReloading(true);
    try {
      load(await queryClient.fetchQuery({ ...dashboardQuery(studyId, dashboard.id), staleTime: 0 }));
      setConflict(null);
    } catch (error) {
      toast.error('Could not reload the dashboard', { description: errorMessage(error) });
    } finally {
      setReloading(false);
    }
  };

  return {
    version: base.version,
    dirty,
    saving: mutation.isPending,
    save,
    newerVersion,
    conflict,
    keepEditing: () => setConflict(null),
    reloading,
    reload,
    load,
  };
}
