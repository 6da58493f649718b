"""Runs a CDP pipeline script inside the sandbox: the helpers in scope, the script under its own name."""
import sys

sys.path.insert(0, "/sandbox/lib")
import cdp  # noqa: E402

with open("/sandbox/pipeline.py", encoding="utf-8") as f:
    source = f.read()
scope = {
    "__name__": "__main__",
    "read_dataset": cdp.read_dataset,
    "save_dataset": cdp.save_dataset,
    "datasets": cdp.datasets,
}
exec(compile(source, "pipeline.py", "exec"), scope)
