"""Locust users of the load test (``bench/load/run.py`` starts the hub and runs this file).

A realistic mix of who uses the hub, each logged in over HTTP as a browser does (the login
form's CSRF token, the session cookie), thinking 1–3 s between pages:

- ``LiaisonUser``: a 联络员 working the handoff inbox (its tabs), the agency's mechanism
  board and a case opened from the board;
- ``LeaderUser``: a 包案领导 on 我的包案 and one of the cases listed there;
- ``SecretariatUser``: the 联席办 on the 指标 dashboard, the meetings (list and calendar) and
  the all-mechanisms board;
- ``ApiClient``: an integration reading ``/api/v1/cases`` with a bearer token (page 1 and a
  few pages further by the keyset cursor);
- ``TrivialUser``: the baseline on the same server — ``/healthz`` (one ``SELECT 1`` and a
  Redis ``PING``, no session, no template) and a static file.

Requests are named by page (``name=``) so the statistics group by page, not by URL.  Every
request fails on a status of 400 or more, a connection error, or an authenticated page
answered by a redirect to the login form.  Redirects are not followed: a page must answer
itself.

Settings come from the environment (``run.py`` sets them): ``HUB_LOAD_PASSWORD`` (the demo
accounts' password) and ``HUB_LOAD_TOKENS`` (a JSON file: a list of bearer tokens).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

PASSWORD = os.environ.get("HUB_LOAD_PASSWORD", "Bench-Pass-2026")
LIAISONS = ("liaison.xinfang", "liaison.jiwei", "liaison.xuncha", "liaison.zuzhi",
            "liaison.zhengfa")
LEADERS = ("leader.prefecture", "leader.mangshi")
INBOX_TABS = ("sign", "feedback", "overdue", "returned", "sent")
API_PAGES = 3  # an API client reads at most so many pages of one listing in a row
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CASE_LINK = re.compile(r'href="/cases/(\d+)"')
_counter = itertools.count()


def _tokens() -> list[str]:
    path = os.environ.get("HUB_LOAD_TOKENS")
    if not path:
        return []
    with open(path, encoding="utf-8") as f:
        return list(json.load(f))


class HubUser(FastHttpUser):
    """A browser user: logs in on start, fetches pages without following redirects."""

    abstract = True
    wait_time = between(1, 3)
    accounts: tuple[str, ...] = ()

    def on_start(self):
        self.username = self.accounts[next(_counter) % len(self.accounts)]
        with self.client.get("/login", name="login form", catch_response=True) as resp:
            match = CSRF.search(resp.text or "")
            if resp.status_code != 200 or not match:
                resp.failure(f"login form: {resp.status_code}, csrf token found: {bool(match)}")
                self.stop()
                return
            resp.success()
        form = {"csrf_token": match.group(1), "next": "", "username": self.username,
                "password": PASSWORD}
        with self.client.post("/login", data=form, name="login", allow_redirects=False,
                              catch_response=True) as resp:
            if resp.status_code != 302 or "/login" in (resp.headers.get("Location") or ""):
                resp.failure(f"login of {self.username} failed: {resp.status_code}")
                self.stop()
                return
            resp.success()

    def page(self, path: str, name: str) -> str:
        """GET an authenticated page; returns its text ("" when it failed)."""
        with self.client.get(path, name=name, allow_redirects=False,
                             catch_response=True) as resp:
            status = resp.status_code or 0
            if status >= 400 or status == 0:
                resp.failure(f"{status} for {path}")
                return ""
            if 300 <= status < 400 and "/login" in (resp.headers.get("Location") or ""):
                resp.failure(f"redirected to the login form from {path}")
                return ""
            resp.success()
            return resp.text or ""

    def open_a_case(self, html: str, name: str) -> None:
        ids = CASE_LINK.findall(html)
        if ids:
            self.page(f"/cases/{random.choice(ids)}", name)  # noqa: S311 - load mix


class LiaisonUser(HubUser):
    weight = 8
    accounts = LIAISONS

    def on_start(self):
        super().on_start()
        self.board_path = "/boards/all"
        # The agency's own board: where /boards sends this user.
        with self.client.get("/boards", name="board (redirect)", allow_redirects=False,
                             catch_response=True) as resp:
            location = resp.headers.get("Location") or ""
            if resp.status_code == 302 and "/boards/" in location:
                self.board_path = "/boards/" + location.split("/boards/", 1)[1]
                resp.success()
            else:
                resp.failure(f"/boards answered {resp.status_code} {location!r}")
        self.last_board = ""  # the board page last seen, where a case is opened from

    @task(3)
    def inbox(self):
        tab = random.choice(INBOX_TABS)  # noqa: S311 - load mix
        self.page(f"/handoffs?tab={tab}", "handoff inbox")

    @task(3)
    def board(self):
        self.last_board = self.page(self.board_path, "mechanism board")

    @task(2)
    def case_from_board(self):
        if not self.last_board:
            self.board()
        self.open_a_case(self.last_board, "case (from board)")


class LeaderUser(HubUser):
    weight = 3
    accounts = LEADERS
    last = ""  # 我的包案 as last seen, where a case is opened from

    @task(3)
    def mine(self):
        self.last = self.page("/baoan/mine", "我的包案")

    @task(2)
    def case(self):
        if not self.last:
            self.mine()
        self.open_a_case(self.last, "case (from 我的包案)")


class SecretariatUser(HubUser):
    weight = 3
    accounts = ("secretariat",)

    @task(3)
    def indicators(self):
        self.page("/indicators", "indicators dashboard")

    @task(2)
    def meetings(self):
        self.page("/meetings", "meetings list")

    @task(1)
    def calendar(self):
        view = random.choice(("week", "month"))  # noqa: S311 - load mix
        self.page(f"/meetings/calendar?view={view}", "meetings calendar")

    @task(3)
    def board(self):
        self.page("/boards/all", "all-mechanisms board")


class ApiClient(FastHttpUser):
    weight = 4
    wait_time = between(1, 3)

    def on_start(self):
        tokens = _tokens()
        if not tokens:
            raise RuntimeError("HUB_LOAD_TOKENS names no token file (run through run.py)")
        token = tokens[next(_counter) % len(tokens)]
        self.headers = {"Authorization": f"Bearer {token}"}

    def _get(self, path: str, name: str) -> dict | None:
        with self.client.get(path, name=name, headers=self.headers,
                             catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"{resp.status_code} for {path}")
                return None
            try:
                body = json.loads(resp.text)
            except ValueError:
                resp.failure(f"not JSON from {path}")
                return None
            resp.success()
            return body

    @task
    def cases(self):
        body = self._get("/api/v1/cases?limit=50", "api cases (page 1)")
        for _ in range(random.randint(0, API_PAGES - 1)):  # noqa: S311 - load mix
            if not body or not body.get("next_after"):
                break
            body = self._get(f"/api/v1/cases?limit=50&after={body['next_after']}",
                             "api cases (next page)")


class TrivialUser(FastHttpUser):
    """The baseline: the cheapest pages the same gunicorn serves."""

    weight = 2
    wait_time = between(1, 3)

    @task(3)
    def healthz(self):
        with self.client.get("/healthz", name="trivial /healthz", catch_response=True) as resp:
            try:
                status = json.loads(resp.text or "{}").get("status")
            except ValueError:
                status = None
            if resp.status_code != 200 or status != "ok":
                resp.failure(f"/healthz {resp.status_code}: {(resp.text or '')[:80]}")
            else:
                resp.success()

    @task(1)
    def static(self):
        self.client.get("/static/css/hub.css", name="trivial static file")
