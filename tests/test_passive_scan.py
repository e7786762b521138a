"""A passive security scan of the running hub, in the spirit of an OWASP ZAP baseline scan.

The hub is started as production starts it (gunicorn with ``hub.runner``'s command) on a
loopback port, against a fresh database copy holding the full demo.  The scan logs in over
HTTP as the secretariat and as a liaison, crawls the same-origin GET links it is shown
(breadth-first, capped), visits the anonymous pages (login, the public portal, error pages)
and checks every response it gets: security headers, caching, cookies, the HTML (inline
script, event handlers, ``javascript:`` URLs, mixed content, CSRF fields, password
autocomplete) and leaks (tracebacks, SQL errors, file-system paths).  It only looks: the
one request that changes anything is the login (and the final logout)."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import time
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

from hub.core.services import stop_tree
from hub.extensions import db
from hub.runner import web_command
from tests.conftest import DEMO_PASSWORD, SECRET
from tests.servers import _free_port

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
PAGES_PER_USER = 150  # cap of the authenticated crawl, per user
PAGES_PUBLIC = 40  # cap of the anonymous crawl of the portal
VARIANTS_PER_SHAPE = 3  # at most so many URLs of one shape (/cases/N?page=) per user
DOWNLOADS_PER_SHAPE = 1  # downloads: headers checked, one of each shape per user
REQUEST_TIMEOUT = 30  # seconds, each request
CRAWL_BUDGET = 150  # seconds, the whole scan (a bound, not the expected time)
BODY_LIMIT = 5 * 1024 * 1024
USERS = ("secretariat", "liaison.jiwei")
SESSION_COOKIE = "hub_session"
# Downloads are not pages (not parsed nor followed): spreadsheets, calendars, QR codes, CSV,
# attachments, exports.
DOWNLOAD_SUFFIXES = (".xlsx", ".ics", ".png", ".svg", ".csv", ".pdf", ".zip")
DOWNLOAD_PARTS = ("/attachments/", "/download", "/imports/template.")
# The 一县一码 QR codes: the same image for everyone (it names the portal's address only),
# shown in the posters' pages and printed; the hub marks them public and cacheable, inline.
PUBLIC_IMAGES = re.compile(r"/public/codes/[a-z]+/(\d+/)?qr\.(png|svg)$")
ERROR_TITLES = {400: "请求有误", 403: "没有权限", 404: "页面不存在", 405: "不支持的请求方式"}
LEAKS = [
    (re.compile(r"Traceback \(most recent call last\)"), "Python traceback"),
    (re.compile(r'File "[^"]+", line \d+'), "traceback frame"),
    (re.compile(r"werkzeug", re.I), "werkzeug debugger/text"),
    (re.compile(r"__debugger__|The debugger caught an exception", re.I), "debugger"),
    (re.compile(r"sqlalchemy", re.I), "SQLAlchemy error text"),
    (re.compile(r"psycopg", re.I), "psycopg error text"),
    (re.compile(r"sqlite3", re.I), "sqlite3 error text"),
    (re.compile(r"OperationalError|IntegrityError|ProgrammingError"), "database error class"),
    (re.compile(r"site-packages"), "site-packages path"),
    (re.compile(r"/work/"), "project path"),
]
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
                    "Permissions-Policy")


class Response:
    def __init__(self, method, url, status, headers, body):
        self.method, self.url, self.status, self.body = method, url, status, body
        self.header_list = headers  # [(name, value)], repeated names kept

    def header(self, name):
        values = self.headers(name)
        return values[0] if values else None

    def headers(self, name):
        return [v for k, v in self.header_list if k.lower() == name.lower()]

    @property
    def content_type(self):
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __str__(self):
        return f"{self.method} {self.url} ({self.status})"


class Browser:
    """A minimal HTTP client with a cookie jar; redirects are not followed (the crawl
    queues them), so every response is seen."""

    def __init__(self, port, name):
        self.port, self.name = port, name
        self.cookies: dict[str, str] = {}

    def request(self, method, path, form=None) -> Response:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        sent = {}
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            raw = conn.getresponse()
            data = raw.read(BODY_LIMIT)
            raw.close()
            resp = Response(method, path, raw.status, raw.getheaders(), data)
        finally:
            conn.close()
        for cookie in resp.headers("Set-Cookie"):
            name, _, rest = cookie.partition("=")
            value = rest.split(";")[0]
            attrs = cookie.lower()
            if value in ("", '""') or "max-age=0" in attrs or "expires=thu, 01 jan 1970" in attrs:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return resp

    def get(self, path):
        return self.request("GET", path)


class PageParser(HTMLParser):
    """What the checks need from a page: links, forms and their fields, and the offending
    markup (inline script, event handlers, ``javascript:`` URLs, other hosts' http:// URLs)."""

    URL_ATTRS = ("href", "src", "action", "formaction", "hx-get", "hx-post", "hx-put",
                 "hx-patch", "hx-delete", "poster", "data", "cite", "srcset")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []  # GET targets to crawl
        self.assets: list[str] = []  # stylesheets, scripts, images (checked, not parsed)
        self.forms: list[dict] = []  # method, action and the CSRF token's value
        self.form: dict | None = None  # the form being read
        self.problems: list[str] = []
        self.in_script = False
        self.script_text = ""

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        for name, value in a.items():
            if name.startswith("on"):
                self.problems.append(f"event handler attribute <{tag} {name}=…>")
            if name in self.URL_ATTRS or name.startswith("data-") and "url" in name:
                stripped = re.sub(r"\s", "", value).lower()
                if stripped.startswith("javascript:"):
                    self.problems.append(f"javascript: URL in <{tag} {name}>")
                if stripped.startswith("http://"):
                    self.problems.append(f"absolute http:// URL <{tag} {name}={value!r}>")
        if tag == "script":
            if "src" in a:
                self.assets.append(a["src"])
            else:
                self.in_script, self.script_text = True, ""
                if a.get("type", "").lower() not in ("", "text/javascript", "module"):
                    self.in_script = False  # a data block (JSON) runs nothing
        elif tag == "link" and "stylesheet" in a.get("rel", "").lower():
            self.assets.append(a.get("href", ""))
        elif tag == "img" and "src" in a:
            self.assets.append(a["src"])
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])
            if a.get("target", "").lower() == "_blank" and not (
                    {"noopener", "noreferrer"} & set(a.get("rel", "").lower().split())):
                self.problems.append(f"target=_blank without rel=noopener: {a['href']}")
        if "hx-get" in a:
            self.links.append(a["hx-get"])
        if tag == "form":
            self.form = {"method": a.get("method", "get").lower(), "action": a.get("action", "")}
            self.forms.append(self.form)
        if tag == "input" and a.get("type", "").lower() == "password":
            if a.get("autocomplete", "").lower() not in ("current-password", "new-password",
                                                          "off"):
                self.problems.append(
                    f"password input {a.get('name')!r} without autocomplete "
                    f"current-password/new-password/off ({a.get('autocomplete')!r})")
        if tag == "input" and self.form is not None and _is_csrf_field(a.get("name", "")):
            self.form["csrf_value"] = a.get("value", "")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self.in_script:
            self.script_text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        if tag == "script" and self.in_script:
            self.in_script = False
            self.problems.append(f"inline <script> without src: {self.script_text.strip()[:60]!r}")


def _is_csrf_field(name: str) -> bool:
    # A form with a prefix names it "<prefix>-csrf_token"; Flask-WTF's check takes any form
    # field whose name ends in csrf_token.
    return name == "csrf_token" or name.endswith("-csrf_token")


def parse(resp: Response) -> PageParser:
    parser = PageParser()
    parser.feed(resp.text)
    parser.close()
    return parser


def is_html(resp):
    return resp.content_type in ("text/html", "application/xhtml+xml")


def is_text(resp):
    ct = resp.content_type
    return ct.startswith("text/") or ct.endswith(("json", "javascript", "xml"))


def _directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    return out


class Scan:
    def __init__(self, port, secrets=()):
        self.port = port
        self.origin = f"{HOST}:{port}"
        self.findings: list[str] = []
        self.secrets = [s for s in secrets if s]  # strings no body may contain (paths)
        self.session_values: set[str] = set()  # session cookie values: never in a URL
        self.downloads: list[Response] = []

    def add(self, resp, problem):
        finding = f"{resp}: {problem}"
        if finding not in self.findings:
            self.findings.append(finding)

    def check(self, resp: Response, authenticated: bool) -> PageParser | None:
        """Every passive check on one response; returns the parsed page for HTML."""
        # A static file may be cached; a static URL's error page (with the user's name and
        # CSRF token in its header, when logged in) may not.
        path = urlsplit(resp.url).path
        static = path.startswith("/static/") and resp.status in (200, 304)
        self._check_headers(resp, authenticated, static or PUBLIC_IMAGES.match(path))
        self._check_cookies(resp)
        for url in (resp.url, resp.header("Location") or ""):
            if self._has_session(url):
                self.add(resp, f"session cookie in a URL: {url[:80]}")
        if resp.status >= 500:
            self.add(resp, f"server error {resp.status}")
        if resp.body and not resp.header("Content-Type"):
            self.add(resp, "body without Content-Type")
        if not is_text(resp):
            return None
        text = resp.text
        for pattern, what in LEAKS:
            if pattern.search(text):
                self.add(resp, f"body leaks {what}: {pattern.search(text).group(0)!r}")
        for secret in self.secrets:
            if secret in text:
                self.add(resp, f"body leaks the path {secret!r}")
        if not is_html(resp):
            return None
        if "charset=utf-8" not in (resp.header("Content-Type") or "").lower().replace(" ", ""):
            self.add(resp, f"HTML without charset=utf-8: {resp.header('Content-Type')!r}")
        page = parse(resp)
        for problem in page.problems:
            if "absolute http:// URL" in problem and f"http://{self.origin}/" in problem:
                continue  # this host (a QR code's target): not mixed content
            self.add(resp, problem)
        for form in page.forms:
            if form["method"] == "post" and not form.get("csrf_value"):
                self.add(resp, f"POST form to {form['action']!r} without a csrf_token field")
        for link in page.links + page.assets + [f["action"] for f in page.forms]:
            if self._has_session(link):
                self.add(resp, f"session cookie in a link: {link[:80]}")
        return page

    def _has_session(self, url):
        return SESSION_COOKIE in url or any(
            token in self.session_values for token in re.findall(r"[\w.-]{20,}", url))

    def _check_headers(self, resp, authenticated, static):
        for name in SECURITY_HEADERS:
            if not resp.header(name):
                self.add(resp, f"missing {name}")
        csp = _directives(resp.header("Content-Security-Policy") or "")
        scripts = csp.get("script-src", csp.get("default-src"))
        if scripts is None:
            self.add(resp, "CSP without script-src/default-src")
        else:
            for bad in ("'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "data:"):
                if bad in scripts:
                    self.add(resp, f"CSP script-src allows {bad}")
        if csp and "object-src" not in csp and "'none'" not in csp.get("default-src", []):
            self.add(resp, "CSP without object-src 'none'")
        if (resp.header("X-Content-Type-Options") or "").lower() != "nosniff":
            self.add(resp, "X-Content-Type-Options is not nosniff")
        frame = csp.get("frame-ancestors")
        if (resp.header("X-Frame-Options") or "").upper() != "DENY" and frame not in (
                ["'none'"], ["'self'"]):
            self.add(resp, "framing allowed (no X-Frame-Options DENY nor frame-ancestors)")
        referrer = (resp.header("Referrer-Policy") or "").lower()
        if referrer in ("unsafe-url", "no-referrer-when-downgrade"):
            self.add(resp, f"Referrer-Policy {referrer} leaks full URLs")
        server = resp.header("Server") or ""
        if re.search(r"\d", server):
            self.add(resp, f"Server header reveals a version: {server!r}")
        for name in ("X-Powered-By", "X-AspNet-Version", "X-Runtime"):
            if resp.header(name):
                self.add(resp, f"{name} header: {resp.header(name)!r}")
        if resp.header("Access-Control-Allow-Origin") == "*":
            self.add(resp, "Access-Control-Allow-Origin: *")
        # Static files may be cached (they hold nothing of anyone's).  Every other response
        # must not be: logged in, pages hold the cases; anonymous, the portal shows a
        # petitioner their own petition and the login form carries a CSRF token.
        if not static and "no-store" not in (resp.header("Cache-Control") or "").lower():
            who = "authenticated" if authenticated else "anonymous"
            self.add(resp, f"{who} response without Cache-Control: no-store "
                           f"({resp.header('Cache-Control')!r})")

    def _check_cookies(self, resp):
        for cookie in resp.headers("Set-Cookie"):
            name, _, rest = cookie.partition("=")
            name = name.strip()
            if name == SESSION_COOKIE and rest.split(";")[0]:
                self.session_values.add(rest.split(";")[0])
            attrs = [a.strip().lower() for a in cookie.split(";")[1:]]
            if "httponly" not in attrs:
                self.add(resp, f"cookie {name} without HttpOnly")
            if not any(a.startswith("samesite=") for a in attrs):
                self.add(resp, f"cookie {name} without SameSite")
            elif "samesite=none" in attrs:
                self.add(resp, f"cookie {name} with SameSite=None")
            if any(a.startswith("domain=") for a in attrs):
                self.add(resp, f"cookie {name} scoped to a domain: {cookie}")

    def check_error_page(self, resp, status, title=None, authenticated=False):
        """An error page: the status expected, in Chinese, with its Chinese title."""
        self.check(resp, authenticated)
        title = title or ERROR_TITLES[status]
        if resp.status != status:
            self.add(resp, f"expected status {status}")
        text = resp.text
        if title not in text:
            self.add(resp, f"error page without its Chinese title {title!r}")
        if 'lang="zh-CN"' not in text:
            self.add(resp, "error page not marked lang=zh-CN")

    def url_of(self, base, link):
        """The same-origin path (with query) a link names, or None."""
        if not link or link.startswith(("#", "mailto:", "tel:", "data:")) or "{" in link:
            return None
        full = urljoin(f"http://{self.origin}{base}", link.strip())
        parts = urlsplit(full)
        if parts.scheme != "http" or parts.netloc != self.origin:
            return None  # another host: never requested
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def crawl(self, browser, start, limit, authenticated, deadline):
        """Breadth-first over the same-origin GET links from ``start``: at most ``limit``
        pages.  Stylesheets and scripts are fetched once each, downloads once per shape:
        their responses are checked, not parsed."""
        seen, queue, shapes = set(), deque(start), {}
        pages = 0
        while queue and pages < limit and time.monotonic() < deadline:
            url = queue.popleft()
            if url in seen:
                continue
            seen.add(url)
            path = urlsplit(url).path
            if path == "/logout":
                continue
            if path.startswith("/static/"):
                self.check(browser.get(url), authenticated)
                continue
            download = path.endswith(DOWNLOAD_SUFFIXES) or any(p in path for p in DOWNLOAD_PARTS)
            if download:  # one per kind: a QR code, an attachment, an .xlsx of a module
                shape = path.split("/")[1] + next(
                    (x for x in DOWNLOAD_SUFFIXES + DOWNLOAD_PARTS if x in path), "")
            else:
                shape = re.sub(r"\d+", "N", path) + "?" + ",".join(
                    sorted(re.findall(r"(?:^|&)([^=&]+)=", urlsplit(url).query)))
            shapes[shape] = shapes.get(shape, 0) + 1
            if shapes[shape] > (DOWNLOADS_PER_SHAPE if download else VARIANTS_PER_SHAPE):
                continue
            resp = browser.get(url)
            if download:
                self.downloads.append(resp)
                self.check(resp, authenticated)
                if resp.status == 200 and not PUBLIC_IMAGES.match(path) and "attachment" not in (
                        resp.header("Content-Disposition") or ""):
                    self.add(resp, "download not sent as an attachment (Content-Disposition)")
                continue
            pages += 1
            page = self.check(resp, authenticated)
            location = resp.header("Location")
            if location:
                if authenticated and urlsplit(location).path == "/login":
                    self.add(resp, f"logged out during the crawl ({browser.name})")
                    break
                target = self.url_of(url, location)
                if target:
                    queue.append(target)
            if page is None:
                continue
            for link in page.links + page.assets:
                target = self.url_of(url, link)
                if target and target not in seen:
                    queue.append(target)
        return pages


def _csrf_token(page: PageParser) -> str:
    for form in page.forms:
        if form.get("csrf_value"):
            return form["csrf_value"]
    raise AssertionError("no csrf_token in the page's forms")


def _login(scan, browser, username):
    page = scan.check(browser.get("/login"), authenticated=False)
    before = browser.cookies.get(SESSION_COOKIE)
    resp = browser.request("POST", "/login", form={
        "csrf_token": _csrf_token(page), "next": "", "username": username,
        "password": DEMO_PASSWORD})
    scan.check(resp, authenticated=False)
    assert resp.status == 302 and urlsplit(resp.header("Location")).path != "/login", (
        username, resp.status, resp.text[:300])
    session = browser.cookies.get(SESSION_COOKIE)
    assert session, "no session cookie after logging in"
    if session == before:
        scan.add(resp, "session cookie not renewed at login (session fixation)")


def _start_server(app, workdir, port, log_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               HUB_INSTANCE_PATH=str(workdir / "instance"), HUB_SECRET_KEY=SECRET,
               HUB_DEMO_PASSWORD=DEMO_PASSWORD, HUB_REDIS_URL=app.config["HUB_REDIS_URL"])
    with open(log_path, "wb") as log:
        return subprocess.Popen(web_command(port), cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _wait_until_serving(proc, port, log_path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            with conn.getresponse() as resp:
                resp.read()
                if resp.status == 200:
                    return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not start (exit {proc.poll()}):\n"
                         + log_path.read_text(errors="replace")[-3000:])


def _load_demo(app) -> list[str]:
    """The demo, plus a file of each kind the demo lacks (a case's attachment, a finished
    export); returns the pages that link to those, where the secretariat's crawl starts."""
    from io import BytesIO

    from sqlalchemy import select
    from werkzeug.datastructures import FileStorage

    from hub.attachments.services import store
    from hub.cases.demo import load_demo_cases
    from hub.cases.models import Case
    from hub.demo import load_full_demo
    from hub.transfers import services as transfers
    from hub.transfers.models import FileJob
    from tests.conftest import user_named

    with app.app_context(), app.test_request_context():
        # Every kind of object of the demo, with fewer cases than its 300 (a page shape is
        # crawled a few times only): the rest of the demo builds on these.
        load_demo_cases(count=40)
        load_full_demo()
        secretariat = user_named("secretariat")
        case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
        store(secretariat, "cases", case.id,
              FileStorage(BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="scan.pdf"))
        job = FileJob(kind="export", user_id=secretariat.id, agency_id=secretariat.agency_id,
                      state="done", source="board", filename="scan.xlsx", result={},
                      stored_name=f"scan-{secretariat.id}.xlsx", params={"board": "all"})
        db.session.add(job)
        db.session.flush()
        transfers.stored_path(job).parent.mkdir(parents=True, exist_ok=True)
        transfers.stored_path(job).write_bytes(b"PK")
        db.session.commit()
        starts = ["/", f"/cases/{case.id}", "/exports"]
        db.session.remove()
        db.engine.dispose()
    return starts


def test_passive_scan_of_the_running_hub(make_app, workdir):
    app = make_app()
    starts = _load_demo(app)
    port = _free_port()
    log_path = workdir / f"gunicorn-scan-{port}.log"
    scan = Scan(port, secrets=[str(ROOT) + "/", str(workdir)])
    proc = _start_server(app, workdir, port, log_path)
    crawled = {}
    try:
        _wait_until_serving(proc, port, log_path)
        deadline = time.monotonic() + CRAWL_BUDGET
        _scan_anonymous(scan, port, deadline)
        for username in USERS:
            browser = Browser(port, username)
            _login(scan, browser, username)
            start = starts if username == "secretariat" else ["/"]
            crawled[username] = scan.crawl(browser, start, PAGES_PER_USER, True, deadline)
            _scan_user_errors(scan, browser, username)
            _logout(scan, browser)
        assert time.monotonic() < deadline, "the scan ran out of time"
    finally:
        stop_tree(proc)
    # The crawl did reach the hub's pages and files (a broken login or link parser would
    # scan nothing and find nothing).
    assert all(n >= 30 for n in crawled.values()), crawled
    fetched = {urlsplit(r.url).path.split("/")[1] for r in scan.downloads if r.status == 200}
    assert {"attachments", "exports", "imports", "meetings", "public"} <= fetched, fetched
    assert scan.findings == [], "\n".join(scan.findings)


def _scan_anonymous(scan, port, deadline):
    anon = Browser(port, "anonymous")
    home = anon.get("/")
    scan.check(home, authenticated=False)
    assert home.status == 302 and urlsplit(home.header("Location")).path == "/login"
    login_page = scan.check(anon.get("/login"), authenticated=False)
    assert login_page is not None and login_page.forms
    scan.check(anon.get("/healthz"), authenticated=False)
    scan.check(anon.get("/api/v1/cases"), authenticated=False)  # 401, JSON
    public = scan.crawl(anon, ["/public/"], PAGES_PUBLIC, False, deadline)
    assert public >= 5, public
    scan.check_error_page(anon.get("/no/such/page"), 404)
    scan.check_error_page(anon.get("/public/no/such/page"), 404)  # the portal's own layout
    scan.check_error_page(anon.get("/static/no-such-file.js"), 404)
    scan.check_error_page(anon.get("/logout"), 405)  # POST only
    scan.check_error_page(anon.get("/public/text-size"), 405)
    bad = anon.request("POST", "/login", form={"csrf_token": "forged", "username": "admin",
                                               "password": "x"})
    scan.check_error_page(bad, 400, title="安全校验未通过")
    bad = anon.request("POST", "/public/track", form={"csrf_token": "forged", "code": "x"})
    scan.check_error_page(bad, 400, title="安全校验未通过")
    scan.check_error_page(anon.request("POST", "/login", form={"username": "admin"}), 400,
                          title="安全校验未通过")  # no token at all


def _scan_user_errors(scan, browser, username):
    def check(resp, status, title=None):
        scan.check_error_page(resp, status, title, authenticated=True)

    check(browser.get("/no/such/page"), 404)
    check(browser.get("/cases/2147483647"), 404)
    check(browser.get("/logout"), 405)
    check(browser.get("/static/no-such-file.css"), 404)
    if username != "secretariat":
        check(browser.get("/audit"), 403)
    check(browser.request("POST", "/logout", form={"csrf_token": "forged"}), 400,
          title="安全校验未通过")
    still = browser.get("/")  # a refused request does not end the session
    scan.check(still, authenticated=True)
    assert still.status == 200, (username, still.status)


def _logout(scan, browser):
    page = scan.check(browser.get("/account"), authenticated=True)
    resp = browser.request("POST", "/logout", form={"csrf_token": _csrf_token(page)})
    scan.check(resp, authenticated=True)
    assert resp.status == 302, resp.status
    after = browser.get("/")
    scan.check(after, authenticated=False)
    assert after.status == 302, "still logged in after logging out"


GOOD_HEADERS = [
    ("Server", "gunicorn"), ("Content-Type", "text/html; charset=utf-8"),
    ("Content-Security-Policy", "default-src 'self'; script-src 'self'; object-src 'none'; "
                                "frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"), ("Permissions-Policy", "camera=()"),
    ("Cache-Control", "no-store"),
    ("Set-Cookie", "hub_session=aGVsbG8tc2Vzc2lvbi12YWx1ZQ.x.y; HttpOnly; Path=/; SameSite=Lax"),
]
GOOD_PAGE = """<!doctype html><html lang="zh-CN"><head><title>登录</title>
<script src="/static/js/hub.js" defer></script></head><body>
<a href="/cases/1" target="_blank" rel="noopener">事项</a><img src="data:image/png;base64,AA">
<form method="post" action="/login"><input type="hidden" name="csrf_token" value="t">
<input type="password" name="password" autocomplete="current-password"></form>
<form method="post" action="/cases/1/act/reply"><input name="reply-csrf_token" value="t"></form>
<script type="application/json">{"chart": 1}</script>
<a href="http://127.0.0.1:8000/public/">门户</a></body></html>"""
BAD_PAGE = """<!doctype html><html><body><script>alert(1)</script>
<button onclick="go()">x</button><a href="javascript:void(0)">y</a>
<script src="http://cdn.example.com/lib.js"></script>
<a href="/next" target="_blank">z</a><a href="/cases?hub_session=abc">leak</a>
<form method="post" action="/cases/1/delete"><input name="reason"></form>
<input type="password" name="password">
Traceback (most recent call last): sqlalchemy.exc.OperationalError in /srv/hub/app.py
</body></html>"""


def test_the_scan_reports_each_kind_of_problem():
    """The checks themselves, without a server: a clean response gives no finding, and a
    response with each problem gives each (a scan that looked at nothing would pass)."""
    scan = Scan(8000, secrets=["/srv/hub/"])
    scan.check(Response("GET", "/login", 200, GOOD_HEADERS, GOOD_PAGE.encode()), True)
    assert scan.findings == []
    assert scan.session_values == {"aGVsbG8tc2Vzc2lvbi12YWx1ZQ.x.y"}
    bad_headers = [("Server", "gunicorn/23.0.0"), ("X-Powered-By", "Flask"),
                   ("Content-Type", "text/html"), ("Access-Control-Allow-Origin", "*"),
                   ("Content-Security-Policy", "script-src 'self' 'unsafe-inline'"),
                   ("Set-Cookie", "track=1; Path=/; Domain=example.com")]
    scan.check(Response("GET", "/x?s=aGVsbG8tc2Vzc2lvbi12YWx1ZQ.x.y", 500, bad_headers,
                        BAD_PAGE.encode()), True)
    expected = [
        "missing Referrer-Policy", "missing Permissions-Policy", "missing X-Content-Type",
        "X-Content-Type-Options is not nosniff", "framing allowed", "'unsafe-inline'",
        "object-src", "reveals a version", "X-Powered-By", "Access-Control-Allow-Origin",
        "without Cache-Control: no-store", "without HttpOnly", "without SameSite",
        "scoped to a domain", "session cookie in a URL", "session cookie in a link",
        "server error 500", "Python traceback", "SQLAlchemy", "database error class",
        "the path '/srv/hub/'", "charset=utf-8", "inline <script>", "onclick",
        "javascript: URL", "http://cdn.example.com", "target=_blank", "without a csrf_token",
        "password input",
    ]
    missed = [e for e in expected if not any(e in f for f in scan.findings)]
    assert missed == [], scan.findings
    error = Response("GET", "/nope", 404, GOOD_HEADERS, b"<html><h1>Not Found</h1></html>")
    scan.check_error_page(error, 404)
    assert any("Chinese title" in f for f in scan.findings)
    assert any("lang=zh-CN" in f for f in scan.findings)
