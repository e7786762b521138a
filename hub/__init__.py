"""信访+ joint supervision hub: the application factory."""

from __future__ import annotations

from flask import Flask

from hub.config import PROJECT_ROOT, flask_config, load_settings


def create_app(overrides: dict | None = None, environ: dict | None = None) -> Flask:
    """Build the app: settings, extensions, plug-ins, blueprints.  Nothing else."""
    settings = load_settings(environ)
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(flask_config(settings))
    app.config["HUB_LOCALES"] = ("zh_CN", "en")
    app.json.ensure_ascii = False
    if overrides:
        app.config.update(overrides)
    if app.config["HUB_PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["HUB_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from hub import extensions
    from hub.core import web

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(PROJECT_ROOT / "migrations"))
    extensions.csrf.init_app(app)
    extensions.login_manager.init_app(app)
    extensions.babel.init_app(app, locale_selector=web.select_locale,
                              timezone_selector=web.select_timezone)

    from agencies import registry

    registry.load(app.config["HUB_AGENCY_PLUGINS"])

    _import_models()
    web.init_app(app)
    from hub import observability

    observability.init_app(app)  # request ids, JSON logs, latency metric
    _register_blueprints(app)
    from hub.api import setup as api_setup

    api_setup.init_app(app)

    from hub.cli import hub_cli

    app.cli.add_command(hub_cli)
    return app


def _import_models() -> None:
    """Make every model known to SQLAlchemy (and so to Alembic)."""
    import hub.agencies.models  # noqa: F401
    import hub.api.models  # noqa: F401
    import hub.attachments.models  # noqa: F401
    import hub.audit.models  # noqa: F401
    import hub.auth.models  # noqa: F401
    import hub.auth.sessions  # noqa: F401 - registers the session loader
    import hub.baoan.models  # noqa: F401
    import hub.baoan.permissions  # noqa: F401 - registers the 包案 visibility rules
    import hub.cases.models  # noqa: F401
    import hub.cases.permissions  # noqa: F401 - registers the case visibility rule
    import hub.cases.steps  # noqa: F401 - keeps cases in step when deadlines move
    import hub.chase.models  # noqa: F401
    import hub.deadlines.models  # noqa: F401
    import hub.handoffs.models  # noqa: F401
    import hub.handoffs.permissions  # noqa: F401 - registers the handoff visibility rule
    import hub.indicators.models  # noqa: F401
    import hub.indicators.tallies  # noqa: F401 - keeps the indicator tallies in step
    import hub.inspection.models  # noqa: F401
    import hub.inspection.permissions  # noqa: F401 - round visibility, the round field's choices
    import hub.mediation.models  # noqa: F401
    import hub.mediation.permissions  # noqa: F401 - registers the dispute visibility rule
    import hub.meetings.models  # noqa: F401
    import hub.meetings.permissions  # noqa: F401 - registers the meeting visibility rule
    import hub.notifications.models  # noqa: F401
    import hub.notifications.services  # noqa: F401 - after-commit delivery enqueue
    import hub.proposals.models  # noqa: F401
    import hub.proposals.permissions  # noqa: F401 - registers the proposal visibility rule
    import hub.public.models  # noqa: F401
    import hub.review.models  # noqa: F401
    import hub.review.permissions  # noqa: F401 - 评查 visibility, the round field's choices
    import hub.screening.models  # noqa: F401
    import hub.screening.permissions  # noqa: F401 - screening and key person visibility
    import hub.similar.clusters  # noqa: F401 - after-commit enqueue of clustering runs
    import hub.similar.indexing  # noqa: F401 - keeps the similar-cases index in step
    import hub.similar.models  # noqa: F401
    import hub.similar.permissions  # noqa: F401 - registers the cluster visibility rule
    import hub.sources.models  # noqa: F401
    import hub.sources.permissions  # noqa: F401 - collection point visibility
    import hub.transfers.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from hub.agencies.views import bp as agencies_bp
    from hub.api.views import bp as api_tokens_bp
    from hub.attachments.views import bp as attachments_bp
    from hub.audit.views import bp as audit_bp
    from hub.auth.views import bp as auth_bp
    from hub.baoan.views import bp as baoan_bp
    from hub.boards.views import bp as boards_bp
    from hub.cases.views import bp as cases_bp
    from hub.core.views import bp as core_bp
    from hub.deadlines.views import bp as calendar_bp
    from hub.handoffs.views import bp as handoffs_bp
    from hub.indicators.views import bp as indicators_bp
    from hub.inspection.views import bp as inspection_bp
    from hub.mediation.views import bp as mediation_bp
    from hub.meetings.views import bp as meetings_bp
    from hub.notifications.views import bp as notifications_bp
    from hub.observability.views import bp as observability_bp
    from hub.proposals.views import bp as proposals_bp
    from hub.public.staff_views import bp as portal_staff_bp
    from hub.public.views import bp as public_bp
    from hub.review.views import bp as review_bp
    from hub.screening.views import bp as screening_bp
    from hub.similar.views import bp as similar_bp
    from hub.sources.views import bp as sources_bp
    from hub.transfers.views import bp as transfers_bp
    from hub.users.views import bp as users_bp

    for bp in (core_bp, auth_bp, agencies_bp, users_bp, audit_bp, calendar_bp, cases_bp,
               boards_bp, notifications_bp, baoan_bp, handoffs_bp,
               inspection_bp, attachments_bp, meetings_bp, api_tokens_bp, transfers_bp, indicators_bp,
               review_bp, public_bp, portal_staff_bp, mediation_bp, screening_bp,
               sources_bp, similar_bp, proposals_bp, observability_bp):
        app.register_blueprint(bp)
