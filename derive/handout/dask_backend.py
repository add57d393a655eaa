"""``derive build --scheduler ADDRESS``: the same items as Dask distributed tasks on a cluster.

Each item is one task. The task runs in a Dask worker, but the item itself runs in a fresh
Python process the task starts (``python -m derive.handout.dask_backend TASK RESULT``), which
runs it in a forked worker under the budget exactly as a local build does: a script's
``os.chdir``, monkeypatches, ``os._exit``, KeyboardInterrupt, daemons or floods of output stay
in that process and its log, never in the Dask worker. The task returns the item's report;
the client gathers reports and failures into the same summary, cache records and manifest.
``OUT`` must be a folder every worker can write (a shared file system), given as an absolute path.

Dask is imported here only, so ``derive build`` without ``--scheduler`` starts without it.
"""
from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from derive.core.errors import UsageError
from derive.handout.items import BuildItem, ItemReport


def run_on_dask(address: str, items: Sequence[BuildItem], job: Any, budget: Any,
                finished: Callable[[ItemReport], None]) -> None:
    """Submit every item to the Dask scheduler at ``address``; ``finished`` gets each report as it arrives."""
    try:
        distributed: Any = importlib.import_module("distributed")  # untyped: Any to mypy
    except ImportError:
        raise UsageError("--scheduler needs Dask distributed", hint="pip install 'dask[distributed]'") from None
    try:
        client = distributed.Client(address, timeout=10)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {address}: {exc}",
                         hint="start one with: dask scheduler (and workers with: dask worker ADDRESS)") from None
    futures: dict[Any, BuildItem] = {}
    try:
        futures = {client.submit(run_task, item, job, budget, key=f"derive-build-{os.getpid()}-{i}", pure=False): item
                   for i, item in enumerate(items)}
        for future in distributed.as_completed(futures):
            item = futures[future]
            try:
                report = future.result()
            except BaseException as exc:  # noqa: BLE001  the task or its worker died: the item failed
                if isinstance(exc, KeyboardInterrupt):
                    raise
                message = " ".join(str(exc).split())[:300]
                report = ItemReport(item, {}, 0.0, log=job.out / f"{item.key}.log",
                                    error=f"the Dask task failed: {type(exc).__name__}: {message}", failure="failure")
            finished(report)
    finally:
        for future in futures:
            future.cancel()
        client.close()


def run_task(item: BuildItem, job: Any, budget: Any) -> ItemReport:
    """In a Dask worker: run ``item`` in a fresh process (a forked worker under ``budget`` in it); its report."""
    with tempfile.TemporaryDirectory(prefix="derive-task-") as scratch:
        task, result = Path(scratch) / "task.pickle", Path(scratch) / "result.pickle"
        task.write_bytes(pickle.dumps((item, job, budget), protocol=pickle.HIGHEST_PROTOCOL))
        # No pipes: a daemon the script leaves behind cannot hold this task open; only the process's exit counts.
        done = subprocess.run([sys.executable, "-m", "derive.handout.dask_backend", str(task), str(result)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              check=False, timeout=budget.seconds + 120, env=_child_env())
        if result.is_file():
            report: ItemReport = pickle.loads(result.read_bytes())
            return report
    from derive.handout.execute import remove_outputs

    remove_outputs(job.out, item)
    return ItemReport(item, {}, 0.0, log=job.out / f"{item.key}.log",
                      error=f"the item's process exited with status {done.returncode} without a result",
                      failure="failure")


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    import derive

    root = str(Path(derive.__file__).resolve().parents[1])  # the derive this worker runs, first on the path
    env["PYTHONPATH"] = os.pathsep.join([root, *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
    return env


def main(argv: Sequence[str]) -> int:
    """The item's process: read the task, run it as a local build runs an item, write the report."""
    from derive.core.runner import session
    from derive.handout.execute import cap_log, remove_outputs, run_local

    task, result = Path(argv[0]), Path(argv[1])
    item, job, budget = pickle.loads(task.read_bytes())
    reports: list[ItemReport] = []
    with session(scratch=True):
        run_local([item], job, budget, 1, reports.append, lambda: None)
    report = reports[0]
    if report.log is not None:
        cap_log(report.log, job.log_cap)
    if report.error:
        remove_outputs(job.out, item)
    tmp = result.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(tmp, result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
