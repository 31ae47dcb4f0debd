"""Where batch runs execute: in this process (serial), a local process pool, or a dask
cluster (LocalCluster or an existing scheduler). Each has submit / as_completed / close."""

from __future__ import annotations

import os


def _worker_init() -> None:
    """Process-pool worker start: import the heavy modules once, keep BLAS to one thread."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    import highspy  # noqa: F401
    import pyomo.environ  # noqa: F401

    from pathway.runs import pipeline as run  # noqa: F401


class _Done:
    """A finished future (serial executor)."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def result(self):
        return self.fn(*self.args)


class SerialExecutor:
    """Runs tasks in this process, one by one, as their results are asked for."""

    description = "serial (this process)"
    workers = 1

    def submit(self, fn, *args):
        return _Done(fn, args)

    def as_completed(self, futures):
        yield from futures

    def close(self) -> None:
        pass


class LocalExecutor:
    """A local process pool (spawn context) of ``workers`` processes."""

    def __init__(self, workers: int | None = None):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers or os.cpu_count() or 1
        self.description = f"local process pool, {self.workers} worker(s)"
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_worker_init)

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def as_completed(self, futures):
        from concurrent.futures import as_completed

        return as_completed(futures)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """dask.distributed: a LocalCluster of ``workers`` processes with one thread each, or
    the existing cluster at ``scheduler`` (tcp://HOST:PORT)."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        import logging

        from distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            self.client = Client(scheduler)
            self.description = f"dask scheduler {scheduler}"
        else:
            n = workers or os.cpu_count() or 1
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                                        silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
            self.description = f"dask LocalCluster, {n} worker process(es) x 1 thread"
        self.workers = max(1, sum(self.client.nthreads().values()))

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def as_completed(self, futures):
        from distributed import as_completed

        return as_completed(futures)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(kind: str = "local", workers: int | None = None, scheduler: str | None = None):
    """'local' (process pool), 'dask' (LocalCluster, or ``scheduler``) or 'serial'."""
    if scheduler:
        return DaskExecutor(workers, scheduler)
    if kind == "dask":
        return DaskExecutor(workers)
    if kind == "serial":
        return SerialExecutor()
    if kind == "local":
        return LocalExecutor(workers)
    raise ValueError(f"unknown executor {kind!r}; expected local, dask or serial")
