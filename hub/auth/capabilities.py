"""The one capability table: role → what it may do.

Every view declares what it needs with ``@requires(Capability.X)`` (or ``@public`` /
``@login_only``); a view with no declaration is refused (see ``hub.auth.access``), and the
route × role test walks every route against this table.
"""

from __future__ import annotations

from enum import StrEnum

from hub.auth.roles import Role


class Capability(StrEnum):
    AGENCIES_VIEW = "agencies:view"  # see agency details within visibility
    AGENCIES_MANAGE = "agencies:manage"  # create, edit, move, deactivate
    USERS_MANAGE = "users:manage"  # create, edit, disable, reset, end sessions
    AUDIT_VIEW = "audit:view"  # browse the audit log
    CALENDAR_MANAGE = "calendar:manage"  # holiday calendar (节假日与调休)
    CASES_VIEW = "cases:view"  # case pages and boards, within visibility
    CASES_REGISTER = "cases:register"  # 登记 (the service also checks the agency)
    CASES_WORK = "cases:work"  # lifecycle steps (the service checks agency and status)
    ATTACHMENTS_VIEW = "attachments:view"  # list and download, when the owning object is visible
    ATTACHMENTS_ADD = "attachments:add"  # upload to an object the user may see
    BAOAN_OWN = "baoan:own"  # 我的包案: a leader's own cases and duties
    BAOAN_VIEW = "baoan:view"  # all 包案 with filters and counts
    BAOAN_MANAGE = "baoan:manage"  # assign, waive, verify and close (销号)
    HANDOFFS_VIEW = "handoffs:view"  # handoffs of the user's agency (all, for the secretariat)
    HANDOFFS_WORK = "handoffs:work"  # send, sign, object, feed back, confirm (services check sides)
    MEETINGS_VIEW = "meetings:view"  # my meetings, answers, my meeting tasks
    MEETINGS_MANAGE = "meetings:manage"  # schedule and run meetings, agenda, outcomes, minutes
    NOTIFICATIONS_ADMIN = "notifications:admin"  # delivery failures and retries
    JOBS_ADMIN = "jobs:admin"  # 任务队列: queues, workers, failed background jobs and retries
    RULES_MANAGE = "rules:manage"  # rule settings such as the 五包 duty template
    INDICATORS_VIEW = "indicators:view"  # 指标看板: counts within the user's visibility
    REPORTS_VIEW = "reports:view"  # the monthly 通报 and 台账 (prefecture-wide)
    REPORTS_MANAGE = "reports:manage"  # generate them on demand
    REVIEW_VIEW = "review:view"  # 评查 rounds, their scores and reports
    REVIEW_MANAGE = "review:manage"  # open and close rounds, pick cases, assign, send 整改
    REVIEW_SCORE = "review:score"  # score the cases one is assigned (the service checks who)
    REVIEW_CHECKLIST = "review:checklist"  # edit the 评查 checklist
    # 基层治理: 三·三制 disputes, the monthly screening (三张清单) and the collection points,
    # within the user's territory (hub.agencies.territory)
    GRASSROOTS_VIEW = "grassroots:view"
    GRASSROOTS_WORK = "grassroots:work"  # record and change them (the services check where)
    # 政策完善建议: proposals addressed to the user's agency (all, for the secretariat)
    PROPOSALS_VIEW = "proposals:view"
    PROPOSALS_MANAGE = "proposals:manage"  # draft, send, put on an agenda, check, close
    PROPOSALS_ANSWER = "proposals:answer"  # answer and record measures (the service checks who)
    # 相似信访件聚类: the clusters of similar cases behind many petitions (not restricted ones)
    SIMILAR_CLUSTERS = "similar:clusters"  # see the clusters and their member cases
    SIMILAR_CLUSTERS_MANAGE = "similar:clusters_manage"  # recompute, dismiss (排除)


ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.ADMIN: frozenset(
        {
            Capability.AGENCIES_VIEW,
            Capability.AGENCIES_MANAGE,
            Capability.USERS_MANAGE,
            Capability.AUDIT_VIEW,
            Capability.CALENDAR_MANAGE,
            Capability.NOTIFICATIONS_ADMIN,
            Capability.JOBS_ADMIN,
            Capability.RULES_MANAGE,
            Capability.REVIEW_CHECKLIST,
        }
    ),
    Role.SECRETARIAT: frozenset(
        {Capability.AGENCIES_VIEW, Capability.CASES_VIEW, Capability.CASES_REGISTER,
         Capability.CASES_WORK, Capability.BAOAN_VIEW, Capability.BAOAN_MANAGE,
         Capability.HANDOFFS_VIEW, Capability.HANDOFFS_WORK,
         Capability.ATTACHMENTS_VIEW, Capability.ATTACHMENTS_ADD,
         Capability.MEETINGS_VIEW, Capability.MEETINGS_MANAGE, Capability.INDICATORS_VIEW,
         Capability.REPORTS_VIEW, Capability.REPORTS_MANAGE, Capability.REVIEW_VIEW,
         Capability.REVIEW_MANAGE, Capability.REVIEW_SCORE,
         Capability.GRASSROOTS_VIEW, Capability.GRASSROOTS_WORK,
         Capability.SIMILAR_CLUSTERS, Capability.SIMILAR_CLUSTERS_MANAGE,
         Capability.PROPOSALS_VIEW, Capability.PROPOSALS_MANAGE, Capability.PROPOSALS_ANSWER}
    ),
    Role.LIAISON: frozenset(
        {Capability.AGENCIES_VIEW, Capability.CASES_VIEW, Capability.CASES_REGISTER,
         Capability.CASES_WORK, Capability.HANDOFFS_VIEW, Capability.HANDOFFS_WORK,
         Capability.ATTACHMENTS_VIEW, Capability.ATTACHMENTS_ADD, Capability.MEETINGS_VIEW,
         Capability.INDICATORS_VIEW, Capability.GRASSROOTS_VIEW, Capability.GRASSROOTS_WORK,
         Capability.PROPOSALS_VIEW, Capability.PROPOSALS_ANSWER}
    ),
    Role.LEADER: frozenset({Capability.AGENCIES_VIEW, Capability.CASES_VIEW, Capability.BAOAN_OWN,
                            Capability.ATTACHMENTS_VIEW, Capability.MEETINGS_VIEW,
                            Capability.INDICATORS_VIEW, Capability.GRASSROOTS_VIEW,
                            Capability.PROPOSALS_VIEW}),
    Role.AUDITOR: frozenset({Capability.AGENCIES_VIEW, Capability.AUDIT_VIEW, Capability.CASES_VIEW,
                             Capability.BAOAN_VIEW, Capability.HANDOFFS_VIEW,
                             Capability.ATTACHMENTS_VIEW, Capability.MEETINGS_VIEW,
                             Capability.INDICATORS_VIEW, Capability.REPORTS_VIEW,
                             Capability.REVIEW_VIEW, Capability.GRASSROOTS_VIEW,
                             Capability.SIMILAR_CLUSTERS, Capability.PROPOSALS_VIEW}),
}


def capabilities_of(user) -> frozenset[Capability]:
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    caps: set[Capability] = set()
    for role in user.roles:
        caps |= ROLE_CAPABILITIES.get(role, frozenset())
    return frozenset(caps)


def can(user, capability: Capability) -> bool:
    return capability in capabilities_of(user)
