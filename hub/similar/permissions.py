"""Who sees the clusters of similar cases (相似信访件聚类).

A cluster is computed over the cases that are not restricted — the prefecture-wide view of
the joint-meeting office — so it is seen by the users who see every such case: the
secretariat and auditors (with the capability to open the pages).  Its member cases are
still shown only through the case visibility rule, at display time: a case that became
restricted since the run is left out for whoever may not see it.
"""

from __future__ import annotations

from sqlalchemy import Select, false

from hub.auth.capabilities import Capability, can
from hub.auth.visibility import rule
from hub.cases.permissions import CASE_WIDE_ROLES
from hub.similar.models import ClusterRun, SimilarCluster


def sees_clusters(user) -> bool:
    return bool(user.roles & CASE_WIDE_ROLES) and can(user, Capability.SIMILAR_CLUSTERS)


def manages_clusters(user) -> bool:
    """Recompute and dismiss (排除): the joint-meeting office."""
    return user is not None and can(user, Capability.SIMILAR_CLUSTERS_MANAGE)


@rule(SimilarCluster)
def _clusters(user, stmt: Select) -> Select:
    return stmt if sees_clusters(user) else stmt.where(false())


@rule(ClusterRun)
def _runs(user, stmt: Select) -> Select:
    return stmt if sees_clusters(user) else stmt.where(false())
