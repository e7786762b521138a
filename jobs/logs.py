"""The job id on every log line written while an RQ job runs."""

from __future__ import annotations

import logging

from rq import get_current_job


class JobIdFilter(logging.Filter):
    """A handler filter: adds ``job_id`` to records logged inside a running job (RQ keeps the
    current job on a stack in the process that performs it; no Redis round trip)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "job_id", None) is None:
            job = get_current_job()
            if job is not None:
                record.job_id = job.id
        return True
