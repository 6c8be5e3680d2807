"""Sphinx extension: every page lists each inline script once.

Sphinx 7.4 writes an inline script that an extension adds with
``app.add_js_file(None, body=...)`` once the HTML builder exists twice into every page:
the builder's copy has the file name ``None``, the copy it rebuilds from the registry
``''``, and the two do not compare equal. sphinx-thebe adds such a script
(``const THEBE_JS_URL = ...``) and sphinx-togglebutton another, so every page of the
book logged ``Uncaught SyntaxError: Identifier 'THEBE_JS_URL' has already been
declared`` (found by ``.ci/check_site.py``). Loaded through ``_config.yml``
(``sphinx.local_extensions``).
"""

from __future__ import annotations

from typing import Any


def unique_scripts(
    app: Any, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Drop repeated entries from the page's ``script_files``, keeping the first.

    Parameters
    ----------
    app, pagename, templatename, doctree
        Sphinx's ``html-page-context`` arguments (unused).
    context : dict
        The page's template context; its ``script_files`` list is edited in place.
    """
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen = set()
    unique = []
    for js in scripts:
        attributes = getattr(js, "attributes", {})
        key = (
            getattr(js, "filename", js) or "",
            getattr(js, "priority", 500),
            tuple(sorted((k, str(v)) for k, v in attributes.items())),
        )
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique


def setup(app: Any) -> dict:
    """Register :func:`unique_scripts` after the extensions that add page scripts."""
    app.connect("html-page-context", unique_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
