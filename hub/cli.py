"""``flask --app wsgi hub ...`` commands."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from hub.extensions import db

hub_cli = AppGroup("hub", help="信访+ joint supervision hub commands.")


@hub_cli.command("demo")
@click.option("--cases", "bulk", type=click.IntRange(min=0), default=None, metavar="N",
              help="Also add N synthetic cases (bulk insert, for benchmarks).")
def demo_command(bulk):
    """Load the demo prefecture, accounts and demo cases (idempotent)."""
    import time

    from hub.cases.bulk import bulk_cases
    from hub.demo import ACCOUNTS, load_full_demo

    result = load_full_demo()
    rate_line = None
    if bulk is not None:
        started = time.perf_counter()
        added = bulk_cases(bulk)
        seconds = time.perf_counter() - started
        rate = added / seconds if seconds > 0 else 0.0
        rate_line = f"bulk cases: {added} created in {seconds:.1f} s ({rate:,.0f} cases/s)"
    db.session.commit()
    click.echo(f"demo data: {result['agencies']} agencies and {result['users']} accounts created")
    click.echo(f"demo cases: {result['cases']} created; 包案: {result['baoan']} created")
    portal = result["public"]
    click.echo(f"public portal: {portal['submissions']} submissions, {portal['published']} "
               f"cases published, {portal['departments']} department codes")
    click.echo(f"grassroots: {result['disputes']} disputes, {result['screening']} screening "
               f"reports, {result['sources']} collection points and work teams created")
    click.echo(f"similar cases: {result['similar']} demo petitions registered, the month's "
               "clusters computed")
    click.echo(f"policy proposals: {result['proposals']} created")
    if rate_line:
        click.echo(rate_line)
    if result["users"]:
        click.echo("accounts: " + ", ".join(a[0] for a in ACCOUNTS))
        if result["generated"]:
            click.echo(f"password (shown once): {result['password']}")
            click.echo(f"also written to {result['credentials_file']} (mode 0600)")
        else:
            click.echo("password: the value of HUB_DEMO_PASSWORD")


@hub_cli.command("create-admin")
@click.option("--username", prompt=True)
@click.option("--name", "display_name", prompt="Display name")
@click.option("--agency", "agency_code", prompt="Agency code",
              help="Code of the agency the admin belongs to (created as 信访局 if missing).")
@click.password_option()
def create_admin(username, display_name, agency_code, password):
    """Create the first administrator on a real installation."""
    from hub.agencies.models import Agency
    from hub.agencies.services import create_agency
    from hub.auth.roles import Role
    from hub.auth.services import create_user
    from hub.core.errors import ServiceError

    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
    try:
        if agency is None:
            agency = create_agency(None, code=agency_code, name="信访局",
                                   kind="petition_bureau", level="prefecture", parent=None)
        user = create_user(None, username=username, display_name=display_name, agency=agency,
                           roles={Role.ADMIN}, password=password, must_change_password=False)
    except ServiceError as exc:
        db.session.rollback()
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"administrator {user.username} created")


audit_cli = AppGroup("audit", help="The tamper-evident audit log.")
hub_cli.add_command(audit_cli)


@audit_cli.command("verify")
@click.option("--store/--no-store", default=True, help="Keep the result for the audit page.")
def audit_verify(store):
    """Check the hash chain; print OK or the first broken event and why."""
    from hub.audit.services import verify_and_store, verify_chain

    result = verify_and_store() if store else verify_chain()
    db.session.commit()
    click.echo(result.line())
    sys.exit(0 if result.ok else 1)


@hub_cli.command("check")
def check():
    """Check configuration, database and Redis; exit non-zero on a problem."""
    from hub.core.redis import redis_ok

    click.echo(f"database: {current_app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}: ok")
    click.echo("redis: " + ("ok" if redis_ok() else "unavailable"))


@hub_cli.command("deadline")
@click.argument("start", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("days", type=click.IntRange(1, 3650))
@click.argument("unit", type=click.Choice(["calendar", "working"]))
def deadline_command(start, days, unit):
    """Print the due date of a period of DAYS counted from START (check the calendar)."""
    from hub.deadlines.services import compute_due

    due = compute_due(start.date(), days, unit)
    suffix = "  暂定 (provisional: that year's holiday schedule is not loaded)" if due.provisional else ""
    click.echo(f"{due.on.isoformat()}{suffix}")


calendar_cli = AppGroup("calendar", help="The holiday calendar (节假日与调休).")
hub_cli.add_command(calendar_cli)


@calendar_cli.command("seed")
def calendar_seed():
    """Load every year the chinesecalendar package knows that is not loaded yet."""
    from hub.deadlines.calendar import seed_from_package

    added = seed_from_package()
    db.session.commit()
    click.echo(f"calendar years added: {', '.join(map(str, added)) or 'none'}")


@calendar_cli.command("load")
@click.argument("year", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def calendar_load(year, path):
    """Load YEAR's schedule from a file of lines: YYYY-MM-DD,holiday|workday,name."""
    from hub.core.errors import ServiceError
    from hub.deadlines.calendar import load_year, parse_year_file

    try:
        with open(path, encoding="utf-8") as fh:
            days = parse_year_file(fh.read(), year)
        recomputed = load_year(None, year, days)
    except ServiceError as exc:
        db.session.rollback()
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"{year}: {len(days)} days loaded; {recomputed} provisional deadlines recomputed")


notifications_cli = AppGroup("notifications", help="The notification outbox.")
hub_cli.add_command(notifications_cli)


@notifications_cli.command("retry")
def notifications_retry():
    """Give failed deliveries new attempts and enqueue every undelivered row now."""
    from hub.notifications import services
    from jobs.notifications import enqueue_deliveries

    reset = services.retry_failed()
    rows = services.due_for_delivery(grace=timedelta(0))
    db.session.commit()
    enqueued = enqueue_deliveries(rows)
    click.echo(f"failed rows reset: {reset}; undelivered rows enqueued: {enqueued} of {len(rows)}")


tallies_cli = AppGroup("tallies", help="The indicator tallies (指标汇总).")
hub_cli.add_command(tallies_cli)


@tallies_cli.command("check")
def tallies_check():
    """Recompute every case's tallies and correct any difference (as the nightly job)."""
    from hub.indicators.tallies import check

    run = check(commit=db.session.commit)
    db.session.commit()
    click.echo(f"tallies checked: {run.cases} cases; {run.corrected} corrected")


@tallies_cli.command("rebuild")
def tallies_rebuild():
    """Empty the tallies and count every case again."""
    from hub.indicators.tallies import rebuild

    counted = rebuild()
    db.session.commit()
    click.echo(f"tallies rebuilt: {counted} cases counted")


@hub_cli.command("chase")
def chase_command():
    """Run one chase sweep now and print what it did."""
    from hub.chase.sweep import run

    done = run()
    db.session.commit()
    if not done:
        click.echo("chase: nothing due")
        return
    click.echo("chase: " + ", ".join(f"{k} {v}" for k, v in sorted(done.items())))


token_cli = AppGroup("token", help="API tokens (for integration accounts).")
hub_cli.add_command(token_cli)


@token_cli.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--read-only", is_flag=True, help="Only GET requests.")
@click.option("--expires", "expires_days", type=click.IntRange(min=1, max=3650), default=None,
              metavar="DAYS", help="Expire after DAYS days (default: no expiry).")
def token_create(username, name, read_only, expires_days):
    """Issue an API token for USERNAME and print it once."""
    from hub.api import tokens
    from hub.auth.models import User
    from hub.core.errors import ServiceError

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        click.echo(f"error: no user {username!r}", err=True)
        sys.exit(1)
    try:
        text, _token = tokens.create(None, user, name, read_only=read_only,
                                     expires_days=expires_days)
    except ServiceError as exc:
        db.session.rollback()
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(text)


@hub_cli.command("backup")
@click.option("--to", "destination", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Folder for the archive (default: instance/backups).")
def backup_command(destination):
    """Back up the database and the stored files into one .tar.gz archive."""
    from hub.core.backup import BackupError, create_backup, read_manifest

    folder = destination or Path(current_app.instance_path) / "backups"
    try:
        archive = create_backup(folder)
    except BackupError as exc:
        click.echo(f"backup failed: {exc}", err=True)
        sys.exit(1)
    manifest = read_manifest(archive)
    rows = sum(manifest["tables"].values())
    click.echo(f"backup: {archive} ({archive.stat().st_size:,} bytes; {manifest['backend']}, "
               f"{len(manifest['tables'])} tables, {rows:,} rows, {manifest['files']} files, "
               f"audit events up to #{manifest['audit_head']['seq']})")


@hub_cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(archive):
    """Restore a backup into this hub's empty database and upload folder, then check it
    (row counts, file checksums, the audit chain); exit 1 on any difference."""
    from hub.core.backup import BackupError, restore_backup

    try:
        report = restore_backup(archive)
    except BackupError as exc:
        click.echo(f"restore refused: {exc}", err=True)
        sys.exit(1)
    rows = sum(report.manifest["tables"].values())
    click.echo(f"restored: {len(report.manifest['tables'])} tables, {rows:,} rows, "
               f"{report.files} files; audit chain: {report.audit_line}")
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    sys.exit(0 if report.ok else 1)
