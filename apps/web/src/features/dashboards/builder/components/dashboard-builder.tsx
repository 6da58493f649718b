import type { Dashboard, DatasetSummary, Study, WidgetData, WidgetTypeInfo } from '@cdp/contracts';
import { useCallback, useMemo, useRef, useState } from 'react';
import type { Layout } from 'react-grid-layout';
import { LeaveGuard } from '../../../../components/editing/leave-guard.tsx';
import { Alert } from '../../../../components/ui/alert.tsx';
import { Button } from '../../../../components/ui/button.tsx';
import { toast } from '../../../../components/ui/toaster.tsx';
import { cn } from '../../../../lib/cn.ts';
import { useBuilderShortcuts } from '../hooks/use-builder-shortcuts.ts';
import { useDashboardSave } from '../hooks/use-dashboard-save.ts';
import { type Snapshot, useEditHistory } from '../hooks/use-edit-history.ts';
import { useMappingSuggestions } from '../hooks/use-mapping-suggestions.ts';
import {
  addPage,
  addWidget,
  duplicateWidget,
  findWidget,
  newId,
  nextPageTitle,
  removePage,
  removeWidget,
  renamePage,
  setPageLayout,
  takenIds,
  updateWidget,
} from '../lib/document-edits.ts';
import { toLayoutItems } from '../lib/grid-layout.ts';
import { dataPreference, filterFields, newWidget } from '../lib/new-widget.ts';
import { BuilderGrid } from './builder-grid.tsx';
import { BuilderTopBar } from './builder-top-bar.tsx';
import { ConflictDialog } from './conflict-dialog.tsx';
import { FiltersDialog } from './filters-dialog.tsx';
import { PageTabs } from './page-tabs.tsx';
import { PreviewPage } from './preview-page.tsx';
import { NoSelection, PropertiesPanel, type WidgetEdit } from './properties-panel.tsx';
import { VersionHistorySheet } from './version-history-sheet.tsx';
import { WidgetLibrary, WidgetLibrarySheet } from './widget-library.tsx';

interface DashboardBuilderProps {
  study: Study;
  /** The dashboard as loaded: the builder edits its own copy from then on. */
  dashboard: Dashboard;
  widgetTypes: WidgetTypeInfo[];
  /** The active data version's datasets (none when the study has no data yet). */
  datasets: DatasetSummary[];
  pageId: string | undefined;
  onPageChange: (pageId: string) => void;
}

/**
 * The dashboard builder: widget library, grid and properties around one undoable document, saved
 * with the version it was loaded at (a stale save is a conflict, never an overwrite).
 */
export function DashboardBuilder({
  study,
  dashboard,
  widgetTypes,
  datasets,
  pageId,
  onPageChange,
}: DashboardBuilderProps) {
  const studyId = study.id;
  const history = useEditHistory({ name: dashboard.name, document: dashboard.document });
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [preview, setPreview] = useState(false);
  const [historyOpen, setHistoryOpen] = useState(false);
  const [filtersOpen, setFiltersOpen] = useState(false);
  const [draggingType, setDraggingType] = useState<WidgetTypeInfo | null>(null);
  const canvasRef = useRef<HTMLElement>(null);
  const clearSelection = useCallback(() => setSelectedId(null), []);
  const saving = useDashboardSave({ studyId, dashboard, history, onLoaded: clearSelection });
  const { waiting, suggest } = useMappingSuggestions(studyId, history);

  const { name, document: doc } = history.present;
  // Callbacks handed to every widget read the document here, so they stay the same across edits.
  const docRef = useRef(doc);
  docRef.current = doc;
  const page = doc.pages.find((p) => p.id === pageId) ?? doc.pages[0];
  const selected = selectedId && page ? page.widgets[selectedId] : undefined;
  const types = useMemo(() => new Map(widgetTypes.map((t) => [t.type, t])), [widgetTypes]);
  const hasData = Boolean(dashboard.activeVersionId);

  const { edit } = history;
  const editDoc = useCallback(
    (update: (document: Snapshot['document']) => Snapshot['document'], key?: string) =>
      edit((s) => {
        const document = update(s.document);
        return document === s.document ? s : { ...s, document };
      }, key),
    [edit],
  );

  const addOfType = (type: WidgetTypeInfo, at?: { x: number; y: number }) => {
    if (!page) return;
    const preference = dataPreference(doc, page.id, type);
    const available = new Set(datasets.map((d) => d.name.toUpperCase()));
    // Until the suggestion answers, the widget reads the most likely dataset the study has.
    const dataset =
      preference.dataset ??
      type.datasets.find((d) => available.has(d.toUpperCase())) ??
      type.datasets[0] ??
      datasets[0]?.name ??
      '';
    const widget = newWidget(type, dataset);
    const id = newId('w', takenIds(doc));
    editDoc((d) => addWidget(d, page.id, id, widget, { ...type.defaultSize, ...at }));
    setSelectedId(id);
    if (!hasData) return;
    void suggest(
      id,
      { type: type.type, ...preference, extraFields: filterFields(doc, type) },
      { mode: 'replace', commit: { kind: 'amend', ifData: widget.data }, fresh: { type, datasets } },
    );
  };

  const changeData = (widgetId: string, patch: { dataset: string } | { population: string | undefined }) => {
    const found = findWidget(doc, widgetId);
    const type = found ? types.get(found.widget.type) : undefined;
    if (!found || !type) return;
    const { population: _old, ...rest } = found.widget.data;
    const population = 'population' in patch ? patch.population : found.widget.data.population;
    const data: WidgetData = {
      ...rest,
      ...('dataset' in patch ? { dataset: patch.dataset } : {}),
      ...(population ? { population } : {}),
    };
    editDoc((d) => updateWidget(d, widgetId, (w) => ({ ...w, data })));
    if (!hasData) return;
    // A new dataset has other columns: its mapping starts over. A new population re-maps its own fields.
    void suggest(
      widgetId,
      { type: type.type, dataset: data.dataset, population: data.population, extraFields: filterFields(doc, type) },
      { mode: 'dataset' in patch ? 'replace' : 'merge', commit: { kind: 'amend', ifData: data } },
    );
  };

  const suggestFor = (widgetId: string) => {
    const found = findWidget(doc, widgetId);
    const type = found ? types.get(found.widget.type) : undefined;
    if (!found || !type) return;
    const { dataset, population } = found.widget.data;
    void suggest(
      widgetId,
      { type: type.type, dataset: dataset || undefined, population, extraFields: filterFields(doc, type) },
      { mode: 'merge', commit: { kind: 'edit' } },
    );
  };

  const { undo } = history;
  const removeById = useCallback(
    (widgetId: string) => {
      const found = findWidget(docRef.current, widgetId);
      if (!found) return;
      editDoc((d) => removeWidget(d, widgetId));
      setSelectedId((current) => (current === widgetId ? null : current));
      canvasRef.current?.focus();
      toast(`Deleted “${found.widget.title.trim() || 'Untitled widget'}”`, {
        action: { label: 'Undo', onClick: undo },
      });
    },
    [editDoc, undo],
  );

  const duplicateById = useCallback(
    (widgetId: string) => {
      const id = newId('w', takenIds(docRef.current));
      editDoc((d) => duplicateWidget(d, widgetId, id));
      setSelectedId(id);
    },
    [editDoc],
  );

  const currentPageId = page?.id;
  const onLayout = useCallback(
    (layout: Layout) => {
      if (currentPageId) editDoc((d) => setPageLayout(d, currentPageId, toLayoutItems(layout)));
    },
    [editDoc, currentPageId],
  );

  const requestSave = (comment?: string) => {
    const problem = saving.save(comment);
    if (problem?.pageId) onPageChange(problem.pageId);
    if (problem?.widgetId) {
      setPreview(false);
      setSelectedId(problem.widgetId);
    }
  };

  useBuilderShortcuts({
    undo: () => !preview && history.undo(),
    redo: () => !preview && history.redo(),
    save: () => requestSave(),
    remove: () => {
      if (!preview && selected && selectedId) removeById(selectedId);
    },
    deselect: () => setSelectedId(null),
  });

  if (!page) return null;
  const selectedType = selected ? types.get(selected.type) : undefined;

  return (
    <div className="flex h-dvh flex-col bg-background">
      <BuilderTopBar
        study={study}
        dashboardId={dashboard.id}
        name={name}
        onNameChange={(next) => history.edit((s) => ({ ...s, name: next }), 'name')}
        version={saving.version}
        dirty={saving.dirty}
        saving={saving.saving}
        canUndo={history.canUndo}
        canRedo={history.canRedo}
        onUndo={history.undo}
        onRedo={history.redo}
        preview={preview}
        onPreviewChange={(next) => {
          setPreview(next);
          if (next) setSelectedId(null);
        }}
        onHistory={() => setHistoryOpen(true)}
        filters={doc.filters.length}
        onFilters={() => setFiltersOpen(true)}
        onSave={requestSave}
      />
      <FiltersDialog
        open={filtersOpen}
        onOpenChange={setFiltersOpen}
        document={doc}
        onChange={(filters) => editDoc((d) => ({ ...d, filters }), 'filters')}
      />
      <PageTabs
        pages={doc.pages}
        currentId={page.id}
        onSelect={(id) => {
          setSelectedId(null);
          onPageChange(id);
        }}
        {...(preview
          ? {}
          : {
              onAdd: () => {
                const id = newId('p', takenIds(doc));
                editDoc((d) => addPage(d, id, nextPageTitle(d)));
                setSelectedId(null);
                onPageChange(id);
              },
              onRename: (id: string, title: string) => editDoc((d) => renamePage(d, id, title)),
              onRemove: (id: string) => {
                const index = doc.pages.findIndex((p) => p.id === id);
                const neighbour = doc.pages[index + 1] ?? doc.pages[index - 1];
                editDoc((d) => removePage(d, id));
                if (id === page.id && neighbour) onPageChange(neighbour.id);
              },
            })}
      />
      {saving.newerVersion && saving.conflict === null ? (
        <Alert tone="warning" className="rounded-none border-x-0 border-t-0 py-2">
          <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
            Version {saving.newerVersion.version} was saved
            {saving.newerVersion.updatedBy ? ` by ${saving.newerVersion.updatedBy.name}` : ''} while you were editing.
            Saving now would conflict with it.
            <Button variant="secondary" size="sm" className="h-7" onClick={saving.reload} loading={saving.reloading}>
              Reload version {saving.newerVersion.version}
            </Button>
          </span>
        </Alert>
      ) : null}
      {hasData ? null : (
        <Alert tone="info" className="rounded-none border-x-0 border-t-0 py-2">
          This study has no active data version yet: widgets can be placed and set up, but show data only once data is
          uploaded on the study’s Data tab.
        </Alert>
      )}
      <div className="flex min-h-0 flex-1">
        {preview ? null : (
          <WidgetLibrary types={widgetTypes} onAdd={(type) => addOfType(type)} onDragType={setDraggingType} />
        )}
        <main
          ref={canvasRef}
          tabIndex={-1}
          aria-label={preview ? `${page.title} (preview)` : `${page.title} layout`}
          className={cn(
            'min-w-0 flex-1 overflow-y-auto focus:outline-none',
            preview
              ? 'bg-background px-6 py-6 lg:px-10'
              : 'bg-surface-sunken bg-[radial-gradient(circle,var(--border-strong)_1px,transparent_1px)] bg-size-[20px_20px] p-6 max-md:pb-20',
          )}
        >
          <div className="mx-auto max-w-[1400px]">
            {preview ? (
              <PreviewPage studyId={studyId} page={page} />
            ) : (
              <BuilderGrid
                studyId={studyId}
                page={page}
                selectedId={selected ? selectedId : null}
                waiting={waiting}
                draggingType={draggingType}
                onSelect={setSelectedId}
                onDuplicate={duplicateById}
                onRemove={removeById}
                onLayout={onLayout}
                onDropType={(typeName, at) => {
                  const type = types.get(typeName);
                  if (type) addOfType(type, at);
                }}
              />
            )}
          </div>
        </main>
        {preview ? null : selected && selectedId ? (
          <PropertiesPanel
            key={selectedId}
            studyId={studyId}
            widgetId={selectedId}
            widget={selected}
            type={selectedType}
            datasets={datasets}
            filters={doc.filters}
            extraFields={selectedType ? filterFields(doc, selectedType) : []}
            suggesting={waiting.has(selectedId)}
            onEdit={((update, key) => editDoc((d) => updateWidget(d, selectedId, update), key)) satisfies WidgetEdit}
            onDataset={(dataset) => changeData(selectedId, { dataset })}
            onPopulation={(population) => changeData(selectedId, { population })}
            onSuggest={() => suggestFor(selectedId)}
            onDuplicate={() => duplicateById(selectedId)}
            onRemove={() => removeById(selectedId)}
            onClose={() => setSelectedId(null)}
          />
        ) : (
          <NoSelection />
        )}
      </div>
      {preview ? null : <WidgetLibrarySheet types={widgetTypes} onAdd={(type) => addOfType(type)} />}

      <VersionHistorySheet
        open={historyOpen}
        onOpenChange={setHistoryOpen}
        studyId={studyId}
        dashboardId={dashboard.id}
        currentVersion={saving.version}
        dirty={saving.dirty}
        pageTitle={(id) => doc.pages.find((p) => p.id === id)?.title ?? id}
        onRestored={saving.load}
      />
      <ConflictDialog
        currentVersion={saving.conflict}
        reloading={saving.reloading}
        onReload={saving.reload}
        onKeepEditing={saving.keepEditing}
      />
      <LeaveGuard what="this dashboard" dirty={saving.dirty} />
    </div>
  );
}
