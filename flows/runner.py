"""The Prefect task runner a run transcribes episodes with: threads, or Dask when asked."""

from __future__ import annotations

from typing import Any

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from podsift.tasks.core.config import Config


def make_task_runner(cfg: Config) -> TaskRunner[Any]:
    """Prefect's thread pool by default; Dask when config asks for it."""
    if cfg.runner.kind == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:
            from podsift.tasks.core.errors import ConfigError

            raise ConfigError(
                "runner.kind 'dask' needs prefect-dask: pip install -e '.[dask]'"
            ) from exc
        if cfg.runner.dask_address:
            return DaskTaskRunner(address=cfg.runner.dask_address)
        _inherit_blas_threads()
        # One episode per worker process at a time: CTranslate2 already uses the cores, and a
        # worker process holds one copy of the model however many threads it runs.
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": cfg.runner.max_workers, "threads_per_worker": 1}
        )
    return ThreadPoolTaskRunner(max_workers=cfg.runner.max_workers)


def _inherit_blas_threads() -> None:
    """Let local Dask workers keep this process's BLAS thread settings.

    Dask starts workers with OMP/MKL/OPENBLAS_NUM_THREADS=1. Whisper's log-mel features go
    through numpy's BLAS, whose last bits depend on its thread count, so a local cluster would
    transcribe slightly differently from the thread runner (a word time, now and then a
    sentence break). CTranslate2's threads are set explicitly (whisper.cpu_threads), so nothing
    is oversubscribed by this.
    """
    import dask
    import distributed  # noqa: F401  (loads the distributed.* config defaults)

    key = "distributed.nanny.pre-spawn-environ"
    environ = dict(dask.config.get(key, default={}) or {})
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        environ.pop(name, None)
    dask.config.set({key: environ})
