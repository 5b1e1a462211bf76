"""The owner's web app in Chromium against a real `openhat serve`: hatlogin in both of the
SDK's URL forms (and its refusals), the data browser, applications, data debits, settings,
the password-reset page and files. Each test is one browser session walking through a flow."""

from __future__ import annotations

import copy
import json
import os
import re
import struct
import tarfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx
import pytest

from openhat.web.routes import routes
from tests.api.debit_fixtures import iso
from tests.api.test_seed import seed_body
from tests.app_fixtures import NOTABLES
from tests.browser.conftest import PASSWORD, AppSite, owner_token
from tests.servers import serving

API = "/api/v2.6"
# WEBAPP_SCREENSHOTS=docs/screenshots keeps screenshots of the main pages (the README shows them).
SCREENSHOTS = os.environ.get("WEBAPP_SCREENSHOTS")
PHONE = {"width": 375, "height": 740}


def served(path: str) -> bool:
    """Whether the route table has `path`: the Activity page and the export button call
    routes that other work brings (the audit log, the export); their tests run once it is in."""
    return any(getattr(route, "path", None) == path for route in routes())


def notables(site: AppSite) -> dict[str, Any]:
    """The notables app, living on `site`, asking for a data debit over rumpel/notable."""
    manifest = copy.deepcopy(NOTABLES)
    manifest["setup"]["url"] = f"{site.base}/setup"
    manifest["setup"]["validRedirectUris"] = [f"{site.base}/callback"]
    manifest["permissions"]["dataRequired"] = {
        "bundle": {"name": "notables-notes",
                   "bundle": {"notes": {"endpoints": [{"endpoint": "rumpel/notable"}]}}},
        "startDate": iso(-0.01), "endDate": iso(30), "rolling": False}
    return manifest


@pytest.fixture(scope="module")
def hat(hat_server: str, app_site: AppSite) -> Iterator[str]:
    """The HAT, holding the seed batch (a note linked to a nudge), 25 numbered records and
    the notables application (registered, not set up)."""
    headers = {"X-Auth-Token": owner_token(hat_server), "Content-Type": "application/json"}
    for body in (seed_body(), httpx.Request("POST", "/", json=[
            {"endpoint": "paging/items", "data": {"n": n}} for n in range(25)]).read()):
        response = httpx.post(f"{hat_server}{API}/data-batch", content=body, headers=headers)
        assert response.status_code == 201, response.text
    response = httpx.post(f"{hat_server}{API}/applications", json=notables(app_site),
                          headers=headers)
    assert response.status_code == 201, response.text
    yield hat_server


class Session:
    """One browser context (one person's tab) that fails the test on any script error or
    Content-Security-Policy violation, and checks each page it looks at."""

    def __init__(self, browser: Any, base: str, **options: Any) -> None:
        self.context = browser.new_context(**options)
        self.page = self.context.new_page()
        self.base = base
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.on("console", lambda m: self.problems.append(m.text)
                     if m.type == "error" and "Content Security Policy" in m.text else None)

    def open(self, hash_path: str) -> Any:
        self.page.goto(f"{self.base}/{hash_path}")
        return self.page

    def check_page(self, shot: str | None = None) -> None:
        """Every form field has a label, nothing is wider than the window, no errors."""
        page = self.page
        page.wait_for_selector("main:not([aria-busy])")
        unlabelled = page.evaluate("""() => [...document.querySelectorAll(
            'input:not([type=hidden]), textarea, select')]
            .filter(e => !e.labels.length && !e.getAttribute('aria-label')).map(e => e.name)""")
        assert unlabelled == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert self.problems == []
        if SCREENSHOTS and shot:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SCREENSHOTS}/{shot}.png", full_page=True)

    def log_in(self, password: str = PASSWORD) -> None:
        """With the keyboard only: the password field has the focus, Enter sends the form."""
        self.page.wait_for_selector("input[name=password]:focus")
        self.page.keyboard.type(password)
        self.page.keyboard.press("Enter")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session(browser: Any, hat: str) -> Iterator[Session]:
    opened = Session(browser, hat)
    yield opened
    opened.close()


def token_from(url: str) -> str:
    [token] = parse_qs(urlsplit(url).query)["token"]
    return token


def reads(base: str, token: str, endpoint: str) -> int:
    return httpx.get(f"{base}{API}/data/{endpoint}", headers={"X-Auth-Token": token}).status_code


# --- hatlogin ------------------------------------------------------------------------------

def test_hatlogin_rules(session: Session) -> None:
    """The page's pure rules, table-driven, in the browser that runs them."""
    session.open("#/login")
    results = session.page.evaluate("""async () => {
      const r = await import('/static/hatlogin-rules.js');
      const app = {setup: {url: 'https://app.example/setup',
                           validRedirectUris: ['https://app.example/cb', 'javascript:alert(1)']}};
      return {
        parse: [
          'name=a&redirect=https://app.example/cb?x=1&y=2&fallback=https://app.example/f',
          'name=a&fallback=https://f.example&redirect=https://app.example/setup%3Fredirect=https://app.example/r',
          'application_id=a&redirect_uri=https%3A%2F%2Fapp.example%2Fcb',
          'name=a+b&redirect=https://x.example/?q=a+b',
          'redirect=https://x.example/',
        ].map(q => r.parseHatLoginQuery(q)),
        allowed: [
          'https://app.example/cb',                         // listed
          'https://app.example/cb/',                        // not exactly listed
          'https://app.example/cb?x=1',                     // not exactly listed
          'https://app.example.evil.example/cb',            // another host
          'https://app.example/setup?redirect=https://anywhere.example/',  // the setup form
          'https://app.example/setupx?redirect=https://a.example/',         // not the setup URL
          'https://app.example/setup/../evil?redirect=a',  // not the setup URL either
          'https://app.example/setup',                      // the setup URL without redirect
          'javascript:alert(1)',                            // listed, but no web address
        ].map(u => r.redirectAllowed(app, u)),
        token: ['https://a.example/cb', 'https://a.example/cb?x=1', 'https://a.example/cb#top']
          .map(u => r.withToken(u, 'T.k-n')),
      };
    }""")
    assert results["parse"] == [
        {"name": "a", "redirect": "https://app.example/cb?x=1&y=2",
         "fallback": "https://app.example/f"},
        {"name": "a", "redirect": "https://app.example/setup?redirect=https://app.example/r",
         "fallback": "https://f.example"},
        {"name": "a", "redirect": "https://app.example/cb", "fallback": ""},
        {"name": "a+b", "redirect": "https://x.example/?q=a+b", "fallback": ""},
        {"name": "", "redirect": "https://x.example/", "fallback": ""},
    ]
    assert results["allowed"] == [True, False, False, False, True, False, False, False, False]
    assert results["token"] == ["https://a.example/cb?token=T.k-n",
                                "https://a.example/cb?x=1&token=T.k-n",
                                "https://a.example/cb?token=T.k-n#top"]


def test_hatlogin_both_sdk_forms_refusals_and_cancel(session: Session, hat: str,
                                                     app_site: AppSite) -> None:
    page, site = session.page, app_site.base
    # auth().generateHatLoginUrl: values unencoded, as the SDK sends them
    session.open(f"#/hatlogin?name=notables&redirect={site}/callback&fallback={site}/fallback")
    page.get_by_text("“notables” asks to connect to your HAT.").wait_for()
    session.check_page("login")
    session.log_in("not-the-password")
    page.get_by_role("alert").filter(has_text="Wrong username or password.").wait_for()
    session.log_in()
    page.get_by_role("heading", name="Connect “Notables”?").wait_for()
    consent = page.inner_text("main")
    for words in ("All your words", "By Notables Ltd", "Writing notes to your HAT",
                  "Read your data in “rumpel”", "Add and change data in “rumpel”",
                  "bundle “notables-notes”", "rumpel/notable", urlsplit(site).netloc):
        assert words in consent
    session.check_page("hatlogin-consent")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{site}/callback?token=*")
    token = token_from(page.url)
    assert reads(hat, token, "rumpel/notable") == 200
    assert reads(hat, token, "paging/items") == 403

    # applications().getSetupUrl: the app's setup URL carries its own redirect
    session.open(f"#/hatlogin?name=notables&fallback={site}/fallback"
                 f"&redirect={site}/setup%3Fredirect={site}/done")
    page.get_by_text("You connected this application before.").wait_for()
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{site}/setup?redirect={site}/done&token=*")
    token = token_from(page.url)
    assert reads(hat, token, "rumpel/nudge") == 200
    assert reads(hat, token, "paging/items") == 403

    # an address the manifest does not list: refused on the page, nothing sent anywhere
    for unlisted in (f"{site}/evil", f"{site}/callback/more", "http://localhost:1/callback"):
        session.open(f"#/hatlogin?name=notables&redirect={unlisted}&fallback={site}/fallback")
        page.get_by_text(unlisted, exact=True).wait_for()
        assert page.get_by_role("heading", name="Connection refused").is_visible()
        assert page.get_by_role("button", name="Confirm").count() == 0
    session.check_page("hatlogin-refused")

    # Cancel goes to the fallback, without a token
    session.open(f"#/hatlogin?name=notables&redirect={site}/callback&fallback={site}/fallback")
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url(f"{site}/fallback")

    session.open(f"#/hatlogin?name=unknown-app&redirect={site}/callback&fallback={site}/fb")
    page.get_by_role("heading", name="Application not registered").wait_for()
    assert "“unknown-app” is not registered on this HAT" in page.inner_text("main")
    session.check_page()
    assert [p for p in app_site.seen if "token=" in p] == [
        p for p in app_site.seen if p.startswith(("/callback?token=", "/setup?redirect="))]
    assert not [p for p in app_site.seen if p.startswith(("/evil", "/callback/more"))]


# --- the owner's pages ---------------------------------------------------------------------

def test_data_browser(session: Session, hat: str) -> None:
    page = session.open("")
    session.log_in()
    page.get_by_role("heading", name="Your data").wait_for()
    session.check_page("data-sources")
    page.get_by_role("link", name="notable").click()
    page.get_by_role("heading", name="rumpel/notable").wait_for()
    record = page.locator("article.record").first
    assert "Showcasing the new HAT APIs" in record.inner_text()
    session.check_page("data-records")
    record.locator("a.record-id").click()
    page.get_by_role("heading", name="Record", exact=True).wait_for()
    page.get_by_role("link", name="rumpel/nudge").first.wait_for()
    page.get_by_text("Show", exact=True).click()
    assert "Share APIs with the world" in page.inner_text("main")
    session.check_page("data-record")

    # newest first, a page at a time; the field filter asks the HAT, page by page too
    session.open("#/data/paging/items")
    page.get_by_text("Records 1 to 20").wait_for()
    assert '"n": 24' in page.locator("article.record").first.inner_text()
    page.get_by_role("link", name="Older →").click()
    page.get_by_text("Records 21 to 25").wait_for()
    assert page.locator("article.record").count() == 5
    assert '"n": 0' in page.locator("article.record").last.inner_text()
    page.get_by_label("Field").fill("kind")
    page.get_by_label("Value").fill("note")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("No record matches the filter.").wait_for()
    session.open("#/data/rumpel/notable?field=kind&value=note")
    page.get_by_text("Records 1 to 1").wait_for()

    # deleting asks first; Cancel keeps the record, Delete removes it
    session.open("#/data/paging/items")
    page.get_by_text("Records 1 to 20").wait_for()
    page.locator("article.record").first.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    token = {"X-Auth-Token": owner_token(hat)}
    assert len(httpx.get(f"{hat}{API}/data/paging/items", headers=token).json()) == 25
    page.locator("article.record").first.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    page.get_by_text("Records 1 to 20").wait_for()
    page.locator("article.record", has_text='"n": 24').wait_for(state="detached")
    left = httpx.get(f"{hat}{API}/data/paging/items", headers=token).json()
    assert sorted(r["data"]["n"] for r in left) == list(range(24))

    page.get_by_role("button", name="Delete this endpoint").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete endpoint").click()
    page.get_by_role("heading", name="Your data").wait_for()
    assert httpx.get(f"{hat}{API}/data/paging/items", headers=token).json() == []
    assert "paging" not in page.inner_text("main")


def test_applications_debits_and_settings(session: Session, hat: str, app_site: AppSite) -> None:
    from playwright.sync_api import expect

    owner = {"X-Auth-Token": owner_token(hat)}
    assert httpx.get(f"{hat}{API}/applications/notables/setup", headers=owner).status_code == 200
    app = httpx.get(f"{hat}{API}/applications/notables/access-token", headers=owner)
    app_token = app.json()["accessToken"]
    assert reads(hat, app_token, "rumpel/notable") == 200

    page = session.open("#/applications")
    session.log_in()
    card = page.locator("[data-application=notables]")
    card.get_by_text("Enabled and active").wait_for()
    assert "Read your data in “rumpel”" in card.inner_text()
    session.check_page("applications")
    card.get_by_role("button", name="Disable Notables").click()
    card.get_by_role("button", name="Enable Notables").wait_for()
    assert "Disabled" in card.inner_text()
    assert reads(hat, app_token, "rumpel/notable") in (401, 403)

    # registering a pasted or uploaded manifest; a broken one is refused with the reasons
    page.get_by_label("Manifest", exact=True).fill('{"id": "broken"}')
    page.get_by_role("button", name="Register").click()
    assert "info.version" in page.get_by_role("alert").filter(has_text="kind").inner_text()
    other = copy.deepcopy(notables(app_site)) | {"id": "second-app"}
    other["info"] = other["info"] | {"name": "Second App"}
    page.get_by_label("Manifest file").set_input_files(files=[{
        "name": "second-app.json", "mimeType": "application/json",
        "buffer": json.dumps(other).encode()}])
    expect(page.get_by_label("Manifest", exact=True)).to_have_value(re.compile("second-app"))
    page.get_by_role("button", name="Register").click()
    page.locator("[data-application=second-app]").get_by_text("Not set up").wait_for()

    # the data debit the set-up made, disabled when the app was; its details
    session.open("#/debits")
    page.get_by_role("link", name="app-notables").click()
    page.get_by_role("heading", name="app-notables").wait_for()
    details = page.inner_text("main")
    assert "rumpel/notable" in details and "notables-notes" in details
    session.check_page("debit")

    session.open("#/settings")
    page.get_by_role("heading", name="Settings").wait_for()
    assert urlsplit(hat).netloc in page.inner_text("main")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("password")
    page.get_by_label("New password again").fill("password")
    page.get_by_role("button", name="Change password").click()
    page.get_by_role("alert").filter(
        has_text="Minimum password requirement strength not met").wait_for()
    session.check_page("settings")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Log in").wait_for()
    session.open("#/applications")
    page.get_by_role("button", name="Log in").wait_for()


def test_debit_disable_and_phone_width(browser: Any, hat: str) -> None:
    """On a phone-sized screen: the data debit of a set-up app, disabled from its page."""
    owner = {"X-Auth-Token": owner_token(hat)}
    assert httpx.get(f"{hat}{API}/applications/notables/setup", headers=owner).status_code == 200
    session = Session(browser, hat, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = session.open("#/debits/app-notables")
        session.log_in()
        page.get_by_text("Active", exact=True).wait_for()
        session.check_page("phone-debit")
        page.get_by_role("button", name="Disable").click()
        page.get_by_role("dialog").get_by_role("button", name="Disable").click()
        page.get_by_text("Not enabled").or_(page.get_by_text("Accepted, not active")).wait_for()
        debit = httpx.get(f"{hat}{API}/data-debit/app-notables", headers=owner).json()
        assert debit["active"] is False
    finally:
        session.close()


def test_password_reset_page(session: Session) -> None:
    page = session.open("#/user/password/change/some-reset-token")
    page.get_by_role("heading", name="Choose a new password").wait_for()
    session.check_page("password-reset")
    page.get_by_label("New password", exact=True).fill("correct horse battery staple")
    page.get_by_label("New password again").fill("correct horse battery stable")
    page.get_by_role("button", name="Set password").click()
    page.get_by_role("alert").filter(has_text="The two new passwords differ.").wait_for()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(f"{r.method} {urlsplit(r.url).path}"))
    page.get_by_label("New password again").fill("correct horse battery staple")
    page.get_by_role("button", name="Set password").click()
    page.get_by_role("alert").wait_for()  # the HAT refuses a token it never issued
    assert requests == ["POST /control/v2/auth/passwordreset/confirm/some-reset-token"]


def png(width: int, height: int) -> bytes:
    """A small valid PNG of one colour (so the preview has something to decode)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    rows = b"".join(b"\x00" + b"\x1f\x4e\x79" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_files_upload_preview_public_delete(session: Session, hat: str) -> None:
    picture = png(24, 16)
    page = session.open("#/files")
    session.log_in()
    page.get_by_role("heading", name="Files").wait_for()
    page.get_by_label("Files to upload").set_input_files(files=[{
        "name": "Holiday Photo.png", "mimeType": "image/png", "buffer": picture}])
    page.get_by_role("button", name="Upload", exact=True).click()
    card = page.locator("[data-file='webholiday-photo.png']")
    card.get_by_text("Private").wait_for()
    preview = card.get_by_role("img", name="Holiday Photo.png")
    preview.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth === 24",
                           arg=preview.element_handle())
    session.check_page("files")

    content = f"{hat}{API}/files/content/webholiday-photo.png"
    assert httpx.get(content, follow_redirects=True).status_code in (401, 403, 404)
    card.get_by_role("button", name="Make public Holiday Photo.png").click()
    card.get_by_text("Public", exact=True).wait_for()
    anyone = httpx.get(content, follow_redirects=True)
    assert (anyone.status_code, anyone.content) == (200, picture)

    card.get_by_role("button", name="Delete Holiday Photo.png").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    assert card.is_visible()
    card.get_by_role("button", name="Delete Holiday Photo.png").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    card.wait_for(state="detached")
    owner = {"X-Auth-Token": owner_token(hat)}
    stored = httpx.get(f"{hat}{API}/files/file/webholiday-photo.png", headers=owner).json()
    assert stored["status"]["status"] == "Deleted"
    assert httpx.get(content, follow_redirects=True).status_code != 200
    assert "No files yet" in page.inner_text("main")


def test_activity_filters_and_pages(session: Session, hat: str) -> None:
    """What did an application read? 51 reads of one endpoint, found by its actor, action
    and endpoint over two pages; another endpoint finds none of them. (The session's HAT
    is shared: other tests' entries are there too, so the filter names this test's own
    endpoint.)"""
    owner = {"X-Auth-Token": owner_token(hat)}
    assert httpx.get(f"{hat}{API}/applications/notables/setup", headers=owner).status_code == 200
    app = httpx.get(f"{hat}{API}/applications/notables/access-token", headers=owner)
    app_token = app.json()["accessToken"]
    for _ in range(51):
        assert reads(hat, app_token, "rumpel/activity-check") == 200

    page = session.open("#/activity")
    session.log_in()
    page.get_by_role("heading", name="Activity").wait_for()
    page.get_by_label("Who").fill("application:notables")
    page.get_by_label("Action").select_option("read")
    page.get_by_label("Endpoint or object").fill("rumpel/activity-check")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("Entries 1 to 50").wait_for()
    session.check_page("activity")
    rows = page.locator("tbody tr")
    assert rows.count() == 50
    assert all("application notables\tread\tdata/rumpel/activity-check" in r
               for r in rows.all_inner_texts())
    page.get_by_role("link", name="Older →").click()
    page.get_by_text("Entries 51 to 51").wait_for()
    assert ["application notables\tread\tdata/rumpel/activity-check" in r
            for r in rows.all_inner_texts()] == [True]
    page.get_by_label("Endpoint or object").fill("rumpel/never-read")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("Nothing was logged that matches.").wait_for()
    assert "actor=application%3Anotables" in page.url and "skip" not in page.url


@pytest.mark.skipif(not served(f"{API}/export"), reason="the export's route is not in yet")
def test_settings_downloads_the_export(session: Session, hat: str) -> None:
    """The archive arrives as a download; the token travels only in the header."""
    page = session.open("#/settings")
    session.log_in()
    page.get_by_role("heading", name="Take your data with you").wait_for()
    token = page.evaluate("sessionStorage.getItem('openhat.token')")
    sent: list[tuple[str, str | None]] = []
    page.on("request", lambda r: sent.append((r.url, r.headers.get("x-auth-token"))))
    with page.expect_download() as started:
        page.get_by_role("button", name="Download everything").click()
    download = started.value
    assert download.suggested_filename.endswith(".openhat-export.tar.gz")
    with tarfile.open(download.path(), "r:gz") as archive:
        assert archive.getnames()
    page.get_by_text(re.compile(r"^Saved .+\.openhat-export\.tar\.gz\.$")).wait_for()
    session.check_page()
    exports = [header for url, header in sent if urlsplit(url).path == f"{API}/export"]
    assert exports and all(header for header in exports)
    assert not [url for url, _ in sent if token in url]


def test_the_verification_mails_link_confirms_the_address(browser: Any,
                                                          tmp_path: Path) -> None:
    """The owner asks to verify an address; the link of the mail that arrives opens the
    confirmation page, one click verifies it, and the same link then fails."""
    from tests.smtp import smtp_server

    with smtp_server() as inbox, serving(tmp_path, "--database", f"sqlite:///{tmp_path}/v.db",
                                         env={"OPENHAT_OWNER_PASSWORD": PASSWORD,
                                              "OPENHAT_SMTP_URL":
                                                  f"smtp://127.0.0.1:{inbox.port}"}) as (base, _):
        owner = {"X-Auth-Token": owner_token(base)}
        asked = httpx.post(f"{base}/control/v2/auth/request-verification",
                           json={"email": "owner@example.com", "applicationId": "hatapp",
                                 "redirectUri": "https://example.com/"}, headers=owner)
        assert asked.status_code == 200, asked.text
        deadline = time.monotonic() + 15
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        link = re.search(r"https?://\S+#/auth/verify-email/\S+", inbox.text())
        assert link is not None, inbox.text()
        session = Session(browser, base)
        try:
            page = session.page
            page.goto(link.group(0))
            page.get_by_role("heading", name="Confirm your email address").wait_for()
            assert "owner@example.com" in page.inner_text("main")
            session.check_page("verify-email")
            page.get_by_role("button", name="Confirm my address").click()
            page.get_by_text("Your email address is confirmed.").wait_for()
            page.reload()
            page.get_by_role("button", name="Confirm my address").click()
            page.get_by_role("alert").filter(has_text=re.compile(".+")).first.wait_for()
        finally:
            session.close()
