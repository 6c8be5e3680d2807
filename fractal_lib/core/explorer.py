"""Explorers that work on the static page: precomputed frames switched in the browser.

An explorer is one figure function and its ipywidgets controls
(:func:`fractal_lib.core.style.explorer_box`). In a kernel it redraws on every change.
On the static site (``FRACTAL_EXPLORERS=static``,
:func:`~fractal_lib.core.config.get_explorer_mode`) there is no kernel, so
:func:`static_explorer` renders the same figure function over a small grid of one or two
of its parameters (the other controls stay at their initial values) into PNG frames and
shows them as an ``ipywidgets.Stack`` of ``ipywidgets.Image`` frames, with one
``SelectionSlider`` or ``Dropdown`` per parameter linked to the stack by
``ipywidgets.jslink``. The widget state (frames included) is embedded in the page, and
the links run in the browser, so moving a slider changes the figure with no server.

Frames go through the result cache (:mod:`fractal_lib.core.cache`) as PNG bytes, one
entry per frame, keyed by the figure function, every value it is called with and the
code version of its module, so a rebuild redraws nothing that has not changed.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import itertools
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from .cache import ResultCache, code_version_of, default_cache
from .config import progress_enabled
from .style import STYLE, control_style

#: Code version of this module (its source and its imports), part of every frame's key.
CODE_VERSION = code_version_of(__name__)

__all__ = [
    "MAX_FRAMES",
    "EXPLORER_CLASS",
    "Axis",
    "frame_axes",
    "grid_values",
    "fingerprint",
    "figure_png",
    "render_frames",
    "static_explorer",
]

#: Most frames one static explorer may hold (its page carries every one).
MAX_FRAMES = 25
#: DOM class of the outer box of every static explorer (the browser test finds it).
EXPLORER_CLASS = "fractal-explorer"

#: A grid of one parameter: control name(s), then the labels and values of its points.
Axis = tuple[tuple[str, ...], list[str], list[Any]]


# ----------------------------------------------------------------------- validation
def _options_values(control: Any) -> list[Any]:
    return list(control._options_values)  # ipywidgets' (label, value) pairs, values


def _options_labels(control: Any) -> list[str]:
    return list(control._options_labels)


def _number(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
        raise ValueError(f"frames: {name} needs finite numbers, got {v!r}")
    return float(v)


def _check_value(name: str, control: Any, v: Any) -> None:
    """Raise ValueError unless ``v`` is a value the live ``control`` can take."""
    import ipywidgets as w

    if hasattr(control, "_options_values"):
        if not any(_same(v, o) for o in _options_values(control)):
            raise ValueError(f"frames: {name} = {v!r} is not an option of its control")
        return
    if isinstance(control, w.Checkbox | w.ToggleButton):
        if not isinstance(v, bool | np.bool_):
            raise ValueError(f"frames: {name} needs True or False, got {v!r}")
        return
    if not hasattr(control, "min") or not hasattr(control, "max"):
        return  # a control without a range (text, ...) takes any value
    lo, hi = control.min, control.max
    ints = isinstance(control, w.IntSlider | w.IntRangeSlider | w.BoundedIntText)
    ranged = isinstance(control, w.FloatRangeSlider | w.IntRangeSlider)
    parts = tuple(v) if ranged and isinstance(v, Sequence) else (v,)
    if ranged and len(parts) != 2:
        raise ValueError(f"frames: {name} needs (low, high) pairs, got {v!r}")
    nums = [_number(name, p) for p in parts]
    if ints and not all(x.is_integer() for x in nums):
        raise ValueError(f"frames: {name} needs integers, got {v!r}")
    if not all(lo <= x <= hi for x in nums) or (ranged and nums[0] > nums[1]):
        raise ValueError(f"frames: {name} = {v!r} is outside [{lo}, {hi}]")


def _plain(v: Any) -> Any:
    """A row of a 2-D array of a joint axis as a tuple (a 1-D value as it is)."""
    return tuple(v) if isinstance(v, list) else v


def _cast(control: Any, v: Any) -> Any:
    """``v`` as the live control holds it: integral floats become ints for an integer
    control (its readout format is ``"d"``); anything else unchanged."""
    import ipywidgets as w

    if not isinstance(control, w.IntSlider | w.IntRangeSlider | w.BoundedIntText):
        return v
    if isinstance(v, tuple | list):
        return tuple(_cast(control, x) for x in v)
    if isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_):
        return int(v)  # checked integral by _check_value
    return v


def _parts(names: tuple[str, ...], v: Any) -> tuple[Any, ...]:
    """The value of each name of an axis (an axis of one name holds plain values)."""
    return tuple(v) if len(names) > 1 else (v,)


def _same(a: Any, b: Any) -> bool:
    """Whether two control values are equal (numbers, strings, tuples, dataclasses)."""
    if a is b:
        return True
    try:
        eq = a == b
        return bool(eq)
    except ValueError:  # arrays compare elementwise
        return bool(np.all(eq))
    except TypeError:
        return False


def _label(control: Any, v: Any) -> str:
    """The label the live control shows for ``v``."""
    if hasattr(control, "_options_values"):
        for lab, o in zip(
            _options_labels(control), _options_values(control), strict=True
        ):
            if _same(v, o):
                return lab
    fmt = getattr(control, "readout_format", "")
    if isinstance(v, tuple | list):
        return " – ".join(format(x, fmt) for x in v)
    if isinstance(v, bool | np.bool_):
        return "on" if v else "off"
    return format(v, fmt) if isinstance(v, numbers.Number) else str(v)


def frame_axes(controls: Mapping[str, Any], frames: Mapping[Any, Any]) -> list[Axis]:
    """Check a static explorer's grid against its controls and list its axes.

    Parameters
    ----------
    controls : mapping of str to ipywidgets control
        The explorer's controls (see :func:`~fractal_lib.core.style.explorer_box`).
    frames : mapping
        One or two axes. A key is a control name, or a tuple of names that move
        together (for example the two sliders of a zoom window); its value is the
        sequence of values (a list, tuple or 1-D numpy array; for a tuple key, tuples
        of one value per name or a 2-D array of rows), or a mapping of labels to
        values. Unlabelled values get the labels their control shows. Integral floats
        for an integer control are taken as ints.

    Returns
    -------
    list of (names, labels, values)
        One entry per axis, in the order given.

    Raises
    ------
    ValueError
        An empty grid or axis, more than two axes, more than :data:`MAX_FRAMES`
        frames, a name that is not a control (or in two axes), repeated values or
        labels, or a value the control cannot take; the message names the parameter.
    """
    if not isinstance(frames, Mapping) or not 1 <= len(frames) <= 2:
        raise ValueError(f"frames needs one or two parameters, got {frames!r}")
    axes: list[Axis] = []
    seen: set[str] = set()
    for key, grid in frames.items():
        names = tuple(key) if isinstance(key, tuple) else (key,)
        what = "+".join(map(str, names))
        for n in names:
            if n not in controls:
                raise ValueError(f"frames: {n!r} is not a control ({list(controls)})")
            if n in seen:
                raise ValueError(f"frames: {n!r} is in two axes")
            seen.add(n)
        if isinstance(grid, Mapping):
            labels, values = [str(k) for k in grid], list(grid.values())
        elif isinstance(grid, np.ndarray) and grid.ndim == (
            1 if len(names) == 1 else 2
        ):
            labels, values = [], [_plain(v) for v in grid.tolist()]
        elif isinstance(grid, Sequence) and not isinstance(grid, str):
            labels, values = [], list(grid)
        else:
            raise ValueError(f"frames: {what} needs a sequence of values, got {grid!r}")
        if not values:
            raise ValueError(f"frames: {what} has no values")
        checked = []
        for v in values:
            if len(names) > 1 and not (
                isinstance(v, Sequence | np.ndarray) and not isinstance(v, str)
            ):
                raise ValueError(f"frames: {what} needs one value per name, got {v!r}")
            parts = _parts(names, v)
            if len(parts) != len(names):
                raise ValueError(f"frames: {what} needs one value per name, got {v!r}")
            for n, p in zip(names, parts, strict=True):
                _check_value(n, controls[n], p)
            cast = tuple(
                _cast(controls[n], p) for n, p in zip(names, parts, strict=True)
            )
            checked.append(cast if len(names) > 1 else cast[0])
        values = checked
        if any(_same(a, b) for a, b in itertools.combinations(values, 2)):
            raise ValueError(f"frames: {what} repeats a value ({values!r})")
        if not labels:
            labels = [
                ", ".join(
                    _label(controls[n], p)
                    for n, p in zip(names, _parts(names, v), strict=True)
                )
                for v in values
            ]
        if len(set(labels)) != len(labels):
            raise ValueError(f"frames: {what} repeats a label ({labels!r})")
        axes.append((names, labels, values))
    n_frames = math.prod(len(v) for _, _, v in axes)
    if n_frames > MAX_FRAMES:
        raise ValueError(
            f"frames: {n_frames} frames, more than MAX_FRAMES = {MAX_FRAMES}"
        )
    return axes


def grid_values(frames: Mapping[Any, Any] | None, name: str) -> list[Any]:
    """The values a static grid gives the control ``name`` (empty if none).

    Explorers use it to make sure their live control offers every precomputed value
    (for example the options of a logarithmic slider).

    Parameters
    ----------
    frames : mapping or None
        A grid as in :func:`frame_axes`.
    name : str
        A control name.

    Returns
    -------
    list
        The values of ``name`` in the grid, in order; ``[]`` when it is not in it.
    """
    for key, grid in (frames or {}).items():
        names = tuple(key) if isinstance(key, tuple) else (key,)
        if name in names:
            values = grid.values() if isinstance(grid, Mapping) else grid
            return [_parts(names, v)[names.index(name)] for v in values]
    return []


# ---------------------------------------------------------------------- cache keys
def fingerprint(obj: Any) -> Any:
    """Json-able identity of an argument of a figure function, for a cache key.

    Arrays (and tensors) enter by a hash of their bytes, dtype and shape; functions by
    their qualified name and, for this package's, the code version of their module;
    dataclasses, named tuples, mappings, sequences and partials by their parts.

    Parameters
    ----------
    obj : object
        The value.

    Returns
    -------
    object
        Nested lists, dicts, strings and numbers, equal for equal values.

    Raises
    ------
    TypeError
        For an object none of these describes.
    """
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if hasattr(obj, "detach") and hasattr(obj, "cpu"):  # a torch tensor
        obj = obj.detach().cpu().numpy()
    if isinstance(obj, np.ndarray):
        arr = np.ascontiguousarray(obj)
        digest = hashlib.sha256(arr.tobytes()).hexdigest()[:20]
        return {"array": digest, "dtype": arr.dtype.str, "shape": list(arr.shape)}
    if isinstance(obj, functools.partial):
        return {
            "partial": fingerprint(obj.func),
            "args": fingerprint(obj.args),
            "keywords": fingerprint(obj.keywords),
        }
    if hasattr(obj, "__dataclass_fields__"):
        fields = {k: fingerprint(getattr(obj, k)) for k in obj.__dataclass_fields__}
        return {"type": type(obj).__qualname__, "fields": fields}
    if hasattr(obj, "_asdict"):
        return {"type": type(obj).__qualname__, "fields": fingerprint(obj._asdict())}
    if isinstance(obj, Mapping):
        pairs = [[fingerprint(k), fingerprint(v)] for k, v in obj.items()]
        return {"mapping": sorted(pairs, key=repr)}
    if isinstance(obj, tuple | list):
        return [fingerprint(v) for v in obj]
    if callable(obj) and hasattr(obj, "__qualname__"):
        mod = getattr(obj, "__module__", "") or ""
        own = mod.split(".")[0] == __name__.split(".")[0]
        return {
            "code": f"{mod}.{obj.__qualname__}",
            "version": code_version_of(obj) if own else None,
        }
    raise TypeError(f"cannot fingerprint {type(obj).__name__} for a cache key")


def _base(figure: Callable[..., Any]) -> Callable[..., Any]:
    while isinstance(figure, functools.partial):
        figure = figure.func
    return figure


# ---------------------------------------------------------------------- rendering
def figure_png(fig: Any) -> bytes:
    """PNG bytes of a figure, as the chapters save them (the house style's dpi, bbox).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure; it is closed afterwards.

    Returns
    -------
    bytes
        The PNG file.
    """
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", metadata={"Software": None})
    finally:
        plt.close(fig)
    return buf.getvalue()


def render_frames(
    figure: Callable[..., Any],
    calls: Sequence[Mapping[str, Any]],
    *,
    name: str | None = None,
    cache: ResultCache | None = None,
    progress: bool = True,
) -> list[bytes]:
    """PNG frames of ``figure(**kw)`` for each ``kw`` of ``calls``, through the cache.

    Parameters
    ----------
    figure : callable
        Returns a matplotlib figure; a ``functools.partial`` is keyed by its bound
        arguments too.
    calls : sequence of mapping
        Keyword arguments of each frame.
    name : str, optional
        Readable prefix of the cache keys (default: the figure function's name).
    cache : ResultCache, optional
        Default: :func:`~fractal_lib.core.cache.default_cache`.
    progress : bool
        Show a tqdm bar over frames (also subject to ``FRACTAL_PROGRESS``).

    Returns
    -------
    list of bytes
        One PNG per call, in order.
    """
    from tqdm.auto import tqdm

    base = _base(figure)
    cache = default_cache() if cache is None else cache
    # This module renders the frames and the figure's module draws them: both key it.
    version = f"{CODE_VERSION} | {code_version_of(base)}"
    fixed = {
        "figure": f"{base.__module__}.{base.__qualname__}",
        "bound": fingerprint(figure) if figure is not base else None,
        "style": hashlib.sha256(STYLE.read_bytes()).hexdigest()[:16],
        "matplotlib": matplotlib.__version__,
    }
    prefix = f"explorer-{name or base.__name__}"
    out = []
    bar = tqdm(
        calls,
        desc=f"{prefix} frames",
        disable=not (progress and progress_enabled()),
        leave=False,
    )
    for kw in bar:
        params = {**fixed, "values": fingerprint(dict(kw))}

        def compute(kw: Mapping[str, Any] = kw) -> dict[str, np.ndarray]:
            png = figure_png(figure(**kw))
            return {"png": np.frombuffer(png, dtype=np.uint8).copy()}

        out.append(cache.cached(prefix, params, version, compute)["png"].tobytes())
    return out


def _describe(name: str, control: Any) -> str:
    return f"{control.description or name} = {_label(control, control.value)}"


def static_explorer(
    figure: Callable[..., Any],
    controls: Mapping[str, Any],
    frames: Mapping[Any, Any] | None,
    *,
    name: str | None = None,
    cache: ResultCache | None = None,
) -> Any:
    """The explorer for the static page: frames over a grid, switched in the browser.

    ``figure`` is drawn for every point of the grid ``frames`` (one or two parameters,
    at most :data:`MAX_FRAMES` points), every other argument at its control's initial
    value. The widget shows one line of text (how many settings are precomputed, which
    values are fixed, and that JupyterLab runs any setting), one ``SelectionSlider``
    (a ``Dropdown`` where the live control is one) per parameter with the live
    control's description and labels, and the frames: an ``ipywidgets.Stack`` of
    ``ipywidgets.Image`` (for two parameters a Stack of Stacks). Each selector is
    linked in the browser (``ipywidgets.jslink``) to the ``selected_index`` of the
    stack(s) of its parameter, so no kernel is needed.

    Parameters
    ----------
    figure : callable
        ``figure(**values)`` returns a matplotlib figure, as for
        :func:`~fractal_lib.core.style.explorer_box`.
    controls : mapping of str to ipywidgets control
        The live controls; they give the fixed values, the descriptions, the labels and
        the values a grid may hold.
    frames : mapping or None
        The grid, as in :func:`frame_axes`; None gives one frame, the initial setting.
    name : str, optional
        Readable prefix of the frames' cache keys.
    cache : ResultCache, optional
        Where the frames are cached (default: the process-wide cache).

    Returns
    -------
    ipywidgets.VBox
        With the DOM class :data:`EXPLORER_CLASS`: the text, the selectors and the
        frames. Its attribute ``links`` holds the ``jslink`` objects.

    Raises
    ------
    ValueError
        An invalid grid (see :func:`frame_axes`).
    """
    import ipywidgets as w

    axes = frame_axes(controls, frames) if frames is not None else []
    initial = {n: c.value for n, c in controls.items()}
    points = list(itertools.product(*(range(len(v)) for _, _, v in axes)))
    calls = []
    for point in points:
        kw = dict(initial)
        for (names, _, values), i in zip(axes, point, strict=True):
            kw.update(zip(names, _parts(names, values[i]), strict=True))
        calls.append(kw)
    pngs = iter(render_frames(figure, calls, name=name, cache=cache))
    what = [" / ".join(controls[n].description or n for n in ns) for ns, _, _ in axes]

    def image() -> Any:
        # No alt text: ipywidgets' Image has no alt trait, and a tooltip (the img's
        # title) stops html-manager 1.0.15 from drawing the frame at all (its
        # updateTooltip reads a description, which an Image has not).
        return w.Image(
            value=next(pngs),
            format="png",
            # no widget margin: at 100 % of the column a margin would overflow it
            layout=w.Layout(max_width="100%", height="auto", margin="0"),
        )

    def start(names: tuple[str, ...], values: list[Any]) -> int:
        now = tuple(initial[n] for n in names)
        for i, v in enumerate(values):
            if all(_same(a, b) for a, b in zip(now, _parts(names, v), strict=True)):
                return i
        return 0

    starts = [start(names, values) for names, _, values in axes]
    style, layout = control_style(160, 460)  # room for two descriptions joined
    selectors = []
    for (names, labels, _), i in zip(axes, starts, strict=True):
        live = controls[names[0]]
        cls = w.Dropdown if isinstance(live, w.Dropdown) else w.SelectionSlider
        description = what[len(selectors)]
        selectors.append(
            cls(
                options=labels,
                index=i,
                description=description,
                style=style,
                layout=layout,
            )
        )
    links = []
    if len(axes) == 2:
        inner = [
            w.Stack([image() for _ in axes[1][2]], selected_index=starts[1])
            for _ in axes[0][2]
        ]
        stack = w.Stack(inner, selected_index=starts[0])
        links.append(w.jslink((selectors[0], "index"), (stack, "selected_index")))
        links += [
            w.jslink((selectors[1], "index"), (s, "selected_index")) for s in inner
        ]
    else:
        stack = w.Stack(
            [image() for _ in points], selected_index=starts[0] if axes else 0
        )
        if axes:
            links.append(w.jslink((selectors[0], "index"), (stack, "selected_index")))

    in_grid = {n for names, _, _ in axes for n in names}
    fixed = [_describe(n, c) for n, c in controls.items() if n not in in_grid]
    text = (
        f"Static page: {len(points)} precomputed setting"
        f"{'s' if len(points) != 1 else ''}"
        + (f" of {' and '.join(s.description for s in selectors)}" if axes else "")
        + (f"; fixed: {'; '.join(fixed)}" if fixed else "")
        + ". Every control runs live in JupyterLab (make lab)."
    )
    note = w.HTML(f"<small>{html.escape(text)}</small>")
    box = w.VBox([note, *selectors, stack])
    box.add_class(EXPLORER_CLASS)
    box.links = links
    return box
