"""Figures for handouts, drawn by matplotlib: where people would rather look than read.

A ``Plot`` holds the drawing twice, as PDF bytes (loaded by the TeX template) and SVG text (for HTML),
made in the worker that builds the handout; the SVG is drawn when first asked for (a PDF-only build
never draws it). Both are deterministic: no dates or producer strings in
the metadata, a fixed ``svg.hashsalt``, matplotlib's own DejaVu fonts, one fixed size; the same
arguments give byte-identical files on any machine with the pinned matplotlib.

Helpers: ``loglik_curve`` (the log-likelihood with the MLE marked), ``regression_fit`` (the line
through the data with the residuals), ``loss_contours`` (contours of a loss with a descent path, and
``descent_path`` to compute one from a gradient derive derived). matplotlib is imported on first use.
"""
from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from derive.core.errors import DataError, UsageError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SIZE = (5.6, 3.3)
"""Inches: the width of a handout's text at 0.85 of the line, with room for the caption."""

_RC = {
    "svg.hashsalt": "derive",  # SVG element ids from a fixed salt, not a random one
    "svg.fonttype": "path",  # glyphs as paths: the SVG looks the same without the fonts
    "pdf.fonttype": 42,  # TrueType subsets
    "font.family": "DejaVu Sans",  # shipped with matplotlib: the same font everywhere
    "mathtext.fontset": "dejavusans",
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": None,  # set below (the cycler needs matplotlib)
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "path.simplify": True,
}
_ACCENT = "#1c4073"
_MARK = "#b03a2e"
_PDF_METADATA = {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None}
_SVG_METADATA = {"Date": None, "Creator": None}
_GRID = 400
_MAX_PATH = 400


class Plot:
    """A drawing in two formats: ``pdf`` (bytes, for TeX) and ``svg`` (text, for HTML); ``alt`` describes it.

    ``svg`` may be given as the figure it is saved from: it is then saved on first use, in derive's
    style, and kept (the same text as saving it at once). Pickled, a Plot carries its SVG text.
    """

    __slots__ = ("pdf", "alt", "_svg", "_figure")

    def __init__(self, pdf: bytes, svg: str | Figure, alt: str = "") -> None:
        self.pdf, self.alt = pdf, alt
        self._svg: str | None = svg if isinstance(svg, str) else None
        self._figure: Figure | None = None if isinstance(svg, str) else svg

    @property
    def svg(self) -> str:
        if self._svg is None:
            assert self._figure is not None
            svg = io.StringIO()
            with _style():
                self._figure.savefig(svg, format="svg", metadata=_SVG_METADATA)
            self._svg, self._figure = svg.getvalue(), None
        return self._svg

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Plot):
            return NotImplemented
        return (self.pdf, self.svg, self.alt) == (other.pdf, other.svg, other.alt)

    def __hash__(self) -> int:
        return hash((self.pdf, self.alt))

    def __repr__(self) -> str:
        return f"Plot(pdf=<{len(self.pdf)} bytes>, alt={self.alt!r})"

    def __reduce__(self) -> tuple[type[Plot], tuple[bytes, str, str]]:
        return (Plot, (self.pdf, self.svg, self.alt))


@contextmanager
def _style() -> Iterator[None]:
    """matplotlib's settings for a derive figure (a context: no global state changes)."""
    import matplotlib
    from cycler import cycler

    rc = dict(_RC, **{"axes.prop_cycle": cycler(color=[_ACCENT, _MARK, "#4d7c3a", "#7a5195"])})
    with matplotlib.rc_context(rc):
        yield


def new_figure() -> tuple[Figure, Axes]:
    """A figure of the handout size and its axes (no pyplot: nothing global, nothing shown)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=SIZE, layout="constrained")
    return fig, fig.add_subplot()


def plot_of(fig: Figure, alt: str = "") -> Plot:
    """Save ``fig`` as PDF now and as SVG when first asked for, deterministically (call inside ``_style()``)."""
    pdf = io.BytesIO()
    fig.savefig(pdf, format="pdf", metadata=_PDF_METADATA)
    return Plot(pdf.getvalue(), fig, alt)


def plot(draw: Callable[[Axes], object], alt: str = "") -> Plot:
    """Any drawing: ``draw(ax)`` on derive's axes, saved deterministically."""
    with _style():
        fig, ax = new_figure()
        draw(ax)
        return plot_of(fig, alt)


# --- numbers in ----------------------------------------------------------------------------------


def _floats(values: object, name: str) -> list[float]:
    """A finite sequence of numbers, or a DataError naming ``name``."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise UsageError(f"{name} must be a sequence of numbers, not {type(values).__name__}",
                         hint=f"pass {name} as a list of numbers")
    out: list[float] = []
    for i, v in enumerate(values):
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise DataError(f"{name}[{i}] is not a number: {v!r}", hint="pass numbers only") from None
        if not math.isfinite(f):
            raise DataError(f"{name}[{i}] is not finite: {v!r}", hint="drop missing or infinite values")
        out.append(f)
    if not out:
        raise DataError(f"{name} is empty", hint="pass at least one value")
    return out


def _model(result: object) -> Any:
    """The model a result prints (``.data`` of an API result), or the object itself."""
    data = getattr(result, "data", None)
    return data if data is not None and not callable(data) else result


# --- the log-likelihood ------------------------------------------------------------------------


def _loglik_function(result: object, data: Sequence[float], param: str | None,
                     fixed: Mapping[str, float]) -> tuple[Callable[[float], float], str, str]:
    """The log-likelihood of ``data`` as a function of one parameter, its name and its LaTeX name."""
    if callable(result) and not hasattr(result, "render"):
        return (lambda t: float(result(t, data))), param or "theta", param or r"\theta"
    import numpy as np
    import sympy as sp

    from derive.render.notation.latex import sample_tex

    problem = getattr(_model(result), "problem", None)
    if problem is None or not hasattr(problem, "density"):
        raise UsageError(f"loglik_curve needs an MLE result or a function, not {type(result).__name__}",
                         hint="pass what derive.mle returned, or f(theta, data) -> log-likelihood")
    params = {p.name: p for p in problem.params}
    chosen = param if param is not None else (problem.params[0].name if len(params) == 1 else None)
    if chosen is None or chosen not in params:
        raise UsageError(f"choose the parameter to plot: one of {', '.join(params)}",
                         hint="loglik_curve(result, data, param='name', fixed={'other': value})")
    others = [p for n, p in params.items() if n != chosen]
    missing = [p.name for p in others if p.name not in fixed]
    if missing:
        raise UsageError(f"give the other parameters' values: {', '.join(missing)}", hint="fixed={'name': value}")
    theta = params[chosen]
    logf = sp.log(problem.stand_in(problem.density, one=True)) if problem.base is not None else sp.log(problem.density)
    logf = logf.subs({p: sp.Float(fixed[p.name]) for p in others})
    if logf.free_symbols - {theta, problem.var}:
        names = ", ".join(sorted(s.name for s in logf.free_symbols - {theta, problem.var}))
        raise UsageError(f"the density has symbols without values: {names}", hint="pass them in fixed=")
    f = sp.lambdify((problem.var, theta), logf, modules=["scipy", "numpy"])
    xs = np.asarray(data, dtype=float)

    def loglik(t: float) -> float:
        with np.errstate(all="ignore"):
            value = np.sum(np.broadcast_to(f(xs, t), xs.shape))
        return float(value) if np.isfinite(value) else -math.inf

    return loglik, chosen, sample_tex(theta)


def _maximum(loglik: Callable[[float], float], lo: float, hi: float) -> float:
    """The maximiser of ``loglik`` on [lo, hi]: the best of a grid, refined by a bounded scalar search."""
    import numpy as np
    from scipy.optimize import minimize_scalar  # type: ignore[import-untyped]  # scipy ships no stubs

    grid = np.linspace(lo, hi, _GRID)
    values = np.array([loglik(float(t)) for t in grid])
    if not np.isfinite(values).any():
        raise DataError(f"the log-likelihood is not finite anywhere on [{lo:g}, {hi:g}]",
                        hint="pass bounds= inside the parameter space")
    k = int(np.nanargmax(values))
    a, b = float(grid[max(k - 1, 0)]), float(grid[min(k + 1, len(grid) - 1)])
    found = minimize_scalar(lambda t: -loglik(t), bounds=(a, b), method="bounded",
                            options={"xatol": 1e-10 * max(1.0, abs(b))})
    return float(found.x) if loglik(float(found.x)) >= values[k] else float(grid[k])


def loglik_curve(
    result: object,
    data: Sequence[float],
    *,
    param: str | None = None,
    fixed: Mapping[str, float] | None = None,
    bounds: tuple[float, float] | None = None,
    mle: float | None = None,
) -> Plot:
    """The log-likelihood of ``data`` against one parameter, the maximum marked.

    ``result``: what ``derive.mle`` returned (its density, summed over the data), or a function
    ``f(theta, data) -> log-likelihood``. ``param`` picks the parameter (the others at ``fixed``
    values); ``bounds`` is the range searched and drawn (default: from the data's scale, positive
    when the log-likelihood is not finite below 0); ``mle`` marks a known estimate instead of the
    numerical maximum. The maximum is found numerically (a grid, then a bounded search).
    """
    values = _floats(data, "data")
    loglik, name, latex = _loglik_function(result, values, param, dict(fixed or {}))
    scale = max(abs(v) for v in values) or 1.0
    if bounds is None:
        positive = not math.isfinite(loglik(-scale / 2))
        lo, hi = (scale * 1e-3, 4 * scale + 1) if positive else (-4 * scale - 1, 4 * scale + 1)
    else:
        lo, hi = (float(bounds[0]), float(bounds[1]))
        if not lo < hi:
            raise UsageError(f"bounds must be (low, high) with low < high, not {bounds!r}", hint="bounds=(0.1, 5)")
    best = float(mle) if mle is not None else _maximum(loglik, lo, hi)
    # the window: where the log-likelihood is within 4 units of its maximum (about a 99.5% interval), padded
    top = loglik(best)
    left, right = lo, hi
    import numpy as np

    grid = np.linspace(lo, hi, _GRID)
    inside = [float(t) for t in grid if loglik(float(t)) >= top - 4]
    if inside and bounds is None:
        pad = (max(inside) - min(inside)) * 0.6 or scale * 0.1
        left, right = max(lo, min(inside) - pad), min(hi, max(inside) + pad)
    ts = np.linspace(left, right, _GRID)
    ys = np.array([loglik(float(t)) for t in ts])
    alt = f"The log-likelihood of {name} on {len(values)} observations, its maximum at {best:.4g}"
    with _style():
        fig, ax = new_figure()
        ax.plot(ts, ys, lw=1.6, color=_ACCENT)
        ax.axvline(best, color=_MARK, lw=1, ls="--")
        ax.plot([best], [top], "o", color=_MARK, ms=5, zorder=3)
        ax.annotate(rf"$\hat{{{latex}}} = {best:.4g}$", (best, top), textcoords="offset points",
                    xytext=(8, -14), color=_MARK)
        ax.set_xlabel(f"${latex}$")
        ax.set_ylabel(rf"$\ell({latex})$")
        finite = ys[np.isfinite(ys)]
        if finite.size:
            low = max(float(finite.min()), top - 40)
            ax.set_ylim(low - 0.05 * (top - low + 1), top + 0.12 * (top - low + 1))
        return plot_of(fig, alt)


# --- a regression line ------------------------------------------------------------------------


def _line(fit: object) -> Callable[[Any], Any]:
    """The fitted line from ``fit``: (intercept, slope), a function of x, or a result fitted to data."""
    if callable(fit) and not hasattr(fit, "render"):
        return fit
    data_fit = getattr(getattr(_model(fit), "solution", None) or _model(fit), "data_fit", None)
    if data_fit is not None:
        estimate = tuple(float(v) for v in data_fit.estimate)
        if len(estimate) != 2:
            raise UsageError(f"regression_fit draws a line: the fit has {len(estimate)} coefficients",
                             hint="fit an intercept and one slope, or pass (intercept, slope)")
        fit = estimate
    if isinstance(fit, tuple) and len(fit) == 2:
        a, b = (float(fit[0]), float(fit[1]))
        return lambda x: a + b * x
    raise UsageError(f"regression_fit needs (intercept, slope), a function or a fitted result, not {type(fit).__name__}",
                     hint="pass the result of derive.ls(..., data=...) or (a, b)")


def regression_fit(x: Sequence[float], y: Sequence[float], fit: object, *,
                   xlabel: str = "x", ylabel: str = "y") -> Plot:
    """The data, the fitted line through it and each residual as a vertical segment.

    ``fit``: what ``derive.ls("simple" | "ols", data=..., intercept=True)`` returned on one regressor,
    an ``(intercept, slope)`` pair, or a function of x. Labels are plain text (no TeX).
    """
    import numpy as np

    xs, ys = np.array(_floats(x, "x")), np.array(_floats(y, "y"))
    if xs.shape != ys.shape:
        raise DataError(f"x has {xs.size} values and y {ys.size}", hint="pass one y per x")
    line = _line(fit)
    fitted = np.asarray(line(xs), dtype=float)
    span = float(xs.max() - xs.min()) or 1.0
    grid = np.linspace(float(xs.min()) - 0.05 * span, float(xs.max()) + 0.05 * span, 200)
    alt = f"{xs.size} points, the least-squares line and the residuals"
    with _style():
        fig, ax = new_figure()
        ax.vlines(xs, fitted, ys, colors=_MARK, lw=1, label="residuals")
        ax.plot(grid, np.asarray(line(grid), dtype=float), color=_ACCENT, lw=1.6, label="fitted line")
        ax.plot(xs, ys, "o", color="black", ms=4, label="data", zorder=3)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(frameon=False, loc="best")
        return plot_of(fig, alt)


# --- a loss surface and a descent path --------------------------------------------------------------


def _surface(f: object) -> tuple[Callable[[Any, Any], Any], Any]:
    """A vectorised ``f(x, y)`` from a function or a two-variable gradient result, and the result's model."""
    if callable(f) and not hasattr(f, "render"):
        return f, None
    import sympy as sp

    model = _model(f)
    function, variables = getattr(model, "function", None), getattr(model, "variables", None)
    if function is None or variables is None or len(variables) != 2:
        raise UsageError("loss_contours needs f(x, y) or the gradient of a function of two variables",
                         hint="pass what derive.grad(..., wrt='x,y') returned, or a function")
    return sp.lambdify(tuple(variables), function, modules=["scipy", "numpy"]), model


def descent_path(result: object, start: tuple[float, float], *, step: float, steps: int) -> list[tuple[float, float]]:
    """Gradient descent ``p <- p - step * grad f(p)`` from ``start``, with the gradient derive derived
    (``derive.grad`` on two variables); ``steps`` iterations, stopping early if it leaves the finite numbers."""
    import numpy as np
    import sympy as sp

    model = _model(result)
    partials, variables = getattr(model, "partials", None), getattr(model, "variables", None)
    if partials is None or variables is None or len(variables) != 2:
        raise UsageError("descent_path needs the gradient of a function of two variables",
                         hint="pass what derive.grad(..., wrt='x,y') returned")
    if not 1 <= int(steps) <= 100_000 or not step > 0:
        raise UsageError("descent_path: step must be positive and steps from 1 to 100000", hint="step=1e-3, steps=2000")
    grad = sp.lambdify(tuple(variables), [p.result for p in partials], modules=["scipy", "numpy"])
    p = np.array([float(start[0]), float(start[1])])
    path = [(float(p[0]), float(p[1]))]
    for _ in range(int(steps)):
        p = p - step * np.array(grad(*p), dtype=float)
        if not np.isfinite(p).all():
            break
        path.append((float(p[0]), float(p[1])))
    return path


def loss_contours(
    f: object,
    path: Sequence[tuple[float, float]] = (),
    *,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    levels: int = 14,
    log: bool = True,
) -> Plot:
    """Contours of a loss ``f(x, y)`` with a path (gradient-descent iterates) drawn over them.

    ``f``: a vectorised function or ``derive.grad``'s result on two variables; ``path``: the iterates
    (``descent_path``); ``xlim``/``ylim`` default to the path's box, padded. ``log``: levels spaced
    geometrically above the minimum on the grid (a valley's floor stays visible).
    """
    import numpy as np

    func, model = _surface(f)
    points = [(float(a), float(b)) for a, b in path]
    if xlim is None or ylim is None:
        if not points:
            raise UsageError("loss_contours needs xlim and ylim when there is no path", hint="xlim=(-2, 2), ylim=(-1, 3)")
        px, py = [a for a, _ in points], [b for _, b in points]
        wx, wy = (max(px) - min(px)) or 1.0, (max(py) - min(py)) or 1.0
        xlim = xlim or (min(px) - 0.3 * wx, max(px) + 0.3 * wx)
        ylim = ylim or (min(py) - 0.3 * wy, max(py) + 0.3 * wy)
    gx, gy = np.meshgrid(np.linspace(*xlim, 240), np.linspace(*ylim, 240))
    with np.errstate(all="ignore"):
        z = np.asarray(np.broadcast_to(func(gx, gy), gx.shape), dtype=float)
    finite = z[np.isfinite(z)]
    if not finite.size:
        raise DataError("the loss is not finite anywhere in the window", hint="change xlim and ylim")
    lo, hi = float(finite.min()), float(finite.max())
    if log and hi > lo:
        marks = lo + (hi - lo) * np.geomspace(1e-4, 1.0, levels)
    else:
        marks = np.linspace(lo, hi, levels)
    names = [v.name for v in model.variables] if model is not None else ["x", "y"]
    alt = "Contours of the loss" + (f" with {len(points) - 1} descent steps" if len(points) > 1 else "")
    with _style():
        fig, ax = new_figure()
        ax.grid(False)
        ax.contour(gx, gy, z, levels=marks, cmap="Blues_r", linewidths=0.8)
        if points:
            shown = points if len(points) <= _MAX_PATH else points[:: math.ceil(len(points) / _MAX_PATH)] + [points[-1]]
            ax.plot([a for a, _ in shown], [b for _, b in shown], "-", color=_MARK, lw=1.2, label="descent path")
            ax.plot([points[0][0]], [points[0][1]], "o", color=_MARK, ms=5, label="start")
            ax.plot([points[-1][0]], [points[-1][1]], "*", color="black", ms=8, label=f"after {len(points) - 1} steps")
            ax.legend(frameon=False, loc="lower right")
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_xlabel(f"${names[0]}$")
        ax.set_ylabel(f"${names[1]}$")
        return plot_of(fig, alt)


__all__ = ["Plot", "descent_path", "loglik_curve", "loss_contours", "plot", "regression_fit"]
