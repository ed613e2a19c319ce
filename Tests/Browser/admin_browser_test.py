#!/usr/bin/env python3
"""The staff console (/admin) in a real headless Chromium, driven by Selenium.

Run it with `make browser-test` (scripts/browser-test.sh starts a server on a fresh database
and sets the environment). By hand, against a running server:

    KEEL_URL=http://localhost:8080 KEEL_BIN=.build/debug/keel \\
        python3 Tests/Browser/admin_browser_test.py

Environment:
    KEEL_URL            the server, as http://localhost:PORT. `localhost`, not 127.0.0.1:
                        Chromium treats localhost as a secure context, so it keeps the
                        console's `__Host-` (Secure) cookie over plain http.
    KEEL_BIN            the keel binary; `keel staff create` makes the staff member. It must
                        see the server's database, so this process's environment (KEEL_DATA_DIR,
                        DATABASE_URL, ...) has to be the server's.
    KEEL_SCREENSHOTS    where the screenshots go (default: docs/screenshots in the checkout).
    KEEL_ARTIFACTS_DIR  where a failing step leaves its screenshot and HTML (default: a
                        temporary directory, printed).
    LOCALSTRIPE_URL     localstripe, the fake Stripe the server collects through (its
                        KEEL_STRIPE_API_BASE); the payments and dunning steps make test cards there.
                        LOCALSTRIPE_KEY is its API key (default sk_test_keel).
    KEEL_DATA_DIR       the server's embedded PostgreSQL (as the server's environment has it):
                        the payments and dunning steps end trials with SQL, as the cluster's superuser
                        over its socket. KEEL_DATABASE_NAME names the database (default keel).

One line per step; a step whose prerequisite failed is skipped. Ends with
"N passed, N failed, N skipped" and exits 1 if anything failed or was skipped.
"""

import base64
import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyotp
from selenium import webdriver
from selenium.common.exceptions import (
    NoAlertPresentException,
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

REPO = Path(__file__).resolve().parents[2]
BASE = os.environ.get("KEEL_URL", "").rstrip("/")
KEEL_BIN = os.environ.get("KEEL_BIN", "")
SHOTS = Path(os.environ.get("KEEL_SCREENSHOTS") or REPO / "docs" / "screenshots")
LOCALSTRIPE_URL = os.environ.get("LOCALSTRIPE_URL", "").rstrip("/")
LOCALSTRIPE_KEY = os.environ.get("LOCALSTRIPE_KEY") or "sk_test_keel"
ARTIFACTS = Path(os.environ.get("KEEL_ARTIFACTS_DIR") or tempfile.mkdtemp(prefix="keel-browser-"))

WAIT = 10  # seconds, for every WebDriverWait

# Unique per run, so a kept database or a second run never collides on slugs or emails.
RUN = f"{random.randint(100000, 999999)}"
STAFF_EMAIL = f"staff-{RUN}@keel.test"
NEW_PASSWORD = "correct horse battery staple 42"
OWNER_PASSWORD = "a sturdy test passphrase"

ACME = {
    "slug": f"acme-{RUN}",
    "name": f"Acme {RUN}",
    "email": f"owner-{RUN}@acme.test",
    "owner": f"Ada Owner {RUN}",
}
# Signed up in the dunning step, with a card that attaches but whose every charge is declined.
DUNNING = {
    "slug": f"dunning-{RUN}",
    "name": f"Dunning Co {RUN}",
    "email": f"owner-{RUN}@dunning.test",
    "owner": f"Dan Owner {RUN}",
}
XSS = {
    "slug": f"xss-{RUN}",
    "name": '<script>alert("t")</script><img src=x onerror=alert(1)>',
    "email": "<img/src=x/onerror=alert(3)>@xss.test",
    "owner": '"><svg onload=alert(2)>',
}


class StepFailed(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise StepFailed(message)


# --- The browser ---------------------------------------------------------------------------------


def start_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(arg)
    # Leave a JavaScript alert open instead of dismissing it, so the XSS step can see it.
    options.set_capability("unhandledPromptBehavior", "ignore")
    # The console log, for Content-Security-Policy violations (the last step).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Debian's driver matches Debian's browser; naming it keeps Selenium Manager from
    # trying to download one.
    return webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))


driver = None
console_log = []  # every browser console entry seen, collected as pages change


def drain_console():
    try:
        console_log.extend(driver.get_log("browser"))
    except Exception:  # an open alert makes every command fail; the XSS step reports that
        pass


def url(path):
    return BASE + path


def path_of(current=None):
    return urllib.parse.urlparse(current or driver.current_url).path.rstrip("/") or "/"


def go(path):
    drain_console()
    driver.get(url(path))


def wait(condition, message, timeout=WAIT, ignoring=()):
    try:
        return WebDriverWait(driver, timeout, ignored_exceptions=ignoring).until(condition)
    except TimeoutException:
        raise StepFailed(f"{message} (waited {timeout} s; at {driver.current_url})") from None


def find(css, within=None):
    try:
        return (within or driver).find_element(By.CSS_SELECTOR, css)
    except NoSuchElementException:
        raise StepFailed(f"no element {css!r} on {driver.current_url}") from None


def submit(form_css, fields=None, button_css="button"):
    """Fills a form's fields ({name: value}), clicks its button and waits for the next page.

    Waiting for the old page's <html> to go stale is what tells a finished navigation
    apart from the old page still being there (POST, redirect, GET all look alike otherwise).
    """
    form = find(form_css)
    for name, value in (fields or {}).items():
        field = find(f"[name='{name}']", form)
        field.clear()
        field.send_keys(value)
    old = driver.find_element(By.TAG_NAME, "html")
    drain_console()
    find(button_css, form).click()
    # Asked mid-navigation, the driver can fail with an error that is not "stale" (CI once
    # saw that): ask again rather than fail the step.
    wait(EC.staleness_of(old), f"submitting {form_css} did not load a new page", ignoring=(WebDriverException,))


def submit_and_land(form_css, fields, done):
    """Like submit, for a console action that redirects to `?done=<done>`: waits for that address,
    which says the action was applied, rather than for the old page to go stale (that wait once
    missed a completed navigation under CI load)."""
    form = find(form_css)
    for name, value in fields.items():
        field = find(f"[name='{name}']", form)
        field.clear()
        field.send_keys(value)
    drain_console()
    find("button", form).click()
    wait(lambda d: f"done={done}" in d.current_url, f"submitting {form_css} did not land on ?done={done}",
         ignoring=(WebDriverException,))
    wait(EC.presence_of_element_located((By.CSS_SELECTOR, "p.notice")), f"no p.notice after {form_css}")


def submit_and_refuse(form_css, fields, status=422):
    """Like submit_and_land, for a console action the server refuses: the page comes back from the
    POST itself (no redirect), at the form's address, with `status` and a p.error. Waits for that
    address and the error box (the page before had none), not for the old page to go stale.
    Returns the error's text."""
    form = find(form_css)
    action = path_of(form.get_attribute("action"))  # absolute, as the browser resolves it
    check(not driver.find_elements(By.CSS_SELECTOR, "p.error"), f"a p.error is shown before submitting {form_css}")
    for name, value in fields.items():
        field = find(f"[name='{name}']", form)
        field.clear()
        field.send_keys(value)
    drain_console()
    find("button", form).click()
    wait(lambda d: path_of() == action and d.find_elements(By.CSS_SELECTOR, "p.error"),
         f"submitting {form_css} did not come back at {action} with a p.error")
    # The navigation's own status (Navigation Timing): the refused POST's answer.
    answered = driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0]; return n ? n.responseStatus : null")
    check(answered == status, f"submitting {form_css} answered {answered}, not {status}")
    return find("p.error").text.strip()


def text_of(css):
    """The element's visible text, re-read on every poll (the element may be replaced)."""
    def read(_):
        try:
            return driver.find_element(By.CSS_SELECTOR, css).text.strip()
        except (NoSuchElementException, StaleElementReferenceException):
            return None
    return read


def wait_text(css, expected):
    wait(lambda d: text_of(css)(d) == expected,
         f"{css} should read {expected!r}, reads {text_of(css)(driver)!r}")


def row_containing(table_css, needle):
    rows = driver.find_elements(By.CSS_SELECTOR, f"{table_css} tr")
    for row in rows:
        if needle in row.text:
            return row
    raise StepFailed(f"no row of {table_css} contains {needle!r}; rows: {[r.text for r in rows][:10]}")


def screenshot(name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    check(driver.save_screenshot(str(SHOTS / name)), f"could not save {name}")


def screenshot_full_page(name):
    """The whole page, top to bottom, at the window's width (for a page taller than the window
    whose every part matters: DevTools' captureBeyondViewport)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0)")
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    (SHOTS / name).write_bytes(base64.b64decode(shot["data"]))


# --- Outside the browser: the CLI and the JSON API ---------------------------------------------


def create_staff():
    """`keel staff create`, in this process's environment (the server's database)."""
    out = subprocess.run([KEEL_BIN, "staff", "create", "--email", STAFF_EMAIL, "--role", "admin"],
                         capture_output=True, text=True, timeout=120)
    output = out.stdout + out.stderr
    check(out.returncode == 0, f"keel staff create exited {out.returncode}:\n{output}")
    found = re.search(r"^.*One-time password: (.+)$", output, re.MULTILINE)
    check(found, f"no 'One-time password: ' line in:\n{output}")
    return found.group(1).strip()


def sign_up(tenant):
    body = json.dumps({
        "tenant": {"slug": tenant["slug"], "name": tenant["name"]},
        "owner": {"email": tenant["email"], "password": OWNER_PASSWORD, "name": tenant["owner"]},
    }).encode()
    request = urllib.request.Request(url("/v1/signup"), data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, answer = response.status, json.load(response)
    except urllib.error.HTTPError as error:
        raise StepFailed(f"signup of {tenant['slug']} answered {error.code}: {error.read().decode()}") from None
    check(status == 201, f"signup of {tenant['slug']} answered {status}")
    tenant["id"] = answer["tenant"]["id"]
    tenant["owner_id"] = answer["owner"]["id"]


def browser_get(href):
    """GETs `href` outside the browser but with its cookies (and user agent).

    urllib does not know the cookie jar, and a cookie jar would not send a Secure cookie
    over http anyway; Chromium only does because localhost counts as secure. So the Cookie
    header is written by hand.
    """
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    agent = driver.execute_script("return navigator.userAgent")
    request = urllib.request.Request(href, headers={"Cookie": cookies, "User-Agent": agent})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def http_json(method, href, body=None, token=None, form=None, headers=None):
    """One HTTP call outside the browser: a JSON body (or a form), an optional bearer token.
    Returns (status, parsed JSON or None); an error status is returned, not raised."""
    headers = dict(headers or {})
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(href, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, {"raw": raw.decode(errors="replace")}


def owner_token(tenant):
    """Signs the tenant's owner in through the JSON API (POST /v1/sessions); a bearer token."""
    status, answer = http_json("POST", url("/v1/sessions"),
                               {"tenant": tenant["slug"], "email": tenant["email"], "password": OWNER_PASSWORD})
    check(status in (200, 201) and answer and answer.get("token"),
          f"POST /v1/sessions for {tenant['email']} answered {status}: {answer}")
    return answer["token"]


def psql(sql):
    """One statement as the embedded cluster's superuser (row-level security does not bind it),
    over the cluster's socket: <KEEL_DATA_DIR>/postgres may be a symlink to the cluster's home
    elsewhere (EmbeddedPostgres.home), whose run/ holds the socket. Returns the rows, each a
    list of columns ('|'-separated, unaligned)."""
    data_dir = os.environ.get("KEEL_DATA_DIR")
    check(data_dir and not os.environ.get("DATABASE_URL"),
          "the payments step needs the server's embedded PostgreSQL (KEEL_DATA_DIR, no DATABASE_URL)")
    home = os.path.dirname(os.path.realpath(os.path.join(data_dir, "postgres")))
    binary = shutil.which("psql") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"), reverse=True)), None)
    check(binary, "psql is not installed")
    argv = [binary, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", os.path.join(home, "run"), "-U", "postgres",
            "-d", os.environ.get("KEEL_DATABASE_NAME") or "keel", "-c", sql]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, f"psql exited {out.returncode}: {out.stderr.strip()}\n  {sql}")
    return [line.split("|") for line in out.stdout.splitlines() if line.strip()]


def stripe_card(number="4242424242424242"):
    """A test card made at localstripe (as Stripe.js would make it): its pm_ id. 4242… is charged;
    4000000000000341 attaches, but every charge of it is declined (card_declined)."""
    check(LOCALSTRIPE_URL, "LOCALSTRIPE_URL is not set (scripts/browser-test.sh starts localstripe and sets it)")
    status, answer = http_json("POST", LOCALSTRIPE_URL + "/v1/payment_methods", token=LOCALSTRIPE_KEY, form={
        "type": "card", "card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2034",
        "card[cvc]": "123"})
    check(status == 200 and answer and str(answer.get("id", "")).startswith("pm_"),
          f"localstripe POST /v1/payment_methods answered {status}: {answer}")
    return answer["id"]


# --- Steps -------------------------------------------------------------------------------------

state = {}


def step_login_page():
    go("/admin/login")
    form = find("form#login")
    for name in ("email", "password"):
        field = find(f"input[name='{name}']", form)
        field_id = field.get_attribute("id")
        labelled = (field_id and driver.find_elements(By.CSS_SELECTOR, f"label[for='{field_id}']")) \
            or field.find_elements(By.XPATH, "ancestor::label")
        check(labelled, f"input {name} has no label")
    find("button", form)
    # The stylesheet is served and parsed (CSP `style-src 'self'` lets nothing else in).
    styled = driver.execute_script(
        "return [...document.styleSheets].some(s => s.href && s.href.endsWith('/assets/admin.css')"
        " && s.cssRules.length > 0)")
    check(styled, "/assets/admin.css is not applied to the login page")
    screenshot("login.png")


def step_create_staff():
    state["otp"] = create_staff()


def step_seed():
    sign_up(ACME)
    sign_up(XSS)


def step_first_sign_in():
    go("/admin/login")
    submit("form#login", {"email": STAFF_EMAIL, "password": state["otp"]})
    wait(lambda d: path_of() == "/admin/setup", "the first sign-in did not go to /admin/setup")
    # The secret may be shown in groups ("ABCD EFGH ..."); base32 itself has no spaces.
    secret = re.sub(r"\s+", "", find("code#totp-secret").text).upper()
    check(re.fullmatch(r"[A-Z2-7]+=*", secret), f"code#totp-secret is not base32: {secret!r}")
    totp = pyotp.TOTP(secret)  # SHA1, 6 digits, 30 s: pyotp's defaults
    state["totp"] = totp
    code = fresh_code()
    submit("form#setup", {"new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD, "code": code})
    wait_dashboard()

    cookies = {c["name"]: c for c in driver.get_cookies()}
    cookie = cookies.get("__Host-keel_admin")
    check(cookie, f"no __Host-keel_admin cookie; cookies: {sorted(cookies)}")
    check(cookie.get("httpOnly") is True, f"__Host-keel_admin is not HttpOnly: {cookie}")
    check(cookie.get("secure") is True, f"__Host-keel_admin is not Secure: {cookie}")
    check(cookie.get("sameSite") == "Strict", f"__Host-keel_admin is not SameSite=Strict: {cookie}")
    check(cookie.get("path") == "/", f"__Host-keel_admin's path is not /: {cookie}")
    screenshot("dashboard.png")


def fresh_code():
    """A TOTP code, remembering its 30 s step (both from one clock reading, so they agree)."""
    now = time.time()
    state["used_step"] = int(now // 30)
    return state["totp"].at(now)


def wait_dashboard():
    wait(lambda d: path_of() == "/admin" and text_of("h1")(d) == "Dashboard",
         f"not on the dashboard (h1 {text_of('h1')(driver)!r})")


def step_sign_out_and_in():
    submit("form#sign-out", button_css="button")
    wait(EC.presence_of_element_located((By.CSS_SELECTOR, "form#login")),
         "signing out did not lead to the login form")
    submit("form#login", {"email": STAFF_EMAIL, "password": NEW_PASSWORD})
    wait(lambda d: path_of() == "/admin/login/totp", "the password step did not go to /admin/login/totp")
    find("form#totp")
    # The setup step's code is spent: the server refuses any code of that 30 s step again.
    while int(time.time() // 30) <= state["used_step"]:
        time.sleep(0.5)
    submit("form#totp", {"code": fresh_code()})
    wait_dashboard()


def step_search_tenant():
    go("/admin/tenants")
    submit("form.filters", {"q": ACME["slug"]})
    row = row_containing("table#tenants", ACME["slug"])
    screenshot("tenants.png")
    links = [a for a in row.find_elements(By.TAG_NAME, "a") if a.text.strip() == ACME["name"]]
    check(links, f"no link reading {ACME['name']!r} in the row: {row.text!r}")
    old = driver.find_element(By.TAG_NAME, "html")
    links[0].click()
    wait(EC.staleness_of(old), "the tenant link did not open a page")
    wait(lambda d: ACME["name"] in (text_of("h1")(d) or ""), f"the tenant page's h1 does not name {ACME['name']}")
    row_containing("table#users", ACME["email"])
    state["tenant_url"] = driver.current_url
    screenshot("tenant.png")


def step_open_user():
    driver.get(state["tenant_url"])
    row = row_containing("table#users", ACME["email"])
    old = driver.find_element(By.TAG_NAME, "html")
    find("a", row).click()
    wait(EC.staleness_of(old), "the user link did not open a page")
    wait_text("#user-status", "Active")
    state["user_url"] = driver.current_url


def step_lock_unlock():
    driver.get(state["user_url"])
    submit_and_land("form#lock", {"reason": "browser test: suspected compromise"}, "locked")
    wait_text("#user-status", "Locked")
    submit_and_land("form#unlock", {"reason": "browser test: owner confirmed by phone"}, "unlocked")
    wait_text("#user-status", "Active")
    screenshot("user.png")


def step_view_as():
    """View as the user: a reason, a fresh code, a time box; the banner names what is going on,
    the token's API answers name the staff member, a change is refused, the audit log has it all."""
    driver.get(state["user_url"])
    while int(time.time() // 30) <= state["used_step"]:
        time.sleep(0.5)
    reason = "browser test: the customer asked what they see"
    submit("form#view-as", {"reason": reason, "minutes": "5", "code": fresh_code()})
    wait(EC.presence_of_element_located((By.CSS_SELECTOR, "#view-as-banner")), "no view-as banner after starting")
    check(ACME["email"] in text_of("#view-as-banner")(driver), f"the banner does not name {ACME['email']}")
    check("read-only" in text_of("#view-as-mode")(driver), "the view is not marked read-only")
    token = text_of("#view-as-token")(driver).strip()
    check(token.startswith("keelp_"), f"no view-as token on the page: {token!r}")
    screenshot("view-as.png")
    request = urllib.request.Request(url("/v1/me"), headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        me, named = json.loads(response.read()), response.headers.get("Keel-Impersonated-By", "")
    check(me["user"]["email"] == ACME["email"], f"/v1/me as the user answered {me}")
    check(STAFF_EMAIL in named, f"Keel-Impersonated-By is {named!r}, not naming {STAFF_EMAIL}")
    status, answer = http_json("PATCH", url("/v1/tenant"), {"name": "changed by support"}, token=token,
                               headers={"If-Match": "*"})
    check(status == 403 and answer and answer.get("code") == "impersonation_read_only",
          f"a change during a read-only view answered {status} {answer}")
    submit_and_land("form#end-view-as", {}, "view_ended")
    status, _ = http_json("GET", url("/v1/me"), token=token)
    check(status == 401, f"the ended view's token still answers {status}")
    go("/admin/audit?" + urllib.parse.urlencode({"tenant": ACME["id"], "action": "impersonation"}))
    for action in ("impersonation.started", "impersonation.request", "impersonation.ended"):
        row = row_containing("table#audit", action)
        check(STAFF_EMAIL in row.text, f"the {action} row does not name {STAFF_EMAIL}: {row.text!r}")


def step_export_csv():
    go("/admin/tenants?" + urllib.parse.urlencode({"q": ACME["slug"]}))
    href = find("a#export-csv").get_attribute("href")  # absolute, as the browser resolves it
    check(path_of(href) == "/admin/tenants.csv", f"a#export-csv points at {href}")
    check(ACME["slug"] in urllib.parse.unquote(urllib.parse.urlparse(href).query),
          f"a#export-csv does not carry the search: {href}")
    status, content_type, body = browser_get(href)
    check(status == 200, f"{href} answered {status}")
    check(content_type.split(";")[0].strip() == "text/csv", f"{href} is {content_type!r}, not text/csv")
    lines = body.decode("utf-8-sig").splitlines()  # -sig: a byte-order mark would be tolerated
    check(lines and lines[0].startswith("id,slug,name"), f"CSV header is {lines[:1]}")
    check(any(ACME["slug"] in line for line in lines[1:]), f"no CSV row has {ACME['slug']}: {lines[:5]}")


def step_audit():
    go("/admin/audit?" + urllib.parse.urlencode({"tenant": ACME["id"]}))
    for action in ("user.locked", "user.unlocked"):
        row = row_containing("table#audit", action)
        check(STAFF_EMAIL in row.text, f"the {action} row does not name {STAFF_EMAIL}: {row.text!r}")
    screenshot("audit.png")


def xss_checks(page, expected):
    """No payload ran or became markup; `expected` strings are visible as text."""
    time.sleep(0.5)  # an onerror handler runs after the image fails to load
    try:
        alert = driver.switch_to.alert
        message = alert.text
        alert.accept()
        raise StepFailed(f"{page}: an alert opened ({message!r})")
    except NoAlertPresentException:
        pass
    for script in driver.find_elements(By.CSS_SELECTOR, "body script"):
        check("alert(" not in (script.get_attribute("textContent") or ""), f"{page}: a script runs alert()")
    check(not driver.find_elements(By.CSS_SELECTOR, "main img[src='x']"), f"{page}: an <img src=x> was rendered")
    check(not driver.find_elements(By.CSS_SELECTOR, "main svg"), f"{page}: an <svg> was rendered")
    visible = find("main").text
    for text in expected:
        check(text in visible, f"{page}: the text {text!r} is not shown")


def step_xss():
    go("/admin/tenants?" + urllib.parse.urlencode({"q": XSS["slug"]}))
    xss_checks("tenants list", [XSS["name"]])

    row = row_containing("table#tenants", XSS["slug"])
    old = driver.find_element(By.TAG_NAME, "html")
    find("a", row).click()
    wait(EC.staleness_of(old), "the XSS tenant link did not open a page")
    xss_checks("tenant page", [XSS["name"], XSS["email"]])

    row = row_containing("table#users", XSS["email"])
    old = driver.find_element(By.TAG_NAME, "html")
    find("a", row).click()
    wait(EC.staleness_of(old), "the XSS user link did not open a page")
    xss_checks("user page", [XSS["email"], XSS["owner"]])

    go("/admin/find?" + urllib.parse.urlencode({"q": "xss.test"}))
    xss_checks("find", [XSS["email"]])

    go("/admin/audit?" + urllib.parse.urlencode({"tenant": XSS["id"]}))
    # Open every before/after so their JSON is rendered too, not only present in the DOM.
    for summary in driver.find_elements(By.CSS_SELECTOR, "main details:not([open]) > summary"):
        summary.click()
    xss_checks("audit log", [])
    # What the signup entry shows of the owner depends on the columns; any one of the
    # payloads' cores (free of '/' and '"', which JSON may escape) must be there as text.
    shown = find("main").get_attribute("textContent")
    cores = ["<svg onload=alert(2)>", "<img src=x onerror=alert(1)>", "onerror=alert(3)>@xss.test"]
    check(any(core in shown for core in cores), f"audit log: none of {cores} is shown as text")


def step_billing():
    """The tenant page's billing section: the trial, then three staff actions, each with a reason."""
    coupon = f"BROWSER{RUN}".upper().replace("-", "")[:30]
    out = subprocess.run([KEEL_BIN, "coupons", "create", "--code", coupon, "--name", "Browser test", "--percent-off", "20"],
                         capture_output=True, text=True, timeout=120)
    check(out.returncode == 0, f"keel coupons create exited {out.returncode}:\n{out.stdout}{out.stderr}")
    driver.get(state["tenant_url"])
    # The trial appears a moment after sign-up (Billing reacts through the outbox).
    for _ in range(40):
        if (text_of("#billing-status")(driver) or "") == "trialing":
            break
        time.sleep(0.25)
        driver.get(state["tenant_url"])
    wait_text("#billing-status", "trialing")
    submit_and_land("form#extend-trial", {"days": "7", "reason": "browser test: onboarding ran late"}, "trial_extended")
    submit_and_land("form#tax-rate", {"basis_points": "2000", "reason": "browser test: VAT"}, "tax_rate_set")
    wait_text("#billing-tax", "20 %")
    submit_and_land("form#apply-coupon", {"code": coupon, "reason": "browser test: launch offer"}, "coupon_applied")
    wait(lambda d: coupon in (text_of("#billing-coupon")(d) or ""), f"#billing-coupon does not name {coupon}")
    find("#billing").location_once_scrolled_into_view
    screenshot("billing.png")


def check_invoice_page(driver, base, tenant_id, invoice_id):
    """The console's invoice page: the heading names the invoice, the payment attempts are listed.
    Not a step of its own: a trial has no invoice, so the caller brings one. The screenshot is
    invoice-payments.png (invoice.png is already the PDF sample)."""
    path = f"/admin/tenants/{tenant_id}/billing/invoices/{invoice_id}"
    drain_console()
    driver.get(base + path)

    def heading(d):
        try:
            return d.find_element(By.CSS_SELECTOR, "main h1").text.strip()
        except (NoSuchElementException, StaleElementReferenceException):
            return None

    try:
        WebDriverWait(driver, WAIT).until(lambda d: (heading(d) or "").startswith("Invoice"))
    except TimeoutException:
        raise StepFailed(f"{path}: the h1 should name the invoice, reads {heading(driver)!r} (at {driver.current_url})") from None
    check(path_of(driver.current_url) == path, f"{path} redirected to {driver.current_url}")
    titles = [h.text.strip() for h in driver.find_elements(By.CSS_SELECTOR, "main h2")]
    check("Payment attempts" in titles, f"{path}: no 'Payment attempts' section; h2s: {titles}")
    tables = driver.find_elements(By.CSS_SELECTOR, "table#payment-attempts")
    check(tables, f"{path}: no table#payment-attempts")
    tables[0].location_once_scrolled_into_view
    SHOTS.mkdir(parents=True, exist_ok=True)
    check(driver.save_screenshot(str(SHOTS / "invoice-payments.png")), "could not save invoice-payments.png")


def end_trial(tenant):
    """No API ends a trial early: move it into the past. The anchor moves with it (as a trial
    extension moves it), so the first paid period runs a month from the trial's end; the
    period must start before it ends (a check constraint)."""
    tenant_id = tenant["id"]
    check(re.fullmatch(r"[0-9a-f-]{36}", tenant_id), f"unexpected tenant id {tenant_id!r}")
    ended = psql(
        "update billing.subscriptions set trial_end = now() - interval '1 minute', "
        "billing_anchor = now() - interval '1 minute', "
        "current_period_start = now() - interval '15 days', current_period_end = now() - interval '1 minute' "
        f"where tenant_id = '{tenant_id}' and status = 'trialing' returning subscription_id")
    check(len(ended) == 1, f"expected one trialing subscription for {tenant['slug']}, updated {len(ended)}")


def wait_for_invoice(tenant_url, invoice_status, billing_status=None, seconds=30):
    """Reloads the tenant page until its invoices list one in `invoice_status` (and, when given,
    #billing-status reads `billing_status`): the scheduler runs every second
    (KEEL_BILLING_SCHEDULER_SECONDS=1). Returns the invoice number's link."""
    def invoice_link():
        for row in driver.find_elements(By.CSS_SELECTOR, "table#invoices tbody tr"):
            badges = row.find_elements(By.CSS_SELECTOR, "span.badge")
            if badges and badges[0].text.strip() == invoice_status:
                links = [a for a in row.find_elements(By.TAG_NAME, "a")
                         if re.search(r"/billing/invoices/[0-9a-f-]{36}$", a.get_attribute("href") or "")]
                if links:
                    return links[0]
        return None

    deadline = time.monotonic() + seconds
    link = None
    while True:
        drain_console()
        driver.get(tenant_url)
        try:
            link = invoice_link()
            if link and billing_status and text_of("#billing-status")(driver) != billing_status:
                link = None
        except StaleElementReferenceException:
            link = None
        if link or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if not link:
        rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "table#invoices tbody tr")]
        wanted = f"invoice marked {invoice_status}" + (f" with #billing-status {billing_status}" if billing_status else "")
        raise StepFailed(f"no {wanted} on the tenant page {seconds} s after the trial ended; invoices: {rows}; "
                         f"subscription: {text_of('#billing-status')(driver)!r}")
    return link


def open_invoice(link, tenant_id):
    """Clicks an invoice number's link on the tenant page; waits for the invoice page.
    Returns (number, invoice id, the page's path)."""
    number = link.text.strip()
    check(number and number != "draft", f"the invoice link reads {number!r}, not an invoice number")
    invoice_id = link.get_attribute("href").rstrip("/").rsplit("/", 1)[1]
    old = driver.find_element(By.TAG_NAME, "html")
    drain_console()
    link.click()
    wait(EC.staleness_of(old), "the invoice number link did not open a page")
    path = f"/admin/tenants/{tenant_id}/billing/invoices/{invoice_id}"
    wait(lambda d: path_of() == path, f"the invoice link did not lead to {path}")
    wait(lambda d: number in (text_of("main h1")(d) or ""), f"the invoice page's h1 does not name {number}")
    return number, invoice_id, path


def step_payments():
    """A card on file, the trial ended: the scheduler issues the first invoice and charges it at
    localstripe; staff open it from the tenant page, see the succeeded attempt, refund part of it."""
    token = owner_token(ACME)
    card = stripe_card()
    status, answer = http_json("PUT", url("/v1/billing/payment-method"), {"payment_method": card}, token=token)
    check(status == 200, f"PUT /v1/billing/payment-method answered {status}: {answer}")

    tenant_id = ACME["id"]
    end_trial(ACME)

    # The scheduler ends the trial, issues the invoice, then charges the card. Watch the tenant
    # page until the invoice is paid; its number there opens the invoice's page.
    link = wait_for_invoice(state["tenant_url"], "paid")
    _, invoice_id, path = open_invoice(link, tenant_id)
    state["invoice_url"] = driver.current_url

    check_invoice_page(driver, BASE, tenant_id, invoice_id)
    wait_text("#invoice-status", "paid")
    attempt = row_containing("table#payment-attempts", "succeeded")
    provider_ids = [c.text.strip() for c in attempt.find_elements(By.CSS_SELECTOR, "code")]
    check(any(p.startswith("pi_") for p in provider_ids),
          f"the succeeded attempt names no pi_ payment: {attempt.text!r}")
    check("automatic" in attempt.text, f"the first attempt should be automatic: {attempt.text!r}")

    # A partial refund to the card, with a reason; the page comes back with the refund listed.
    reason = "browser test: goodwill refund"
    try:
        submit_and_land("form#refund", {"amount": "5.00", "reason": reason}, "refund_sent")
    except StepFailed as error:
        shown = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "p.error")]
        raise StepFailed(f"{error}; the page says: {shown}") from None
    check(path_of() == path, f"the refund came back to {driver.current_url}, not the invoice page")
    refund = row_containing("table#refunds", reason)
    check("5.00" in refund.text, f"the refund row does not show 5.00: {refund.text!r}")
    badge = find("span.badge", refund).text.strip()
    check(badge == "succeeded", f"the refund is {badge!r}, not succeeded: {refund.text!r}")
    check(any(c.text.strip().startswith("re_") for c in refund.find_elements(By.CSS_SELECTOR, "code")),
          f"the refund names no re_ refund at the provider: {refund.text!r}")
    credited = find("#invoice-credited").text
    check(credited.startswith("5.00"), f"#invoice-credited reads {credited!r} after a 5.00 refund")
    # The notice, the facts (paid, 5.00 credited), the refund form and both tables: all of it.
    screenshot_full_page("invoice-payments.png")


def step_orders():
    """ACME (its card on file since the payments step) orders an onboarding session and an add-on
    through the API and pays: the add-on is delivered at once, the session waits for staff.
    Staff find the order in the platform-wide list narrowed to ACME, record the session's
    delivery, add a note and refund part of it; the order page shows each change and its
    timeline. The list's CSV export carries the same filter."""
    token = owner_token(ACME)
    lines = [{"product": "onboarding", "quantity": 1}, {"product": "extra-seats", "quantity": 1}]
    status, order = http_json("POST", url("/v1/orders"), {"currency": "USD", "lines": lines}, token=token)
    check(status == 201 and order, f"POST /v1/orders answered {status}: {order}")
    order_id = order["id"]
    status, placed = http_json("POST", url(f"/v1/orders/{order_id}/place"), token=token, headers={"If-Match": "*"})
    check(status == 200, f"placing answered {status}: {placed}")
    status, paid = http_json("POST", url(f"/v1/orders/{order_id}/pay"), token=token,
                             headers={"Idempotency-Key": f"browser-{RUN}-order"})
    check(status in (200, 409), f"paying answered {status}: {paid}")  # 409: the collector charged it first
    deadline = time.monotonic() + 30
    while True:
        status, read = http_json("GET", url(f"/v1/orders/{order_id}"), token=token)
        if status == 200 and read.get("payment_status") == "paid":
            break
        check(time.monotonic() < deadline, f"order {order_id} is not paid 30 s later: {status} {read}")
        time.sleep(0.25)

    go("/admin/orders?" + urllib.parse.urlencode({"tenant": ACME["id"]}))
    reference = order_id[:8]
    row = row_containing("table#orders", reference)
    check("partially_fulfilled" in row.text and "paid" in row.text, f"the order's row reads {row.text!r}")
    href = find("a#export-orders-csv").get_attribute("href")
    check(path_of(href) == "/admin/orders.csv" and ACME["id"] in href, f"a#export-orders-csv points at {href}")
    status, content_type, body = browser_get(href)
    check(status == 200 and content_type.startswith("text/csv"), f"{href} answered {status} {content_type}")
    csv_lines = body.decode("utf-8").splitlines()
    check(csv_lines[0].startswith("id,tenant_id,tenant,status") and any(order_id in line for line in csv_lines[1:]),
          f"the CSV does not list {order_id}: {csv_lines[:3]}")
    screenshot("orders.png")

    old = driver.find_element(By.TAG_NAME, "html")
    find("a", row).click()
    wait(EC.staleness_of(old), "the order link did not open a page", ignoring=(WebDriverException,))
    wait_text("#order-status", "partially_fulfilled")
    wait_text("#order-payment", "paid")
    submit_and_land("form#fulfil", {"line_1": "1", "note": "browser test: session held"}, "order_fulfilled")
    wait_text("#order-status", "fulfilled")
    wait_text("#line-1-delivered", "1")
    submit_and_land("form#order-note", {"text": "browser test: the customer was happy"}, "note_added")
    check("the customer was happy" in find("#order-timeline").text, "the note is not on the timeline")
    submit_and_land("form#order-refund", {"amount": "100.00", "reason": "browser test: goodwill"}, "order_refunded")
    wait_text("#order-payment", "partially_refunded")
    check(find("#order-refunded").text.startswith("100.00"), f"#order-refunded reads {find('#order-refunded').text!r}")
    # A delivered order is refunded, never canceled: the page offers no cancel.
    check(not driver.find_elements(By.CSS_SELECTOR, "form#order-cancel"), "a delivered order offers a cancel form")
    kinds = find("#order-timeline").text
    for kind in ("placed", "paid", "partially fulfilled", "fulfilled", "partially refunded", "note"):
        check(kind in kinds, f"the timeline has no {kind!r}: {kinds!r}")
    screenshot_full_page("order.png")
    go("/admin/products")
    row_containing("table#products", "onboarding")


def step_dunning():
    """A second tenant whose card attaches but is always declined: when its trial ends the first
    charge fails (card_declined, a hard decline), the subscription goes past_due, and the invoice
    page shows the failed attempt and where dunning stands. Staff retry the charge now: declined
    again, the page says so (422) and lists both attempts."""
    sign_up(DUNNING)
    token = owner_token(DUNNING)
    # The subscription appears a moment after sign-up (Billing reacts through the outbox).
    deadline = time.monotonic() + 20
    while True:
        status, answer = http_json("GET", url("/v1/billing/subscription"), token=token)
        if status == 200 and answer and answer.get("status") == "trialing":
            break
        check(time.monotonic() < deadline,
              f"no trialing subscription for {DUNNING['slug']} 20 s after sign-up: {status} {answer}")
        time.sleep(0.25)
    card = stripe_card("4000000000000341")
    status, answer = http_json("PUT", url("/v1/billing/payment-method"), {"payment_method": card}, token=token)
    check(status == 200, f"PUT /v1/billing/payment-method (a card declined when charged) answered {status}: {answer}")
    end_trial(DUNNING)

    # The tenant, through the console's search.
    go("/admin/tenants?" + urllib.parse.urlencode({"q": DUNNING["slug"]}))
    row = row_containing("table#tenants", DUNNING["slug"])
    links = [a for a in row.find_elements(By.TAG_NAME, "a") if a.text.strip() == DUNNING["name"]]
    check(links, f"no link reading {DUNNING['name']!r} in the row: {row.text!r}")
    old = driver.find_element(By.TAG_NAME, "html")
    links[0].click()
    wait(EC.staleness_of(old), "the tenant link did not open a page")
    wait(lambda d: DUNNING["name"] in (text_of("h1")(d) or ""), f"the tenant page's h1 does not name {DUNNING['name']}")
    tenant_url = driver.current_url

    # The scheduler issues the invoice and charges it; the decline leaves it open and the
    # subscription past due.
    link = wait_for_invoice(tenant_url, "open", billing_status="past_due")
    open_invoice(link, DUNNING["id"])
    wait_text("#invoice-status", "open")

    def failed_attempts():
        rows = [r for r in driver.find_elements(By.CSS_SELECTOR, "table#payment-attempts tbody tr")
                if [b.text.strip() for b in r.find_elements(By.CSS_SELECTOR, "span.badge")] == ["failed"]]
        for r in rows:
            codes = [c.text.strip() for c in r.find_elements(By.CSS_SELECTOR, "code")]
            check("card_declined" in codes, f"a failed attempt does not name card_declined: {r.text!r}")
        return rows

    first = failed_attempts()
    check(len(first) == 1, f"expected one failed attempt, found {[r.text for r in first]}")
    check("automatic" in first[0].text, f"the first attempt should be automatic: {first[0].text!r}")

    # A hard decline is not charged again on the schedule, but the next try's date stays (dunning
    # ends there unless a new card comes): the page says both.
    dunning = find("#invoice-dunning").text.strip()
    check("hard decline" in dunning, f"#invoice-dunning does not mention the hard decline: {dunning!r}")
    next_try = re.search(r"[Nn]ext try (\d{4}-\d{2}-\d{2}) \d{2}:\d{2}", dunning)
    check(next_try, f"#invoice-dunning shows no next try date: {dunning!r}")
    today = time.strftime("%Y-%m-%d", time.gmtime())
    check(next_try.group(1) > today, f"the next try ({next_try.group(1)}) should be after today ({today}): {dunning!r}")

    # Staff charge it now, with a reason: declined again, so the invoice page comes back with
    # the error, and both attempts listed.
    error = submit_and_refuse("form#retry-collection", {"reason": "browser test: the customer says the card works now"})
    check("The payment failed" in error, f"the error box does not say the payment failed: {error!r}")
    both = failed_attempts()
    check(len(both) == 2, f"expected two failed attempts after the retry, found {[r.text for r in both]}")
    wait_text("#invoice-status", "open")
    dunning = find("#invoice-dunning").text.strip()
    check("hard decline" in dunning, f"after the retry, #invoice-dunning does not mention the hard decline: {dunning!r}")
    # The error, the open invoice, where dunning stands, the retry form and both attempts.
    screenshot_full_page("invoice-dunning.png")


def step_plans():
    go("/admin/plans")
    row_containing("table#plans", "starter")
    code = f"team-{RUN}".lower()[:40]
    submit_and_land("form#new-plan", {"code": code, "name": "Team (browser test)", "trial_days": "7", "prices": "USD 49.00"},
                    "plan_created")
    row = row_containing("table#plans", code)
    check("49.00 USD" in row.text, f"the new plan's row lacks its price: {row.text!r}")
    screenshot("plans.png")


def step_other_pages():
    for path, shot in (("/admin/mail", "mail.png"), ("/admin/staff", "staff.png")):
        go(path)
        check(path_of() == path, f"{path} redirected to {driver.current_url}")
        check(text_of("main h1")(driver), f"{path} has no h1")
        screenshot(shot)


def step_narrow():
    """At a phone's width the page itself never scrolls sideways (tables scroll in .table-wrap)."""
    # Headless Chromium will not make a window narrower than 500 px; emulate the viewport.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 380, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    try:
        pages = [url("/admin"), url("/admin/tenants?" + urllib.parse.urlencode({"q": ACME["slug"]})),
                 state["tenant_url"], state["user_url"],
                 url("/admin/audit?" + urllib.parse.urlencode({"tenant": ACME["id"]}))]
        if state.get("invoice_url"):  # the payments step ran
            pages.append(state["invoice_url"])
        for page in pages:
            drain_console()
            driver.get(page)
            width = driver.execute_script("return document.documentElement.scrollWidth")
            check(width <= 380, f"{page} is {width} px wide at a 380 px viewport")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def step_no_csp_violations():
    drain_console()
    blocked = [e["message"] for e in console_log if "Content Security Policy" in e.get("message", "")]
    check(not blocked, "the console reports CSP violations:\n  " + "\n  ".join(blocked[:10]))


# name, function, the steps it needs
STEPS = [
    ("login page", step_login_page, []),
    ("create a staff member (keel staff create)", step_create_staff, []),
    ("seed tenants through POST /v1/signup", step_seed, []),
    ("first sign-in: set a password, enrol TOTP", step_first_sign_in, ["create a staff member (keel staff create)"]),
    ("sign out, sign in with password and TOTP", step_sign_out_and_in, ["first sign-in: set a password, enrol TOTP"]),
    ("search a tenant", step_search_tenant, ["sign out, sign in with password and TOTP", "seed tenants through POST /v1/signup"]),
    ("open a user", step_open_user, ["search a tenant"]),
    ("lock and unlock", step_lock_unlock, ["open a user"]),
    ("view as the user: banner, read-only, audited", step_view_as, ["lock and unlock"]),
    ("export CSV", step_export_csv, ["search a tenant"]),
    ("audit entries for lock and unlock", step_audit, ["lock and unlock"]),
    ("XSS payloads stay text", step_xss, ["sign out, sign in with password and TOTP", "seed tenants through POST /v1/signup"]),
    ("mail and staff pages", step_other_pages, ["sign out, sign in with password and TOTP"]),
    ("billing: extend trial, tax rate, coupon", step_billing, ["search a tenant"]),
    ("payments: card, trial ends, invoice charged, refund", step_payments, ["search a tenant"]),
    ("orders: paid, delivered by staff, noted, refunded", step_orders, ["payments: card, trial ends, invoice charged, refund"]),
    ("dunning: declined card, past due, retry declined", step_dunning, ["sign out, sign in with password and TOTP"]),
    ("plans: add a plan", step_plans, ["sign out, sign in with password and TOTP"]),
    ("narrow window", step_narrow, ["open a user"]),
    ("no CSP violations", step_no_csp_violations, ["login page"]),
]


def keep_evidence(name):
    """A failing step's page: screenshot and HTML, for reading afterwards."""
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / f"failed-{stem}.png"))
        (ARTIFACTS / f"failed-{stem}.html").write_text(driver.page_source)
        return f" (page kept in {ARTIFACTS}/failed-{stem}.*)"
    except Exception:
        return ""


def main():
    global driver
    if not BASE or not KEEL_BIN:
        print("error: set KEEL_URL (http://localhost:PORT) and KEEL_BIN; see the top of this file", file=sys.stderr)
        return 2
    if urllib.parse.urlparse(BASE).hostname != "localhost":
        print("warning: KEEL_URL is not localhost; Chromium keeps Secure cookies over http only there",
              file=sys.stderr)
    print(f"Browser test against {BASE} (run {RUN}, staff {STAFF_EMAIL})")
    driver = start_browser()
    results = {}
    try:
        for name, function, needs in STEPS:
            missing = [n for n in needs if results.get(n) != "PASS"]
            if missing:
                results[name] = "SKIP"
                print(f"SKIP  {name} (needs: {', '.join(missing)})", flush=True)
                continue
            started = time.monotonic()
            try:
                function()
                results[name] = "PASS"
                print(f"PASS  {name} ({time.monotonic() - started:.1f} s)", flush=True)
            except Exception as error:
                results[name] = "FAIL"
                detail = str(error) if isinstance(error, StepFailed) else traceback.format_exc().rstrip()
                print(f"FAIL  {name}: {detail}{keep_evidence(name)}", flush=True)
    finally:
        driver.quit()
    counts = {k: list(results.values()).count(k) for k in ("PASS", "FAIL", "SKIP")}
    print(f"Screenshots: {SHOTS}")
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
    return 0 if counts["FAIL"] == counts["SKIP"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
