import type { DashboardPage } from '@cdp/contracts';
import { LayoutDashboard } from 'lucide-react';
import { EmptyState } from '../../../../components/ui/empty-state.tsx';
import { DashboardGrid } from '../../components/dashboard-grid.tsx';
import { BuilderWidget } from './builder-widget.tsx';

const noop = () => undefined;

/** The page as the dashboard will show it (the view's own grid), drawn from the unsaved edits. */
export function PreviewPage({ studyId, page }: { studyId: string; page: DashboardPage }) {
  if (page.layout.length === 0) {
    return (
      <EmptyState
        icon={LayoutDashboard}
        title="This page has no widgets yet"
        description="Leave the preview to add some."
        className="rounded-xl border border-dashed border-border-strong bg-surface py-20"
      />
    );
  }
  return (
    <DashboardGrid layout={page.layout}>
      {(item) => {
        const widget = page.widgets[item.i];
        return widget ? (
          <BuilderWidget
            studyId={studyId}
            widgetId={item.i}
            widget={widget}
            selected={false}
            preview
            waiting={false}
            onSelect={noop}
            onDuplicate={noop}
            onRemove={noop}
          />
        ) : null;
      }}
    </DashboardGrid>
  );
}
