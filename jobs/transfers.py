"""Imports and exports (hub.transfers): thin RQ entry points."""

from __future__ import annotations

from jobs.context import in_app


@in_app
def validate_import(file_job_id: int) -> str:
    from hub.transfers.services import run_validation

    return run_validation(file_job_id)


@in_app
def import_cases(file_job_id: int) -> str:
    from hub.transfers.services import run_import

    return run_import(file_job_id)


@in_app
def export(file_job_id: int) -> str:
    from hub.transfers.exporting import run_export

    return run_export(file_job_id)
