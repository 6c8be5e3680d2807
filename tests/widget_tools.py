"""Helpers shared by the explorer tests (walking a widget tree, checking slider
grids)."""

from __future__ import annotations

import numpy as np


def controls(box) -> dict:
    """The explorer's controls by description (walks the widget tree)."""
    found, todo = {}, [box]
    while todo:
        node = todo.pop()
        if hasattr(node, "children"):
            todo.extend(node.children)
        elif getattr(node, "description", ""):
            found[node.description] = node
    return found


def on_grid(slider) -> bool:
    """Every value of a float (range) slider lies on its step grid."""
    values = np.atleast_1d(slider.value)
    k = (values - slider.min) / slider.step
    return bool(np.allclose(k, np.round(k), rtol=0, atol=1e-9))
