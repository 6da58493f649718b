import type {
  DslStepInput,
  Pipeline,
  PipelineCheckIssue,
  PipelineInputRef,
  PipelineKindName,
  PipelineTriggers,
  Study,
} from '@cdp/contracts';
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { AlertCircle, CheckCircle2, Save } from 'lucide-react';
import { useEffect, useState } from 'react';
import { LeaveGuard } from '../../../../components/editing/leave-guard.tsx';
import { Alert } from '../../../../components/ui/alert.tsx';
import { Button } from '../../../../components/ui/button.tsx';
import { Card, CardHeader } from '../../../../components/ui/card.tsx';
import { FormField } from '../../../../components/ui/form-field.tsx';
import { Input } from '../../../../components/ui/input.tsx';
import { PageHeader } from '../../../../components/ui/page-header.tsx';
import { Spinner } from '../../../../components/ui/spinner.tsx';
import { Textarea } from '../../../../components/ui/textarea.tsx';
import { toast } from '../../../../components/ui/toaster.tsx';
import { errorMessage, isApiError } from '../../../../lib/api-error.ts';
import { cn } from '../../../../lib/cn.ts';
import { plural } from '../../../../lib/format.ts';
import { datasetsQuery, versionsQuery } from '../../../data/api/data-api.ts';
import {
  checkPipeline,
  createPipeline,
  pipelineKeys,
  pipelineOutputsQuery,
  pipelinesQuery,
  savePipeline,
} from '../../api/pipelines-api.ts';
import { type SchemaDataset, savedOutputs, schemasBeforeSteps } from '../../lib/dsl-schema.ts';
import { AVAILABLE_KINDS } from '../../lib/engines.ts';
import { type PlacedIssue, placeIssues } from '../../lib/issues.ts';
import { PreviewPanel } from '../dsl/preview-panel.tsx';
import { DefinitionIssues, StepsEditor } from '../dsl/steps-editor.tsx';
import { KIND_DESCRIPTIONS, KIND_LABELS, PipelinesBreadcrumb } from '../pipeline-bits.tsx';
import { ExamplePicker } from './example-picker.tsx';
import { InputsEditor } from './inputs-editor.tsx';
import { PYTHON_TEMPLATE, type PythonBodyDraft, PythonEditor } from './python-editor.tsx';
import { type SqlBodyDraft, SqlEditor } from './sql-editor.tsx';
import { TriggersEditor } from './triggers-editor.tsx';

interface Draft {
  name: string;
  description: string;
  kind: PipelineKindName;
  inputs: PipelineInputRef[];
  triggers: PipelineTriggers;
  dsl: { steps: DslStepInput[] };
  sql: SqlBodyDraft;
  python: PythonBodyDraft;
}

const DEFAULT_TRIGGERS: PipelineTriggers = { onSourceActivation: false, schedule: null, afterUpstream: true };

function draftOf(pipeline: Pipeline | null): Draft {
  const body = (pipeline?.body ?? {}) as Record<string, unknown>;
  return {
    name: pipeline?.name ?? '',
    description: pipeline?.description ?? '',
    kind: pipeline?.kind ?? 'dsl',
    inputs: pipeline?.inputs ?? [],
    triggers: pipeline?.triggers ?? DEFAULT_TRIGGERS,
    dsl: { steps: pipeline?.kind === 'dsl' && Array.isArray(body.steps) ? (body.steps as DslStepInput[]) : [] },
    sql:
      pipeline?.kind === 'sql'
        ? (body as unknown as SqlBodyDraft)
        : { statements: [{ name: 'result', sql: '' }], outputs: ['result'] },
    python:
      pipeline?.kind === 'python'
        ? (body as unknown as PythonBodyDraft)
        : { script: PYTHON_TEMPLATE, outputs: ['dm_randomized'] },
  };
}

function bodyOf(draft: Draft): unknown {
  if (draft.kind === 'dsl') return draft.dsl;
  if (draft.kind === 'sql') return draft.sql;
  return draft.python.outputs?.length ? draft.python : { script: draft.python.script };
}

function outputsOf(draft: Draft): string[] {
  if (draft.kind === 'dsl') return savedOutputs(draft.dsl.steps);
  if (draft.kind === 'sql') return draft.sql.outputs ?? draft.sql.statements.map((s) => s.name);
  return draft.python.outputs ?? [];
}

const definitionJson = (draft: Draft) =>
  JSON.stringify({
    name: draft.name.trim(),
    description: draft.description.trim(),
    kind: draft.kind,
    inputs: draft.inputs,
    triggers: draft.triggers,
    body: bodyOf(draft),
  });

/**
 * Creating or editing a pipeline: its details, inputs, the definition of its kind (steps, SQL or a
 * Python script), triggers. The server checks the definition against the study's data as it is
 * edited; each problem is shown on the step and field it names. A save is a new version.
 */
export function PipelineEditor({ study, pipeline }: { study: Study; pipeline: Pipeline | null }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => draftOf(pipeline));
  const [baseline, setBaseline] = useState(() => definitionJson(draftOf(pipeline)));
  const [version, setVersion] = useState(pipeline?.version ?? 0);
  const [comment, setComment] = useState('');
  const [selected, setSelected] = useState(0);
  const [previewStep, setPreviewStep] = useState<number | null>(null);
  const [issues, setIssues] = useState<PlacedIssue[]>([]);
  const [checking, setChecking] = useState(false);
  const [checked, setChecked] = useState(false);
  const [saving, setSaving] = useState(false);
  const [conflict, setConflict] = useState<number | null>(null);
  const [nameError, setNameError] = useState<string | undefined>();
  const dirty = definitionJson(draft) !== baseline;

  const versions = useQuery(versionsQuery(study.id));
  const activeId = versions.data?.meta.activeVersionId ?? null;
  const datasets = useQuery({ ...datasetsQuery(study.id, activeId ?? ''), enabled: activeId !== null });
  const pipelines = useQuery(pipelinesQuery(study.id));
  const others = (pipelines.data?.data ?? []).filter((p) => p.id !== pipeline?.id);
  const upstreamIds = [
    ...new Set(draft.inputs.flatMap((i) => (i.source.kind === 'pipeline' ? [i.source.pipelineId] : []))),
  ];
  const upstreamOutputs = useQueries({
    queries: upstreamIds.map((id) => ({ ...pipelineOutputsQuery(study.id, id), retry: false })),
  });

  // The inputs' columns, under the names the definition uses.
  const inputSchemas: SchemaDataset[] = (() => {
    const out: SchemaDataset[] = [];
    for (const input of draft.inputs) {
      if (input.source.kind === 'dataset') {
        const name = input.source.dataset;
        const d = datasets.data?.data.find((x) => x.name === name);
        if (d)
          out.push({
            name: input.name,
            columns: d.columns.map((c) => ({ name: c.name, type: c.type })),
            partial: false,
          });
      } else {
        const { pipelineId, output } = input.source;
        const at = upstreamIds.indexOf(pipelineId);
        const latest = upstreamOutputs[at]?.data?.data[0];
        const d = latest?.datasets.find((x) => x.name.toLowerCase() === output.toLowerCase());
        out.push({
          name: input.name,
          columns: d ? d.columns.map((c) => ({ name: c.name, type: c.type })) : [],
          partial: !d,
        });
      }
    }
    return out;
  })();

  const envs = schemasBeforeSteps(inputSchemas, draft.dsl.steps);
  const outputs = outputsOf(draft);

  // The server's check, a moment after the last edit (never before the user touched anything on a new pipeline).
  const checkKey = JSON.stringify({ kind: draft.kind, body: bodyOf(draft), inputs: draft.inputs, outputs });
  // biome-ignore lint/correctness/useExhaustiveDependencies: checkKey stands for what is checked
  useEffect(() => {
    if (!pipeline && !dirty) return;
    if (draft.inputs.length === 0) {
      setIssues([]);
      setChecked(false);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      setChecking(true);
      try {
        const result = await checkPipeline(
          study.id,
          // Before any output is named the definition is checked against a stand-in name, whose complaint is dropped.
          {
            kind: draft.kind,
            body: bodyOf(draft),
            inputs: draft.inputs,
            outputs: outputs.length ? outputs : ['output'],
          },
          controller.signal,
        );
        setIssues(placeIssues(result.issues.filter((i) => outputs.length > 0 || !/^(body\.)?outputs/.test(i.path))));
        setChecked(true);
      } catch (error) {
        if (isApiError(error) && error.issues.length > 0) {
          setIssues(placeIssues(error.issues));
          setChecked(true);
        }
      } finally {
        if (!controller.signal.aborted) setChecking(false);
      }
    }, 600);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [checkKey, study.id]);

  const update = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const stepIssues = issues.filter((i) => i.step !== null);
  const definitionIssues = issues.filter(
    (i) => i.step === null && i.statement === null && !i.path.replace(/^body\./, '').startsWith('inputs['),
  );

  const save = async () => {
    if (!draft.name.trim()) {
      setNameError('Give the pipeline a name.');
      return;
    }
    if (outputs.length === 0) {
      toast.error('The pipeline was not saved', {
        description:
          draft.kind === 'dsl'
            ? 'Add a “Save as output” step: a run keeps only the datasets saved as outputs.'
            : 'Name at least one output.',
      });
      return;
    }
    setSaving(true);
    const definition = {
      name: draft.name.trim(),
      description: draft.description.trim() || null,
      kind: draft.kind,
      body: bodyOf(draft),
      inputs: draft.inputs,
      outputs,
      triggers: draft.triggers,
    };
    try {
      const saved = pipeline
        ? await savePipeline(study.id, pipeline.id, {
            ...definition,
            version,
            ...(comment.trim() ? { comment: comment.trim() } : {}),
          })
        : await createPipeline(study.id, definition);
      setBaseline(definitionJson(draft));
      setVersion(saved.data.version);
      setComment('');
      queryClient.setQueryData(pipelineKeys.detail(study.id, saved.data.id), saved);
      void queryClient.invalidateQueries({ queryKey: pipelineKeys.study(study.id) });
      toast.success(pipeline ? `Saved as version ${saved.data.version}` : `Pipeline “${saved.data.name}” created`);
      // Leave only once the guard sees nothing unsaved.
      setTimeout(
        () =>
          navigate({
            to: '/studies/$studyId/pipelines/$pipelineId',
            params: { studyId: study.id, pipelineId: saved.data.id },
          }),
        0,
      );
    } catch (error) {
      if (isApiError(error, 'CONFLICT')) {
        const current = (error.details as { currentVersion?: unknown } | undefined)?.currentVersion;
        setConflict(typeof current === 'number' ? current : version + 1);
      } else if (isApiError(error) && error.issues.length > 0) {
        const placed = placeIssues(error.issues as PipelineCheckIssue[]);
        setIssues(placed);
        const first = placed.find((i) => i.step !== null);
        if (first?.step !== null && first?.step !== undefined) setSelected(first.step);
        toast.error('The pipeline was not saved', {
          description: `${plural(placed.length, 'problem')} to fix: see the marked fields.`,
        });
      } else {
        toast.error('The pipeline was not saved', { description: errorMessage(error) });
      }
    } finally {
      setSaving(false);
    }
  };

  const title = pipeline ? `Edit ${pipeline.name}` : 'New pipeline';
  const hasUpstream = draft.inputs.some((i) => i.source.kind === 'pipeline');
  const sqlSchema = Object.fromEntries(inputSchemas.map((d) => [d.name, d.columns.map((c) => c.name)]));

  return (
    <div className="pb-24">
      <PageHeader
        eyebrow={
          <PipelinesBreadcrumb
            study={study}
            trail={
              pipeline
                ? [
                    <Link
                      key="p"
                      to="/studies/$studyId/pipelines/$pipelineId"
                      params={{ studyId: study.id, pipelineId: pipeline.id }}
                      className="hover:text-foreground hover:underline"
                    >
                      {pipeline.name}
                    </Link>,
                    'Edit',
                  ]
                : ['New pipeline']
            }
          />
        }
        title={title}
        description={
          pipeline
            ? `Version ${version}. Saving makes version ${version + 1}; every version stays in the history.`
            : 'A pipeline reads the study’s data and writes new datasets, each run kept as a version with its lineage.'
        }
      />
      <div className="space-y-6">
        {conflict !== null ? (
          <Alert tone="warning" title={`Someone saved version ${conflict} while you were editing`}>
            Your changes are not saved. Open the pipeline in a new tab to see their version, or reload to start again
            from it (your edits here are then lost).{' '}
            <button
              type="button"
              className="font-medium underline underline-offset-4"
              onClick={() => {
                void queryClient.invalidateQueries({ queryKey: pipelineKeys.study(study.id) });
                window.location.reload();
              }}
            >
              Reload
            </button>
          </Alert>
        ) : null}

        {!pipeline && draft.inputs.length === 0 && draft.dsl.steps.length === 0 && datasets.data ? (
          <ExamplePicker
            datasets={datasets.data.data}
            pipelines={others}
            onPick={(example) => {
              setNameError(undefined);
              setSelected(0);
              setPreviewStep(null);
              update({
                name: example.name,
                description: example.description,
                kind: 'dsl',
                inputs: example.inputs,
                dsl: { steps: example.steps },
              });
            }}
          />
        ) : null}

        <Card>
          <CardHeader title="Details" />
          <div className="grid gap-4 px-5 py-4 md:grid-cols-2">
            <FormField label="Name" required error={nameError}>
              {(control) => (
                <Input
                  {...control}
                  value={draft.name}
                  maxLength={200}
                  placeholder="e.g. DM analysis population"
                  onChange={(e) => {
                    setNameError(undefined);
                    update({ name: e.target.value });
                  }}
                />
              )}
            </FormField>
            <FormField label="Description" optional className="md:row-span-2">
              {(control) => (
                <Textarea
                  {...control}
                  rows={4}
                  maxLength={2000}
                  value={draft.description}
                  placeholder="What it derives, and for whom"
                  onChange={(e) => update({ description: e.target.value })}
                />
              )}
            </FormField>
            <fieldset className="space-y-1.5">
              <legend className="text-[13px] font-medium">Kind</legend>
              {pipeline ? (
                <p className="text-[13px] text-muted-foreground">
                  {KIND_LABELS[draft.kind]}: {KIND_DESCRIPTIONS[draft.kind]} The kind of a saved pipeline does not
                  change.
                </p>
              ) : (
                <div
                  className="grid gap-2 sm:grid-cols-3 md:grid-cols-1 xl:grid-cols-3"
                  role="radiogroup"
                  aria-label="Kind"
                >
                  {AVAILABLE_KINDS.map((kind) => (
                    <label
                      key={kind}
                      className={cn(
                        'cursor-pointer rounded-md border p-2.5 text-[13px] transition-colors has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-ring',
                        draft.kind === kind
                          ? 'border-primary bg-primary-soft ring-1 ring-primary/30'
                          : 'border-border hover:border-border-strong',
                      )}
                    >
                      <input
                        type="radio"
                        name="kind"
                        value={kind}
                        checked={draft.kind === kind}
                        onChange={() => update({ kind })}
                        className="sr-only"
                      />
                      <span className="block font-semibold">{KIND_LABELS[kind]}</span>
                      <span className="block text-xs text-muted-foreground">{KIND_DESCRIPTIONS[kind]}</span>
                    </label>
                  ))}
                </div>
              )}
            </fieldset>
          </div>
        </Card>

        <Card>
          <CardHeader
            title="Inputs"
            description="The datasets it reads: the study’s active data, or another pipeline’s output. Each gets the name the definition uses."
          />
          <div className="px-5 py-4">
            <InputsEditor
              inputs={draft.inputs}
              onChange={(inputs) => update({ inputs })}
              datasets={datasets.data?.data ?? []}
              pipelines={others}
              issues={issues}
            />
          </div>
        </Card>

        <Card aria-label="Definition">
          <CardHeader
            title={draft.kind === 'dsl' ? 'Steps' : draft.kind === 'sql' ? 'SQL statements' : 'Python script'}
            description={
              draft.kind === 'dsl'
                ? 'Steps run in order; each sees the columns the steps before it left. “Save as output” keeps a result.'
                : draft.kind === 'sql'
                  ? 'Each statement is a SELECT over the inputs and the statements before it; ticked ones are saved as outputs.'
                  : 'read_dataset(name) gives an input as a pandas DataFrame; save_dataset(df, name) writes an output.'
            }
            actions={<CheckStatus checking={checking} checked={checked} count={issues.length} />}
          />
          {draft.kind === 'dsl' ? (
            <>
              <DefinitionIssues issues={definitionIssues} />
              <StepsEditor
                steps={draft.dsl.steps}
                onChange={(steps) => update({ dsl: { steps } })}
                selected={Math.min(selected, Math.max(0, draft.dsl.steps.length - 1))}
                onSelect={setSelected}
                envs={envs}
                issues={stepIssues}
                onPreview={setPreviewStep}
                previewStep={previewStep}
              />
            </>
          ) : draft.kind === 'sql' ? (
            <SqlEditor
              body={draft.sql}
              onChange={(sql) => update({ sql })}
              schema={sqlSchema}
              issues={issues.filter((i) => !i.path.startsWith('inputs['))}
            />
          ) : (
            <PythonEditor
              body={draft.python}
              onChange={(python) => update({ python })}
              issues={issues.filter((i) => !i.path.startsWith('inputs['))}
            />
          )}
        </Card>

        {draft.kind === 'dsl' && previewStep !== null ? (
          <PreviewPanel
            studyId={study.id}
            steps={draft.dsl.steps}
            inputs={draft.inputs}
            step={previewStep}
            onClose={() => setPreviewStep(null)}
          />
        ) : null}

        <Card>
          <CardHeader title="Triggers" description="When it runs besides by hand." />
          <div className="px-5 py-4">
            <TriggersEditor
              value={draft.triggers}
              onChange={(triggers) => update({ triggers })}
              hasUpstream={hasUpstream}
            />
          </div>
        </Card>
      </div>

      <div className="fixed inset-x-0 bottom-0 z-30 border-t border-border bg-surface/95 backdrop-blur lg:left-60">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-3 px-4 py-3 sm:px-6 lg:px-10">
          <p className="mr-auto flex items-center gap-2 text-[13px] text-muted-foreground" aria-live="polite">
            {dirty ? (
              <>
                <span className="size-1.5 rounded-full bg-amber-500" aria-hidden />
                Unsaved changes
              </>
            ) : pipeline ? (
              'No changes'
            ) : (
              'Not saved yet'
            )}
            {outputs.length > 0 ? (
              <span className="hidden sm:inline">
                · Outputs: <span className="font-mono">{outputs.join(', ')}</span>
              </span>
            ) : null}
          </p>
          {pipeline ? (
            <Input
              aria-label="Note for the version history"
              placeholder="What changed (optional)"
              className="h-8 w-full text-[13px] sm:w-64"
              maxLength={500}
              value={comment}
              onChange={(e) => setComment(e.target.value)}
            />
          ) : null}
          <Button variant="secondary" asChild>
            {pipeline ? (
              <Link
                to="/studies/$studyId/pipelines/$pipelineId"
                params={{ studyId: study.id, pipelineId: pipeline.id }}
              >
                Cancel
              </Link>
            ) : (
              <Link to="/studies/$studyId/pipelines" params={{ studyId: study.id }}>
                Cancel
              </Link>
            )}
          </Button>
          <Button onClick={save} loading={saving} disabled={pipeline !== null && !dirty}>
            <Save />
            {pipeline ? 'Save' : 'Create pipeline'}
          </Button>
        </div>
      </div>
      <LeaveGuard what="this pipeline" dirty={dirty && !saving} />
    </div>
  );
}

function CheckStatus({ checking, checked, count }: { checking: boolean; checked: boolean; count: number }) {
  if (checking) {
    return (
      <span className="flex items-center gap-1.5 text-xs text-muted-foreground">
        <Spinner className="size-3.5" />
        Checking against the data…
      </span>
    );
  }
  if (!checked) return null;
  return count === 0 ? (
    <span className="flex items-center gap-1.5 text-xs text-success-soft-foreground" data-check="ok">
      <CheckCircle2 className="size-3.5" aria-hidden />
      No problems found
    </span>
  ) : (
    <span className="flex items-center gap-1.5 text-xs font-medium text-destructive" data-check="issues">
      <AlertCircle className="size-3.5" aria-hidden />
      {plural(count, 'problem')}
    </span>
  );
}
