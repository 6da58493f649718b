import { AlertCircle } from 'lucide-react';
import type { PlacedIssue } from '../../lib/issues.ts';
import { ParsedInput } from '../dsl/field-controls.tsx';
import { LazyCodeEditor } from '../lazy-code-editor.tsx';

export interface PythonBodyDraft {
  script: string;
  outputs?: string[];
}

export const PYTHON_TEMPLATE = `# Inputs are read with read_dataset(name) as pandas DataFrames;
# results are written with save_dataset(df, name).
dm = read_dataset("DM")
dm = dm[dm["ARMCD"] != "Scrnfail"]
save_dataset(dm, "dm_randomized")
`;

/** Python pipelines: one script, run in the sandbox, and the names of the datasets it saves. */
export function PythonEditor({
  body,
  onChange,
  issues,
  readOnly,
}: {
  body: PythonBodyDraft;
  onChange: (body: PythonBodyDraft) => void;
  issues: PlacedIssue[];
  readOnly?: boolean;
}) {
  return (
    <div className="space-y-4 px-5 py-4">
      <LazyCodeEditor
        language="python"
        label="Python script"
        value={body.script}
        onChange={(script) => onChange({ ...body, script })}
        readOnly={readOnly}
        invalid={issues.length > 0}
        minHeight={280}
        testId="python-script"
      />
      {issues.length > 0 ? (
        <div role="alert" className="space-y-0.5">
          {issues.map((i) => (
            <p key={i.path + i.message} className="flex gap-1.5 text-[13px] text-destructive">
              <AlertCircle className="mt-0.5 size-3.5 shrink-0" aria-hidden />
              {i.message}
            </p>
          ))}
        </div>
      ) : null}
      <div className="max-w-md space-y-1.5">
        <label className="text-[13px] font-medium" htmlFor="python-outputs">
          Outputs
        </label>
        <ParsedInput
          id="python-outputs"
          className="font-mono"
          disabled={readOnly}
          placeholder="dm_randomized, lb_wide"
          value={body.outputs ?? []}
          parse={(text) =>
            text
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          }
          show={(list) => list.join(', ')}
          onChange={(outputs) => onChange({ ...body, outputs })}
        />
        <p className="text-xs text-muted-foreground">
          The names the script passes to save_dataset, separated by commas. A run that does not save each of them fails.
        </p>
      </div>
    </div>
  );
}
