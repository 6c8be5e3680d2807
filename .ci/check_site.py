#!/usr/bin/env python3
"""Check the built book in a real browser: headless Chromium loads every page.

The static site is what most readers see, and faults that a Sphinx build does not
notice show only in a browser: a script that fails, formulas left as raw TeX because
MathJax did not load, an output box cut off by its column. This script serves an HTML
directory (``_build/html``) from a local ``http.server`` thread, opens every page in
Debian's Chromium through Debian's chromedriver (selenium 4; the driver is never
downloaded) in a 1280 x 900 window, with every host name except the local server made
unresolvable, and runs the checks of :data:`CHECKS` on it:

``console``
    no console error (SEVERE log entry) from the site's own files;
``external``
    no request leaves the site (math, widgets and scripts are served by the site);
``images``
    no broken image (loaded, ``naturalWidth > 0``);
``widgets``
    every embedded widget view was rendered by the widget manager;
``raw_tex``
    once MathJax has finished, no TeX is left in the visible text (``\\(``, ``\\[``,
    ``$$``, ``\\frac``, ...), headings and the sidebar included; code is not text;
``wide_outputs``
    no cell output box is wider than its column (it needs no sideways scrolling and
    nothing reaches past the article's right edge);
``wide_math``
    no display formula is wider than its box (it would be clipped or scroll, or run
    under its equation number): the box's ``scrollWidth`` exceeds its ``clientWidth``,
    or the rendered math reaches past the box's right edge;
``code_scroll``
    no visible code block of the article (code cells, literal listings) needs
    sideways scrolling;
``page_scroll``
    the page itself does not scroll sideways (``scrollWidth`` of the document is at
    most the window's inner width);
``small_labels``
    the smallest text of every matplotlib figure is at least 9 px on the page: the
    house style's smallest font size (points, read by ``check_figures``) x the PNG's
    dpi (its ``pHYs`` chunk) / 72 x rendered width / natural width >= 9;
``explorers``
    every explorer of the embedded widget state (class ``fractal-explorer``) is on
    the page, and moving each of its sliders in turn (click the handle, press an
    arrow key) and each drop-down (next option) changes the bytes of the figure
    shown (fetched in the page and hashed, so identical frames do not pass).

Collapsed content (``<details>``, "Show code cell source") is opened before the layout
checks: a reader can open it. Each check is a function ``check_<name>(page)`` that
returns a list of failure messages, so it can be tested on small synthetic pages
(``tests/test_check_site.py``).

Usage: ``python .ci/check_site.py [HTML_DIR] [--pages GLOB] [--checks a,b]
[--max-shown N]`` (default ``_build/html``). Prints a table of failure counts per
page and check, then the failures, and exits 1 when there is any, 2 when the browser
is missing, 0 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import functools
import http.server
import importlib.util
import json
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

#: Debian's chromium and chromium-driver (``apt-get install chromium chromium-driver``).
CHROMIUM = "/usr/bin/chromium"
#: The system chromedriver; selenium would otherwise try to download one.
CHROMEDRIVER = "/usr/bin/chromedriver"
#: Browser window, as measured for the chapter column (740 px article, 73 code chars).
WINDOW = (1280, 900)
#: The figure checks of ``check_figures.py`` (PNG dpi, the house style's smallest text).
_spec = importlib.util.spec_from_file_location(
    "_check_figures", Path(__file__).with_name("check_figures.py")
)
check_figures = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = check_figures  # its dataclasses look themselves up there
_spec.loader.exec_module(check_figures)
#: Resolution assumed for a PNG without a ``pHYs`` chunk (the style's ``savefig.dpi``).
DEFAULT_DPI = 150.0
#: Smallest readable label height on the page, in CSS pixels.
MIN_LABEL_PX = 9.0
#: Seconds to wait for widgets to render, MathJax to finish or a figure to change.
WAIT_S = 20.0

# TeX that MathJax should have replaced: a delimited formula counts once, then lone
# delimiters, common control words and $...$ holding TeX.
_RAW_TEX = re.compile(
    r"\\\(.*?\\\)|\\\[.*?\\\]|\$\$.*?\$\$|\\[()\[\]]|\$\$"
    r"|\\(?:frac|sqrt|sum|int|mathrm|mathbf|mathcal|text|left|right|"
    r"alpha|beta|gamma|delta|eta|lambda|mu|sigma|theta|tau|nabla|partial|cdot|"
    r"times|langle|rangle|leq|geq|approx|propto|infty|log|exp|begin|end)(?![A-Za-z])"
    r"|\$[^$\s][^$]*[\\^_][^$]*\$",
    re.S,
)
_LOCAL_HOSTS = ("127.0.0.1", "localhost")


@dataclass
class Page:
    """One loaded page: the driver showing it and what the browser logged."""

    driver: object
    url: str
    base: str
    requests: list[str] = field(default_factory=list)
    logs: list[dict] = field(default_factory=list)
    #: How MathJax ended: "mathjax2", "mathjax3", "none" (not on the page), "timeout".
    mathjax: str = "none"

    def js(self, script: str, *args: object) -> object:
        """Run ``script`` (a function body) in the page and return its value."""
        return self.driver.execute_script(script, *args)

    def js_async(self, script: str, *args: object) -> object:
        """Run ``script``; it calls ``done(value)`` (its last argument) at the end."""
        body = "const done = arguments[arguments.length - 1];\n" + script
        return self.driver.execute_async_script(body, *args)

    def collect_logs(self) -> None:
        """Move the browser's console log and network requests into this page."""
        self.logs.extend(self.driver.get_log("browser"))
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"]["url"])


# --------------------------------------------------------------------------------------
# Serving and browsing


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on a free local port; yield its base URL (ending in /)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def browser_missing() -> str | None:
    """Why the browser check cannot run here, or None when it can."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(path) or shutil.which(path)):
            return f"{path} is missing (Debian packages chromium, chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    return None


def make_driver() -> object:
    """Headless Chromium with console and network logging, offline but for 127.0.0.1."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        # Every other host fails, so a page that needs a CDN fails here as offline.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(arg)
    options.set_capability(
        "goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"}
    )
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(120)
    driver.set_script_timeout(WAIT_S + 10)
    return driver


def load(driver: object, url: str, base: str) -> Page:
    """Open ``url``, wait for widgets and MathJax, and return the :class:`Page`."""
    driver.get_log("browser")  # drop what the previous page left
    driver.get_log("performance")
    driver.get(url)
    page = Page(driver=driver, url=url, base=base)
    _wait_widgets(page)
    page.mathjax = page.js_async(_MATHJAX_DONE, int(WAIT_S * 1000))
    return page


_MATHJAX_DONE = """
const limit = arguments[0];
const timer = setTimeout(() => done('timeout'), limit);
const finish = (how) => { clearTimeout(timer); done(how); };
const mj = window.MathJax;
if (mj && mj.Hub && mj.Hub.Register) {
  // The hook must not return the queue's callback: MathJax would wait on it (deadlock).
  mj.Hub.Register.StartupHook('End', () => { mj.Hub.Queue(() => finish('mathjax2')); });
} else if (mj && mj.startup && mj.startup.promise) {
  mj.startup.promise.then(() => finish('mathjax3'), () => finish('mathjax3 failed'));
} else {
  finish('none');
}
"""


def _wait_widgets(page: Page) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and page.js(_UNRENDERED_WIDGETS):
        time.sleep(0.25)


_UNRENDERED_WIDGETS = """
const views = document.querySelectorAll(
  'script[type="application/vnd.jupyter.widget-view+json"]');
let missing = 0;
for (const v of views) {
  const el = v.previousElementSibling;
  if (!(el && el.classList.contains('widget-subarea') && el.children.length)) missing++;
}
return missing;
"""


def _is_local(url: str, base: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return True  # data:, blob:, about:, chrome-error: never leave the machine
    return url.startswith(base) or parts.hostname in _LOCAL_HOSTS


def _short(url: str, base: str) -> str:
    return url[len(base) :] if url.startswith(base) else url


# --------------------------------------------------------------------------------------
# The checks: each takes a loaded Page and returns its failure messages.


def check_console(page: Page) -> list[str]:
    """SEVERE console entries from the site's own files (scripts, inline code, 404s)."""
    page.collect_logs()
    out = []
    for entry in page.logs:
        if entry.get("level") != "SEVERE":
            continue
        message = entry.get("message", "")
        first = message.split(" ", 1)[0]
        if first.startswith("http") and not _is_local(first, page.base):
            continue  # a failed CDN request: reported by check_external
        if "/favicon.ico" in first:
            continue  # the browser asks for it; the site has none
        out.append(_short(message, page.base)[:300])
    return out


def check_external(page: Page) -> list[str]:
    """Requests the page sent outside the site (CDNs): it must be self-contained."""
    page.collect_logs()
    seen = dict.fromkeys(u for u in page.requests if not _is_local(u, page.base))
    return [f"request to {url}" for url in seen]


def check_images(page: Page) -> list[str]:
    """Images that failed to load (incomplete, or naturalWidth 0)."""
    broken = page.js_async(
        """
        const imgs = [...document.images];
        imgs.forEach(i => { if (i.loading === 'lazy') i.loading = 'eager'; });
        const t0 = Date.now();
        (function poll() {
          const pending = imgs.filter(i => i.src && !i.complete);
          if (pending.length && Date.now() - t0 < 10000) return setTimeout(poll, 100);
          done(imgs.filter(i => i.src && !(i.complete && i.naturalWidth > 0))
                   .map(i => i.getAttribute('src').slice(0, 120)));
        })();
        """
    )
    return [f"broken image {src}" for src in broken]


def check_widgets(page: Page) -> list[str]:
    """Embedded widget views that the widget manager did not render."""
    missing = page.js(_UNRENDERED_WIDGETS)
    return [f"{missing} embedded widget view(s) not rendered"] if missing else []


def check_raw_tex(page: Page) -> list[str]:
    """TeX left in the visible text once MathJax finished (code excluded)."""
    texts = page.js(
        """
        // Code is not text: cells, literals and API signatures (default values).
        const skip = 'PRE,CODE,SCRIPT,STYLE,TEXTAREA,NOSCRIPT,.sig';
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const out = [];
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const el = n.parentElement;
          if (!el || el.closest(skip) || !n.data.trim()) continue;
          if (!el.getClientRects().length) continue;  // not rendered
          const style = getComputedStyle(el);
          if (style.visibility === 'hidden') continue;
          out.push(n.data);
        }
        return out;
        """
    )
    out = []
    if page.mathjax not in ("mathjax2", "mathjax3", "none"):
        out.append(f"MathJax did not finish typesetting ({page.mathjax})")
    for text in texts:
        for match in _RAW_TEX.finditer(text):
            start = max(match.start() - 25, 0)
            snippet = " ".join(text[start : match.end() + 25].split())
            out.append(f"raw TeX {match.group(0)!r} in ...{snippet}...")
    return out


def _open_collapsed(page: Page) -> None:
    page.js(
        """
        document.querySelectorAll('details').forEach(d => { d.open = true; });
        document.querySelectorAll('.toggle-hidden').forEach(
          e => e.classList.remove('toggle-hidden'));
        """
    )


def check_wide_outputs(page: Page) -> list[str]:
    """Cell output boxes wider than their column (scrolling, or past the article)."""
    _open_collapsed(page)
    rows = page.js(
        """
        const art = document.querySelector('article.bd-article')
          || document.querySelector('main') || document.body;
        const right = art.getBoundingClientRect().right;
        const out = [];
        for (const box of document.querySelectorAll('.cell_output > *')) {
          if (!box.getClientRects().length) continue;
          let worst = 0;
          for (const el of [box, ...box.querySelectorAll('*')]) {
            if (!el.getClientRects().length) continue;
            // Visually hidden text for screen readers (MathJax's assistive MathML is
            // clipped to a 1 px box) is not seen, so it cannot be cut off.
            if (el.clientWidth <= 1 || el.closest('.MJX_Assistive_MathML')) continue;
            const ox = getComputedStyle(el).overflowX;
            if (ox !== 'visible' && el.scrollWidth > el.clientWidth + 1)
              worst = Math.max(worst, el.scrollWidth - el.clientWidth);
            const r = el.getBoundingClientRect();
            if (r.width > 0 && r.right > right + 1)
              worst = Math.max(worst, r.right - right);
          }
          if (worst > 0) out.push([Math.round(worst),
                                   box.innerText.trim().split('\\n')[0].slice(0, 70)]);
        }
        return out;
        """
    )
    return [f"output {px} px too wide: {text!r}" for px, text in rows]


def check_wide_math(page: Page) -> list[str]:
    """Display formulas wider than their box (clipped, scrolling, under the number)."""
    _open_collapsed(page)
    rows = page.js(
        """
        const sel = 'div.math, .MathJax_Display, mjx-container[display="true"]';
        const out = [];
        for (const box of document.querySelectorAll(sel)) {
          if (!box.getClientRects().length || box.clientWidth <= 1) continue;
          // A MathJax_Display inside a div.math is the same formula: report it once.
          const outer = box.parentElement && box.parentElement.closest(sel);
          if (outer && outer.getClientRects().length) continue;
          const right = box.getBoundingClientRect().left + box.clientWidth;
          let worst = box.scrollWidth - box.clientWidth;
          // The rendered formula as a whole (its glyph boxes may stick out a pixel
          // past MathJax's own metrics; what overflows inside shows in scrollWidth).
          const math = box.querySelectorAll(
            ':scope > *, .MathJax, .MathJax_CHTML, .MathJax_SVG, mjx-math, svg');
          for (const el of math) {
            if (!el.getClientRects().length || el.closest('.MJX_Assistive_MathML'))
              continue;
            const r = el.getBoundingClientRect();
            if (r.width > 0) worst = Math.max(worst, r.right - right);
          }
          if (worst > 1) {
            const text = (box.textContent || '').trim().replace(/\\s+/g, ' ');
            out.push([Math.round(worst), text.slice(0, 70)]);
          }
        }
        return out;
        """
    )
    return [f"display math {px} px too wide: {text!r}" for px, text in rows]


def check_page_scroll(page: Page) -> list[str]:
    """The page scrolls sideways (something wider than the window)."""
    _open_collapsed(page)
    over = page.js("return document.documentElement.scrollWidth - window.innerWidth;")
    if over <= 1:
        return []
    culprits = page.js(
        """
        const w = window.innerWidth;
        const out = [];
        for (const el of document.body.querySelectorAll('*')) {
          if (!el.getClientRects().length) continue;
          const r = el.getBoundingClientRect();
          if (r.right + window.scrollX > w + 1 && ![...el.children].some(
                c => c.getBoundingClientRect().right + window.scrollX > w + 1))
            out.push(el.tagName.toLowerCase() + (el.className && el.className.baseVal
              === undefined ? '.' + String(el.className).split(' ')[0] : '') + ' '
              + (el.textContent || '').trim().slice(0, 40));
          if (out.length >= 3) break;
        }
        return out;
        """
    )
    return [f"page scrolls sideways {over} px: " + "; ".join(culprits)]


def check_code_scroll(page: Page) -> list[str]:
    """Visible code blocks of the article (cells, listings) that scroll sideways."""
    _open_collapsed(page)
    rows = page.js(
        """
        const art = document.querySelector('article.bd-article')
          || document.querySelector('main') || document.body;
        const out = [];
        for (const pre of art.querySelectorAll('pre')) {
          if (!pre.getClientRects().length) continue;
          if (pre.scrollWidth > pre.clientWidth + 1) {
            const lines = pre.innerText.split('\\n');
            const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), '');
            out.push([pre.scrollWidth - pre.clientWidth, longest.length,
                      longest.trim().slice(0, 60)]);
          }
        }
        return out;
        """
    )
    return [f"code scrolls {px} px ({n} chars): {text!r}" for px, n, text in rows]


def check_small_labels(page: Page) -> list[str]:
    """Matplotlib figures shrunk so far that their smallest text is under 9 px.

    Every PNG of a cell output counts, unless its ``Software`` metadata names another
    program than Matplotlib (the explorers' frames are saved without metadata).
    """
    _open_collapsed(page)
    rows = page.js_async(
        """
        const imgs = [...document.querySelectorAll('.cell_output img')].filter(
          i => i.getClientRects().length && i.naturalWidth > 0);
        Promise.all(imgs.map(i => fetch(i.src)
            .then(r => r.arrayBuffer())
            .then(b => Array.from(new Uint8Array(b.slice(0, 4096))))
            .catch(() => [])))
          .then(heads => done(imgs.map((i, k) => [
              i.getBoundingClientRect().width, i.naturalWidth,
              (i.closest('.fractal-explorer') ? 'explorer frame ' : '') +
              (i.getAttribute('alt') || i.getAttribute('src')).slice(0, 70),
              heads[k]])));
        """
    )
    out = []
    for shown, natural, name, head in rows:
        data = bytes(head)
        if data[:8] != b"\x89PNG\r\n\x1a\n":
            continue
        if b"Software" in data and b"Matplotlib" not in data:
            continue
        dpi = check_figures.png_size_dpi(data)[2] or DEFAULT_DPI
        label = check_figures.SMALLEST_PT / 72 * dpi * shown / natural
        if label < MIN_LABEL_PX:
            out.append(
                f"figure shown at {shown:.0f}/{natural} px ({dpi:.0f} dpi): labels "
                f"{label:.1f} px < {MIN_LABEL_PX:g}: {name}"
            )
    return out


def check_explorers(page: Page) -> list[str]:
    """Moving each slider of each explorer changes the bytes of the figure it shows.

    The figure is fetched in the page and hashed (SHA-256), so a control that swaps in
    an identical frame fails. Drop-downs are moved to their next option the same way.
    """
    out = []
    explorers = page.driver.find_elements("css selector", ".fractal-explorer")
    declared = page.js(_DECLARED_EXPLORERS)
    if declared > len(explorers):
        out.append(
            f"{declared - len(explorers)} explorer(s) of the embedded widget state "
            "not on the page"
        )
    for k, explorer in enumerate(explorers, start=1):
        if page.js_async(_SHOWN_HASH, explorer) is None:
            out.append(f"explorer {k}: no figure shown")
            continue
        sliders = explorer.find_elements("css selector", ".noUi-handle")
        selects = explorer.find_elements("css selector", "select")
        controls = [("slider", n) for n in range(len(sliders))]
        controls += [("drop-down", n) for n in range(len(selects))]
        if not controls:
            out.append(f"explorer {k}: no slider")
        for kind, n in controls:
            what = f"{kind} {n + 1}"
            before = page.js_async(_SHOWN_HASH, explorer)
            moved = _move_control(page, explorer, kind, n)
            if moved is not None:
                out.append(f"explorer {k}, {what}: {moved}")
                continue
            deadline = time.monotonic() + WAIT_S
            while time.monotonic() < deadline:
                if page.js_async(_SHOWN_HASH, explorer) not in (before, None):
                    break
                time.sleep(0.2)
            else:
                out.append(f"explorer {k}: the figure did not change when {what} moved")
    return out


def _move_control(page: Page, explorer: object, kind: str, index: int) -> str | None:
    """Move the explorer's slider or drop-down ``index``: None, or why it did not."""
    from selenium.webdriver.common.keys import Keys

    if kind == "drop-down":
        moved = page.js(
            """
            const select = arguments[0].querySelectorAll('select')[arguments[1]];
            if (select.options.length < 2) return false;
            select.selectedIndex = (select.selectedIndex + 1) % select.options.length;
            select.dispatchEvent(new Event('change', {bubbles: true}));
            return true;
            """,
            explorer,
            index,
        )
        return None if moved else "it has fewer than two options"
    handle = explorer.find_elements("css selector", ".noUi-handle")[index]
    page.js("arguments[0].scrollIntoView({block: 'center'});", handle)
    # Left when the slider starts at its maximum.
    for key in (Keys.ARROW_RIGHT, Keys.ARROW_LEFT):
        value = handle.get_attribute("aria-valuenow")
        handle.click()
        handle.send_keys(key)
        if handle.get_attribute("aria-valuenow") != value:
            return None
    return "the slider does not move"


# Widgets of class fractal-explorer in the page's embedded widget state.
_DECLARED_EXPLORERS = """
let n = 0;
const sel = 'script[type="application/vnd.jupyter.widget-state+json"]';
for (const script of document.querySelectorAll(sel)) {
  let state = {};
  try { state = JSON.parse(script.textContent).state || {}; } catch (e) { continue; }
  for (const model of Object.values(state)) {
    const classes = (model.state || {})._dom_classes || [];
    if (classes.includes('fractal-explorer')) n++;
  }
}
return n;
"""

# SHA-256 (hex) of the bytes of the explorer's visible image, or null when none shows.
_SHOWN_HASH = """
const img = [...arguments[0].querySelectorAll('img')].find(
  i => i.getClientRects().length && i.getBoundingClientRect().width > 0);
if (!img) { done(null); } else {
  fetch(img.src).then(r => r.arrayBuffer())
    .then(b => crypto.subtle.digest('SHA-256', b))
    .then(h => done(Array.from(new Uint8Array(h))
                      .map(x => x.toString(16).padStart(2, '0')).join('')))
    .catch(e => done('unreadable ' + img.src.slice(0, 60) + ': ' + e));
}
"""

#: The checks, in the order they run on each page (console and external last, so they
#: see what the other checks, the explorers above all, made the page do).
CHECKS: dict[str, Callable[[Page], list[str]]] = {
    "images": check_images,
    "widgets": check_widgets,
    "raw_tex": check_raw_tex,
    "wide_outputs": check_wide_outputs,
    "wide_math": check_wide_math,
    "code_scroll": check_code_scroll,
    "page_scroll": check_page_scroll,
    "small_labels": check_small_labels,
    "explorers": check_explorers,
    "console": check_console,
    "external": check_external,
}


# --------------------------------------------------------------------------------------
# Running over a site


def site_pages(html_dir: Path) -> list[str]:
    """The site's pages: each .html outside ``_static``-like folders, but redirects."""
    pages = []
    for path in sorted(html_dir.rglob("*.html")):
        rel = path.relative_to(html_dir)
        if any(part.startswith(("_", ".")) for part in rel.parts[:-1]):
            continue
        head = path.read_text(encoding="utf-8", errors="replace")[:2000]
        if len(head) < 2000 and 'http-equiv="Refresh"' in head:
            continue  # index.html -> the root page
        pages.append(rel.as_posix())
    return pages


def run_checks(page: Page, names: list[str]) -> dict[str, list[str]]:
    """Run the checks ``names`` on ``page``; a check that raises counts as a failure."""
    results = {}
    for name in names:
        try:
            results[name] = CHECKS[name](page)
        except Exception as exc:  # noqa: BLE001 - reported as that check's failure
            results[name] = [f"check raised {type(exc).__name__}: {exc}"[:300]]
    return results


def check_site(
    html_dir: Path, pages: list[str], names: list[str]
) -> dict[str, dict[str, list[str]]]:
    """Failures per page and check for ``pages`` (paths relative to ``html_dir``)."""
    driver = make_driver()
    report = {}
    try:
        with serve(html_dir) as base:
            for rel in pages:
                t0 = time.monotonic()
                try:
                    page = load(driver, base + rel, base)
                    report[rel] = run_checks(page, names)
                except Exception as exc:  # noqa: BLE001 - a page that fails to load
                    report[rel] = {"load": [f"{type(exc).__name__}: {exc}"[:300]]}
                took = time.monotonic() - t0
                n = sum(len(v) for v in report[rel].values())
                print(f"  {rel}: {n} failure(s) ({took:.1f} s)", flush=True)
    finally:
        driver.quit()
    return report


def format_report(report: dict[str, dict[str, list[str]]], max_shown: int) -> str:
    """A table of failure counts (pages x checks), then up to ``max_shown`` each."""
    names = list(dict.fromkeys(n for checks in report.values() for n in checks))
    width = max([len(p) for p in report] + [4])
    lines = [
        "page".ljust(width) + "".join(f" {n:>12}" for n in names),
    ]
    for rel, checks in report.items():
        counts = "".join(f" {len(checks.get(n, [])):>12}" for n in names)
        lines.append(rel.ljust(width) + counts)
    totals = "".join(
        f" {sum(len(c.get(n, [])) for c in report.values()):>12}" for n in names
    )
    lines.append("TOTAL".ljust(width) + totals)
    for rel, checks in report.items():
        for name, failures in checks.items():
            if not failures:
                continue
            lines.append(f"\n{rel} [{name}] {len(failures)} failure(s):")
            lines.extend(f"  - {msg}" for msg in failures[:max_shown])
            if len(failures) > max_shown:
                lines.append(f"  ... and {len(failures) - max_shown} more")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Check every page of a built site; print the report; 1 on any failure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html_dir", nargs="?", default="_build/html", type=Path)
    parser.add_argument("--pages", default="*", help="glob on page paths (default *)")
    parser.add_argument(
        "--checks", default=",".join(CHECKS), help="comma-separated subset of checks"
    )
    parser.add_argument("--max-shown", type=int, default=8)
    args = parser.parse_args(argv)
    names = [n for n in args.checks.split(",") if n]
    unknown = sorted(set(names) - set(CHECKS))
    if unknown:
        parser.error(f"unknown checks {unknown}; known: {list(CHECKS)}")
    why = browser_missing()
    if why:
        print(f"check_site: {why}", file=sys.stderr)
        return 2
    if not (args.html_dir / "_static").is_dir():
        parser.error(f"{args.html_dir} is not a built Sphinx site (no _static)")
    pages = [p for p in site_pages(args.html_dir) if fnmatch.fnmatch(p, args.pages)]
    if not pages:
        parser.error(f"no pages match {args.pages!r} in {args.html_dir}")
    print(f"check_site: {len(pages)} page(s) of {args.html_dir}, checks {names}")
    report = check_site(args.html_dir, pages, names)
    print(format_report(report, args.max_shown))
    failed = sum(len(v) for checks in report.values() for v in checks.values())
    print(f"\ncheck_site: {failed} failure(s) on {len(pages)} page(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
