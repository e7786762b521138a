"""Bulk transfers: importing cases from national-system exports, and exporting any board or
list view to .xlsx.  Both run as RQ jobs with progress in the page and can be cancelled."""
