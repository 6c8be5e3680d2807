"""Issue 15: the browser check of the built site, on small synthetic pages.

``.ci/check_site.py`` runs after the smoke build in ``.ci/run`` (``make check-site``).
Each of its checks is run here on a page that has the fault and on one that does not,
in the same headless Chromium (Debian's chromium and chromium-driver; skipped where
they are missing, as on a machine that never ran ``make browser``; CI installs them
first). The Sphinx extension that keeps one copy of each inline script is tested
without a browser.
"""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / ".ci" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


check_site = _load("check_site")
unique = _load("sphinx_unique_scripts")

needs_browser = pytest.mark.skipif(
    check_site.browser_missing() is not None,
    reason=f"browser check cannot run: {check_site.browser_missing()}",
)

HEAD = "<!doctype html><html><head><meta charset='utf-8'></head><body>"
# The chapter column as measured on the built book: a 740 px article, code in 654 px.
ARTICLE = (
    "<article class='bd-article' style='width:740px'>{}</article>"
    "<style>pre {{ font: 14px monospace; overflow: auto; width: 654px; }}</style>"
)


def _png(width_in: float, software: str | None = "default") -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width_in, 2))
    ax.plot([0, 1], [0, 1])
    buf = io.BytesIO()
    metadata = None if software == "default" else {"Software": software}
    fig.savefig(buf, format="png", dpi=150, metadata=metadata)
    plt.close(fig)
    return buf.getvalue()


@pytest.fixture(scope="module")
def driver():
    if check_site.browser_missing():
        pytest.skip(check_site.browser_missing())
    drv = check_site.make_driver()
    yield drv
    drv.quit()


@pytest.fixture
def site(tmp_path, driver, monkeypatch):
    """open(html, **files) -> a loaded Page of ``html`` served from ``tmp_path``."""
    monkeypatch.setattr(check_site, "WAIT_S", 2.0)
    servers = []
    pages = []

    def open_page(body: str, **files: bytes):
        name = f"page{len(pages)}.html"  # a new name: no cached copy of the last one
        pages.append(name)
        (tmp_path / name).write_text(HEAD + body + "</body></html>")
        for file, data in files.items():
            (tmp_path / file).write_bytes(data)
        if not servers:
            servers.append(check_site.serve(tmp_path))
            servers.append(servers[0].__enter__())
        base = servers[1]
        return check_site.load(driver, base + name, base)

    yield open_page
    if servers:
        servers[0].__exit__(None, None, None)


@needs_browser
def test_console_reports_own_errors_not_cdn_failures(site):
    page = site("<script>throw new Error('boom in the page')</script>")
    failures = check_site.check_console(page)
    assert len(failures) == 1 and "boom in the page" in failures[0]
    page = site("<script src='https://cdn.example.org/lib.js'></script><p>ok</p>")
    assert check_site.check_console(page) == []  # no network: check_external says it
    assert check_site.check_console(site("<p>fine</p>")) == []


@needs_browser
def test_console_reports_missing_site_files(site):
    page = site("<script src='_static/missing.js'></script>")
    failures = check_site.check_console(page)
    assert len(failures) == 1 and "missing.js" in failures[0] and "404" in failures[0]


@needs_browser
def test_external_requests_are_reported(site):
    page = site("<script src='https://cdn.example.org/lib.js'></script>")
    assert check_site.check_external(page) == [
        "request to https://cdn.example.org/lib.js"
    ]
    page = site("<img src='local.png'>", **{"local.png": _png(2)})
    assert check_site.check_external(page) == []


@needs_browser
def test_broken_images(site):
    page = site("<img src='there.png'><img src='gone.png'>", **{"there.png": _png(2)})
    failures = check_site.check_images(page)
    assert len(failures) == 1 and "gone.png" in failures[0]


@needs_browser
def test_raw_tex_in_text_headings_and_sidebar(site):
    page = site(
        "<nav>\\(\\alpha\\) sidebar</nav><h2>Heading \\frac{1}{2}</h2>"
        "<p>inline \\(x^2\\) and display \\[\n y = 1 \n\\] and $$z$$ and $a_1$</p>"
        "<pre>print('\\(kept\\)')</pre><code>\\frac</code>"
        "<p style='display:none'>\\(hidden\\)</p><p>costs $5 and $6</p>"
    )
    failures = check_site.check_raw_tex(page)
    found = " ".join(failures)
    assert len(failures) == 6, failures
    for tex in ("alpha", "frac", "x^2", "y = 1", "$$z$$", "$a_1$"):
        assert tex in found
    assert "kept" not in found and "hidden" not in found
    assert check_site.check_raw_tex(site("<p>plain text, 5 $ and 6 $</p>")) == []


MATHJAX = Path("/usr/share/javascript/mathjax")  # Debian's libjs-mathjax


@needs_browser
@pytest.mark.skipif(not MATHJAX.is_dir(), reason="Debian's libjs-mathjax is missing")
def test_mathjax_2_leaves_no_raw_tex(site, tmp_path):
    # The site's configuration: MathJax 2, TeX-AMS_CHTML, typesetting class "math" only.
    (tmp_path / "mathjax").symlink_to(MATHJAX)
    config = (
        "<script type='text/x-mathjax-config'>MathJax.Hub.Config({tex2jax: "
        "{processClass: 'math', ignoreClass: 'tex2jax_ignore'}, messageStyle: 'none'})"
        "</script><script src='mathjax/MathJax.js?config=TeX-AMS_CHTML'></script>"
    )
    body = (
        "<h2>Heading <span class='math'>\\(\\alpha^2\\)</span></h2>"
        "<section class='tex2jax_ignore'><p>inline <span class='math'>\\(x^2\\)"
        "</span></p><div class='math'>\\[\\frac{1}{2}\\]</div></section>"
    )
    page = site(config + body)
    assert page.mathjax == "mathjax2"
    assert check_site.check_raw_tex(page) == []
    typeset = "return document.querySelectorAll('script[type^=\"math/tex\"]').length"
    assert page.js(typeset) == 3
    assert len(check_site.check_raw_tex(site(body))) == 3  # without MathJax


@needs_browser
def test_wide_outputs(site):
    long_line = "paper 0.996 ± 0.005, here " + "0.123456789 " * 20
    box = "<div class='cell_output'><div class='output'><pre>{}</pre></div></div>"
    page = site(ARTICLE.format(box.format(long_line) + box.format("short")))
    failures = check_site.check_wide_outputs(page)
    assert len(failures) == 1 and "paper 0.996" in failures[0]
    # An element past the article's right edge counts even when nothing scrolls.
    table = "<table style='width:900px'><tr><td>t</td></tr></table>"
    table = f"<div class='cell_output'>{table}</div>"
    assert len(check_site.check_wide_outputs(site(ARTICLE.format(table)))) == 1


@needs_browser
def test_code_cells_that_scroll_sideways(site):
    cell = "<div class='cell_input'><pre>{}</pre></div>"
    fits, too_long = "x" * 72, "y = " + "z" * 80
    page = site(ARTICLE.format(cell.format(fits) + cell.format(too_long)))
    failures = check_site.check_code_scroll(page)
    assert len(failures) == 1 and "84 chars" in failures[0]
    # Collapsed cells (hide-input) are opened first: a reader can open them.
    hidden = f"<details><summary>Show</summary>{cell.format(too_long)}</details>"
    assert len(check_site.check_code_scroll(site(ARTICLE.format(hidden)))) == 1


@needs_browser
def test_small_figure_labels(site):
    # A 12 in figure at 150 dpi is 1800 px; shown at 700 px its 9 pt text is 7.3 px.
    # PNGs without metadata count (the explorers' frames); another program's do not.
    files = {
        "big.png": _png(12),
        "small.png": _png(4),
        "bare.png": _png(12, None),
        "other.png": _png(12, "another plotting program"),
    }
    page = site(
        "<div class='cell_output'><img src='big.png' style='width:700px'>"
        "<img src='small.png' style='max-width:700px'>"
        "<img src='bare.png' style='width:700px'>"
        "<img src='other.png' style='width:700px'></div>",
        **files,
    )
    failures = check_site.check_small_labels(page)
    assert len(failures) == 2, failures
    assert "big.png" in failures[0] and "bare.png" in failures[1]
    assert "labels 7.3 px" in failures[0] and "(150 dpi)" in failures[0]


EXPLORER = """
<div class="fractal-explorer" id="{id}">
  <div class="noUi-handle" tabindex="0" aria-valuenow="0"
       style="width:20px; height:20px"></div>
  <img src="a.png" style="display:block"><img src="b.png" style="display:none">
</div>
<script>
  (() => {{
    const ex = document.getElementById('{id}');
    const handle = ex.querySelector('.noUi-handle');
    const imgs = ex.querySelectorAll('img');
    handle.addEventListener('keydown', e => {{
      const v = Number(handle.getAttribute('aria-valuenow')) + 1;
      handle.setAttribute('aria-valuenow', String(v));
      if ({works}) {{
        imgs[0].style.display = 'none';
        imgs[1].style.display = 'block';
      }}
    }});
  }})();
</script>
"""


DROPDOWN_EXPLORER = """
<div class="fractal-explorer" id="dd">
  <select><option>a</option><option>b</option></select><img src="a.png">
</div>
<script>
  document.querySelector('#dd select').addEventListener('change', e => {
    document.querySelector('#dd img').src = e.target.value + '.png';
  });
</script>
"""


@needs_browser
def test_explorers_follow_their_slider(site):
    files = {"a.png": _png(2), "b.png": _png(3)}
    page = site(
        EXPLORER.format(id="good", works="true")
        + EXPLORER.format(id="stuck", works="false")
        + "<div class='fractal-explorer'><img src='a.png'></div>"
        + DROPDOWN_EXPLORER,  # no slider: its drop-down is moved
        **files,
    )
    failures = check_site.check_explorers(page)
    assert failures == [
        "explorer 2: the figure did not change when the slider moved",
        "explorer 3: no slider",
    ]


@needs_browser
def test_unrendered_widgets(site):
    view = "<script type='application/vnd.jupyter.widget-view+json'>{}</script>"
    page = site(view)
    assert check_site.check_widgets(page) == ["1 embedded widget view(s) not rendered"]
    rendered = "<div class='widget-subarea'><div>slider</div></div>" + view
    assert check_site.check_widgets(site(rendered)) == []


def test_site_pages_skip_static_folders_and_redirects(tmp_path):
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "x.html").write_text("<p>asset</p>")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.html").write_text("<p>page</p>")
    (tmp_path / "index.html").write_text(
        '<meta http-equiv="Refresh" content="0; url=book/intro.html" />'
    )
    assert check_site.site_pages(tmp_path) == ["book/intro.html"]


@needs_browser
def test_main_exit_status(tmp_path, capsys):
    (tmp_path / "_static").mkdir()
    (tmp_path / "good.html").write_text(HEAD + "<p>fine</p></body></html>")
    assert check_site.main([str(tmp_path)]) == 0
    (tmp_path / "bad.html").write_text(HEAD + "<p>\\(x\\)</p></body></html>")
    assert check_site.main([str(tmp_path), "--checks", "raw_tex"]) == 1
    out = capsys.readouterr().out
    assert "bad.html [raw_tex] 1 failure(s)" in out and "good.html" in out


def test_unique_scripts_keeps_the_first_of_each():
    from sphinx.builders.html._assets import _JavaScript

    thebe = "const THEBE_JS_URL = 'x'"
    scripts = [
        _JavaScript("", body=thebe),
        _JavaScript("_static/a.js"),
        _JavaScript(None, body=thebe),  # the copy Sphinx 7.4 adds
        _JavaScript("_static/a.js", priority=200),  # another priority: kept
    ]
    context = {"script_files": scripts}
    unique.unique_scripts(None, "page", "page.html", context, None)
    assert context["script_files"] is scripts
    assert [(js.filename, js.priority) for js in scripts] == [
        ("", 500),
        ("_static/a.js", 500),
        ("_static/a.js", 200),
    ]
