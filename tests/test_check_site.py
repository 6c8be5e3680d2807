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
def test_literal_listings_that_scroll_sideways(site):
    # Any visible pre of the article counts, not only code cells (literalinclude).
    listing = "<div class='highlight-python'><pre>{}</pre></div>"
    page = site(ARTICLE.format(listing.format("q = " + "w" * 84)))
    failures = check_site.check_code_scroll(page)
    assert len(failures) == 1 and "88 chars" in failures[0]
    fits = "<pre style='font-size:12px'>" + "v" * 88 + "</pre>"
    assert check_site.check_code_scroll(site(ARTICLE.format(fits))) == []
    # A pre outside the article (the sidebar) is not the chapter's code.
    outside = "<nav><pre style='width:50px;overflow:auto'>" + "u" * 90 + "</pre></nav>"
    assert check_site.check_code_scroll(site(outside + ARTICLE.format(""))) == []


def test_listing_css_fits_88_characters():
    # The book's stylesheet shrinks literal listings (not code cells) to 12 px
    # monospace: 88 characters of 7.2 px (0.6 em, DejaVu Sans Mono) fit 654 px.
    css = (ROOT / "book" / "site" / "fractal.css").read_text()
    rule = 'article div[class*="highlight-"] pre:not(div.cell_input pre)'
    assert rule in css
    size = float(css.split(rule, 1)[1].split("font-size:", 1)[1].split("px")[0])
    assert 88 * 0.6 * size <= 654 and size >= 11


@needs_browser
def test_page_that_scrolls_sideways(site):
    page = site("<h2><code style='white-space:nowrap'>" + "m" * 400 + "</code></h2>")
    failures = check_site.check_page_scroll(page)
    assert len(failures) == 1 and "page scrolls sideways" in failures[0]
    wraps = "<h2><code style='overflow-wrap:anywhere'>" + "m " * 400 + "</code></h2>"
    assert check_site.check_page_scroll(site(wraps)) == []
    # The book's stylesheet makes long names in headings wrap.
    css = (ROOT / "book" / "site" / "fractal.css").read_text()
    long_name = "fractal_lib.papers." + "very_long_module_name_" * 20
    styled = f"<style>{css}</style>" + ARTICLE.format(
        f"<h2><code>{long_name}</code></h2>"
    )
    assert check_site.check_page_scroll(site(styled)) == []


@needs_browser
def test_wide_display_math(site):
    # A formula wider than its (clipping) box, and one that overflows visibly.
    wide = "<span style='display:inline-block;width:{}px'>x</span>"
    clipped = (
        "<div class='math' style='overflow:hidden'>" + wide.format(1030) + "</div>"
    )
    visible = "<div class='MathJax_Display'>" + wide.format(900) + "</div>"
    narrow = "<div class='math'>" + wide.format(300) + "</div>"
    page = site(ARTICLE.format(clipped + visible + narrow))
    failures = check_site.check_wide_math(page)
    assert len(failures) == 2, failures
    assert "display math 290 px too wide" in failures[0]
    assert check_site.check_wide_math(site(ARTICLE.format(narrow))) == []


@needs_browser
@pytest.mark.skipif(not MATHJAX.is_dir(), reason="Debian's libjs-mathjax is missing")
def test_wide_display_math_typeset_by_mathjax_2(site, tmp_path):
    (tmp_path / "mathjax").symlink_to(MATHJAX)
    config = (
        "<script type='text/x-mathjax-config'>MathJax.Hub.Config({tex2jax: "
        "{processClass: 'math'}, messageStyle: 'none'})"
        "</script><script src='mathjax/MathJax.js?config=TeX-AMS_CHTML'></script>"
    )
    term = "\\epsilon_1 \\cos\\frac{2\\pi x}{\\lambda_1} + "
    long = "<div class='math'>\\[" + term * 12 + "x\\]</div>"
    split = (
        "<div class='math'>\\[\\begin{gathered}"
        + term * 3
        + "x \\\\ "
        + term * 3
        + "y\\end{gathered}\\]</div>"
    )
    page = site(config + ARTICLE.format(long + split))
    assert page.mathjax == "mathjax2"
    failures = check_site.check_wide_math(page)
    assert len(failures) == 1, failures
    assert "too wide" in failures[0]


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
  {handles}
  <img src="a.png" style="display:block"><img src="b.png" style="display:none">
  <img src="c.png" style="display:none">
</div>
<script>
  (() => {{
    const ex = document.getElementById('{id}');
    const imgs = ex.querySelectorAll('img');
    const press = h => {{
      const v = Number(h.getAttribute('aria-valuenow')) + 1;
      h.setAttribute('aria-valuenow', String(v));
      const show = Number(h.dataset.show);
      if (show < 0) return;
      imgs.forEach((img, k) => {{
        img.style.display = k === show ? 'block' : 'none';
      }});
    }};
    ex.querySelectorAll('.noUi-handle').forEach(
      h => h.addEventListener('keydown', () => press(h)));
  }})();
</script>
"""

# A slider handle; pressing a key on it shows image ``show`` (-1: changes nothing).
HANDLE = (
    '<div class="noUi-handle" tabindex="0" aria-valuenow="0" data-show="{}" '
    'style="width:20px; height:20px"></div>'
)


def _explorer(id_: str, *shows: int) -> str:
    return EXPLORER.format(id=id_, handles="".join(HANDLE.format(s) for s in shows))


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
def test_explorers_follow_every_slider(site):
    # c.png has the bytes of a.png under another name: showing it changes nothing.
    files = {"a.png": _png(2), "b.png": _png(3), "c.png": _png(2)}
    assert files["a.png"] == files["c.png"]
    page = site(
        _explorer("good", 1, 0)  # each slider swaps the frame
        + _explorer("stuck", -1)
        + "<div class='fractal-explorer'><img src='a.png'></div>"
        + DROPDOWN_EXPLORER  # a drop-down is moved to its next option
        + _explorer("second", 1, -1)  # only the first slider works
        + _explorer("same", 2),  # another image, the same bytes
        **files,
    )
    failures = check_site.check_explorers(page)
    assert failures == [
        "explorer 2: the figure did not change when slider 1 moved",
        "explorer 3: no slider",
        "explorer 5: the figure did not change when slider 2 moved",
        "explorer 6: the figure did not change when slider 1 moved",
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
