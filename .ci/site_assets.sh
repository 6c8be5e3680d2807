#!/usr/bin/env bash
# The site's own copies of the JavaScript it runs at view time, so that the built book reads
# the same offline, in CI and after a CDN outage (issue 15):
#   MathJax 2.7.9    Debian's libjs-mathjax + fonts-mathjax: MathJax.js, the TeX-AMS_CHTML
#                    config, TeX input, CommonHTML output, its extensions and the TeX woff fonts.
#                    MathJax 2 because @jupyter-widgets typesets widget labels through its
#                    MathJax.Hub API (MathJax 3 has none; the widget manager logs errors with it).
#   html-manager     @jupyter-widgets/html-manager (npm), the embed-amd.js bundle and its icon
#                    fonts: renders the widget state that myst-nb embeds in the pages. 1.0.15 is
#                    built on @jupyter-widgets/controls 5.0.13 and base 6.0.12, as ipywidgets 8.1.9.
#   require.js       requirejs (npm), which embed-amd.js needs.
# Written to $1/site_js (default _site_assets/site_js; _config.yml serves _site_assets as a static
# path, so the files land in _build/html/_static/site_js). Idempotent: does nothing when the
# folder holds these versions; otherwise rebuilds it in a temporary folder and moves it in place.
set -euo pipefail
cd "$(dirname "$0")/.."
HTML_MANAGER=1.0.15
REQUIREJS=2.3.8
MATHJAX=/usr/share/javascript/mathjax
out="${1:-_site_assets}/site_js"

for pkg in libjs-mathjax fonts-mathjax; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || {
    echo "site_assets: Debian package $pkg is missing (make sysdeps installs it)" >&2; exit 1; }
done
command -v npm >/dev/null || { echo "site_assets: npm is missing (Node.js)" >&2; exit 1; }

versions="libjs-mathjax $(dpkg-query -W -f='${Version}' libjs-mathjax)"
versions+=" @jupyter-widgets/html-manager $HTML_MANAGER requirejs $REQUIREJS layout 4"
if [ -f "$out/VERSIONS" ] && [ "$(cat "$out/VERSIONS")" = "$versions" ]; then
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
new="$tmp/site_js"
mkdir -p "$new/mathjax" "$new/html-manager" "$tmp/npm"

# MathJax: only what the TeX-AMS_CHTML configuration loads (-L: Debian links some files).
(cd "$MATHJAX" && cp -rL --parents MathJax.js config/TeX-AMS_CHTML.js jax/input/TeX \
  jax/output/CommonHTML jax/element extensions fonts/HTML-CSS/TeX/woff "$new/mathjax/")
cp /usr/share/doc/libjs-mathjax/copyright "$new/mathjax/COPYRIGHT"

# npm packages, fetched as tarballs (no install, nothing global).
(cd "$tmp/npm" && npm pack --silent "@jupyter-widgets/html-manager@$HTML_MANAGER" \
  "requirejs@$REQUIREJS" >/dev/null)
mkdir -p "$tmp/npm/hm" "$tmp/npm/rq"
tar -xzf "$tmp/npm/jupyter-widgets-html-manager-$HTML_MANAGER.tgz" -C "$tmp/npm/hm"
tar -xzf "$tmp/npm/requirejs-$REQUIREJS.tgz" -C "$tmp/npm/rq"
# embed-amd.js finds its fonts next to itself; browsers take the woff2 (woff as a fallback).
cp "$tmp/npm/hm/package/dist/embed-amd.js" "$tmp"/npm/hm/package/dist/*.woff2 \
  "$tmp"/npm/hm/package/dist/*.woff "$new/html-manager/"
# The packages ship no LICENSE file; their package.json names the licence (BSD-3-Clause, MIT).
cp "$tmp/npm/hm/package/package.json" "$new/html-manager/package.json"
cp "$tmp/npm/rq/package/package.json" "$new/requirejs-package.json"
cp "$tmp/npm/rq/package/require.js" "$new/require.js"
# embed-amd.js finds its icon fonts through the require.js address of its module, by default
# under the page's own folder (".../notebooks/@jupyter-widgets/html-manager/dist/", 404).
# _config.yml loads this between require.js and embed-amd.js.
cat > "$new/widgets_config.js" <<'JS'
// The widget manager's modules (and so their icon fonts) lie in html-manager/ beside this file.
const htmlManager = new URL("html-manager", document.currentScript.src).href;
require.config({
  paths: {"@jupyter-widgets/html-manager/dist": htmlManager, "@jupyter-widgets": htmlManager},
});
JS

echo "$versions" > "$new/VERSIONS"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$new" "$out"
echo "site_assets: $out ($(du -sh "$out" | cut -f1)): $versions"
