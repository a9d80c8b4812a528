#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# uibrowser.py - drives zt-controller's web UI in a real browser (Debian's
# chromium, headless, through chromedriver and python3-selenium) for
# t_ui.sh, and checks what a script could forge (CSRF, the sign-in
# backoff) with plain HTTP requests.  Prints "PASS t_ui.<step>" /
# "FAIL t_ui.<step>: why" lines; exits 1 at the first failure.
#
# Environment (set by t_ui.sh):
#   ZT_UI_URL      http://127.0.0.1:PORT (the --ui listener)
#   ZT_UI_USER, ZT_UI_PASSWORD   an administrator made with adduser
#   ZT_UI_JOIN     shell command run with the invite code as $1 (the member joins)
#   ZT_UI_MEMBER   the member's address
#   ZT_UI_STATUS   shell command printing the member's status of network $1
#   ZT_UI_SHOTS    directory for the screenshots (doc/ui to refresh the committed ones)
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

URL = os.environ["ZT_UI_URL"]
USER = os.environ["ZT_UI_USER"]
PASSWORD = os.environ["ZT_UI_PASSWORD"]
SHOTS = os.environ.get("ZT_UI_SHOTS", "")
T0 = time.time()
driver = None


def say(msg):
    print("# %5.1fs %s" % (time.time() - T0, msg), flush=True)


def passed(step, why=""):
    print("PASS t_ui.%s%s" % (step, " (%s)" % why if why else ""), flush=True)


def fail(step, why):
    print("FAIL t_ui.%s: %s" % (step, why), flush=True)
    if driver is not None:
        try:
            for e in driver.get_log("browser"):
                print("  browser: %s" % e.get("message"))
            print("  page: %s" % driver.find_element(By.TAG_NAME, "body").text[:600].replace("\n", " | "))
        except WebDriverException:
            pass
        driver.quit()
    sys.exit(1)


def wait_for(step, what, fn, timeout=15.0, every=0.2):
    """fn() until it returns something true; fail(step) after timeout."""
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            v = fn()
            if v:
                return v
        except WebDriverException as e:
            last = e
        time.sleep(every)
    fail(step, "%s not within %.0f s%s" % (what, timeout, " (%s)" % str(last).splitlines()[0] if last else ""))


def css(sel):
    return driver.find_element(By.CSS_SELECTOR, sel)


def css_all(sel):
    return driver.find_elements(By.CSS_SELECTOR, sel)


def shot(name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def http(method, path, body=None, headers=None):
    """A plain request (no browser): (status, JSON body or None)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, None


def sign_in(password):
    css("#signin-name").clear()
    css("#signin-name").send_keys(USER)
    css("#signin-password").clear()
    css("#signin-password").send_keys(password)
    css("#signin-submit").click()


def main():
    global driver
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800",
              "--disable-gpu", "--no-first-run", "--disable-extensions"):
        opts.add_argument(a)
    opts.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.set_page_load_timeout(20)
    say("chromium up")

    # Sign-in: a wrong password is refused, the right one lets in.
    driver.get(URL + "/")
    wait_for("signin", "the sign-in form", lambda: css_all("#signin-form"))
    shot("signin")
    sign_in("not-" + PASSWORD)
    err = wait_for("wrong_password", "an error for a wrong password",
                   lambda: css("#signin-error").text)
    if "wrong name or password" not in err or not css_all("#signin-form"):
        fail("wrong_password", "after a wrong password: '%s'" % err)
    passed("wrong_password", err)
    sign_in(PASSWORD)
    wait_for("signin", "the networks page", lambda: css_all("#new-net-form"))
    if css("#user-name").text != USER:
        fail("signin", "signed in as '%s'" % css("#user-name").text)
    cookie = driver.get_cookie("zt_session")
    if not cookie or not cookie.get("httpOnly") or cookie.get("sameSite") != "Strict":
        fail("signin", "session cookie not HttpOnly + SameSite=Strict: %s" % cookie)
    passed("signin", "as %s, cookie HttpOnly SameSite=Strict" % USER)

    # A network with a pool.
    css("#new-net-name").send_keys("team")
    css("#new-net-pool").send_keys("10.77.0.0/24")
    css("#new-net-create").click()
    wait_for("create_network", "the new network's member page", lambda: css_all("#member-search"))
    nwid = driver.current_url.rsplit("/", 1)[1]
    st, net = http("GET", "/ui/api/controller/network/" + nwid, headers={"Cookie": "zt_session=" + cookie["value"]})
    if st != 200 or net["ipAssignmentPools"] != [{"ipRangeStart": "10.77.0.1", "ipRangeEnd": "10.77.0.254"}]:
        fail("create_network", "network %s: %s %s" % (nwid, st, net))
    passed("create_network", "%s with pool 10.77.0.1-10.77.0.254" % nwid)

    # An invite; the member joins with its command.
    css("#tab-invites").click()
    wait_for("invite", "the invite form", lambda: css_all("#invite-create"))
    css("#invite-create").click()
    cmd = wait_for("invite", "the join command", lambda: css("#invite-command").text)
    if not cmd.startswith("zt-cli join zti1"):
        fail("invite", "command: '%s'" % cmd)
    wait_for("invite", "the invite in the list", lambda: len(css_all("#invites tr[data-invite]")) == 1)
    shot("invites")
    passed("invite", cmd[:40] + "...")
    code = cmd.split()[-1]
    r = subprocess.run(["sh", "-c", os.environ["ZT_UI_JOIN"], "join", code], capture_output=True, text=True, timeout=20)
    if r.returncode != 0:
        fail("join", "the member's join failed: %s %s" % (r.stdout, r.stderr))
    passed("join", r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "joined")

    # The member shows online (the page refreshes itself; a reload is
    # faster than waiting for that).
    member = os.environ["ZT_UI_MEMBER"]
    driver.get(URL + "/#/net/" + nwid)
    row = "tr.member[data-address='%s']" % member

    def online():
        rows = css_all(row + " .member-online")
        if rows and rows[0].text == "online" and "authorized" == css(row + " .member-auth").text:
            return True
        driver.refresh()
        return False
    wait_for("member_online", "member %s online and authorized" % member, online, timeout=30, every=1.5)
    ips = css(row + " td:nth-child(4)").text
    if not ips.startswith("10.77.0."):
        fail("member_online", "member addresses '%s', want one from the pool" % ips)
    shot("members")
    passed("member_online", "%s online, %s" % (member, ips))

    # Settings and a rule script with an error shown at its line.
    css("#tab-settings").click()
    wait_for("settings", "the settings form", lambda: css_all("#s-domain"))
    css("#s-domain").send_keys("team.zt")
    css("#s-servers").send_keys("10.77.0.53")
    shot("settings")
    css("#s-save").click()
    wait_for("settings", "saved settings", lambda: "saved" in css("#notice").text)
    st, net = http("GET", "/ui/api/controller/network/" + nwid, headers={"Cookie": "zt_session=" + cookie["value"]})
    if net.get("dns", {}).get("domain") != "team.zt":
        fail("settings", "dns after save: %s" % net.get("dns"))
    wait_for("settings", "the settings form again", lambda: css_all("#s-domain"))
    passed("settings", "DNS domain team.zt saved")
    css("#tab-rules").click()
    wait_for("rules", "the rules editor", lambda: css_all("#rules-source"))
    css("#rules-source").send_keys("accept;\nfrobnicate 7;\n")
    css("#rules-save").click()
    err = wait_for("rules", "the compile error", lambda: css("#rules-error").text)
    bad = css_all("#rules-gutter .bad")
    if not err.startswith("Line 2") or not bad or bad[0].text.strip() != "2":
        fail("rules", "error '%s', marked line %s" % (err, [b.text for b in bad]))
    shot("rules")
    passed("rules", err)

    # Tags and capabilities by the names the rules give them: a script
    # that names them, then the member's tag set by name in its editor
    # arrives in the API as the right number.
    css("#rules-source").clear()
    css("#rules-source").send_keys("tag role id 7 enum 0 staff enum 5 contractor default staff;\n"
                                   "cap ops id 3 accept dport 22;;\n"
                                   "accept;\n")
    css("#rules-save").click()
    wait_for("tags_by_name", "the rules saved", lambda: "compiled" in css("#notice").text)
    driver.get(URL + "/#/net/" + nwid)
    wait_for("tags_by_name", "the member's edit button", lambda: css_all(row + " .member-edit"))
    css(row + " .member-edit").click()
    wait_for("tags_by_name", "the tag select by name", lambda: css_all("#member-dialog #m-tag-7"))
    Select(css("#m-tag-7")).select_by_visible_text("contractor (5)")
    css("#m-cap-3").click()
    css("#m-tags").clear()
    css("#m-tags").send_keys("9=4")
    shot("member")
    css("#m-save").click()
    wait_for("tags_by_name", "the dialog closed", lambda: not css_all("#member-dialog"))
    st, m = http("GET", "/ui/api/controller/network/%s/member/%s" % (nwid, member),
                 headers={"Cookie": "zt_session=" + cookie["value"]})
    if st != 200 or m.get("tags") != [[7, 5], [9, 4]] or m.get("capabilities") != [3]:
        fail("tags_by_name", "member after the save: %s tags %s capabilities %s" % (st, m.get("tags"), m.get("capabilities")))
    shown = wait_for("tags_by_name", "the tags shown by name in the list",
                     lambda: "role=contractor" in css(row + " .member-tags").text and css(row + " .member-tags").text)
    if "9=4" not in shown or "ops" not in shown:
        fail("tags_by_name", "the list shows '%s'" % shown)
    shot("members")
    passed("tags_by_name", "role=contractor and ops set by name: tags %s, capabilities %s; the list shows '%s'"
           % (m["tags"], m["capabilities"], shown))

    # Deauthorize: the member's ztd says ACCESS_DENIED.
    driver.get(URL + "/#/net/" + nwid)
    wait_for("deauthorize", "the member row", lambda: css_all(row + " .auth-toggle"))
    css(row + " .auth-toggle").click()
    wait_for("deauthorize", "the member shown not authorized",
             lambda: css(row + " .member-auth").text == "not authorized")

    def denied():
        r = subprocess.run(["sh", "-c", os.environ["ZT_UI_STATUS"], "status", nwid],
                           capture_output=True, text=True, timeout=15)
        return "ACCESS_DENIED" in r.stdout
    wait_for("deauthorize", "ACCESS_DENIED at the member", denied, timeout=30, every=1)
    passed("deauthorize", "the member's ztd reports ACCESS_DENIED")

    # The audit trail names the UI user.
    driver.get(URL + "/#/audit")
    wait_for("audit", "the audit page", lambda: css_all("#audit tr[data-audit]"))
    whos = [e.text for e in css_all("#audit .audit-who")]
    objs = [e.text for e in css_all("#audit tr[data-audit] td:nth-child(4)")]
    want = "network/%s/member/%s" % (nwid, member)
    # The UI's changes are alice's; adduser's (user/alice) the API token's.
    ui_whos = {w for w, o in zip(whos, objs) if o.startswith("network/")}
    if want not in objs or ui_whos != {USER} or ("admin", "user/" + USER) not in zip(whos, objs):
        fail("audit", "who and objects: %s" % list(zip(whos, objs))[:6])
    shot("audit")
    driver.get(URL + "/#/")
    wait_for("networks", "the network list", lambda: css_all("#networks tr[data-nwid]"))
    shot("networks")
    passed("audit", "%d changes made in the UI recorded as %s" % (sum(o.startswith("network/") for o in objs), USER))

    # CSRF: the session cookie alone, or with a forged token, changes nothing.
    jar = {"Cookie": "zt_session=" + cookie["value"], "Content-Type": "application/json"}
    for what, extra in (("no token", {}), ("a forged token", {"X-CSRF-Token": "0" * 64})):
        st, j = http("POST", "/ui/api/controller/network/" + nwid, {"name": "pwned"}, dict(jar, **extra))
        if st != 403:
            fail("csrf", "a change with %s: %s %s" % (what, st, j))
    st, j = http("POST", "/ui/api/controller/network/" + nwid, {"name": "pwned"},
                 dict(jar, **{"X-CSRF-Token": driver.execute_script("return S.csrf"), "Sec-Fetch-Site": "cross-site"}))
    if st != 403:
        fail("csrf", "a cross-site request with the right token: %s" % st)
    st, net = http("GET", "/ui/api/controller/network/" + nwid, headers=jar)
    if net.get("name") != "team":
        fail("csrf", "the network was renamed: %s" % net.get("name"))
    st, j = http("POST", "/ui/api/controller/network/" + nwid, {"name": "team"}, {"Content-Type": "application/json"})
    if st != 401:
        fail("csrf", "a change without a session: %s" % st)
    passed("csrf", "no token, a forged one and a cross-site request: 403; no session: 401")

    # Sign-out ends the session on the server too.
    css("#signout").click()
    wait_for("signout", "the sign-in form", lambda: css_all("#signin-form"))
    st, j = http("GET", "/ui/api/controller/network", headers=jar)
    if st != 401:
        fail("signout", "the old cookie still works: %s" % st)
    passed("signout", "the old cookie is refused")
    driver.quit()
    driver = None

    # Backoff: after 3 failures an address waits before its next try.
    codes = [http("POST", "/ui/api/signin", {"name": USER, "password": "wrong"})[0] for _ in range(4)]
    if codes[:3] != [401, 401, 401] or codes[3] != 429:
        fail("backoff", "four wrong passwords answered %s, want 401 401 401 429" % codes)
    st, j = http("POST", "/ui/api/signin", {"name": USER, "password": PASSWORD})
    if st != 429:
        fail("backoff", "the right password during the wait: %s" % st)
    passed("backoff", "401 x3, then 429 (%s)" % j.get("description"))


if __name__ == "__main__":
    main()
