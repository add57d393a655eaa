"""Figures: deterministic matplotlib plots (PDF for TeX, SVG for HTML), loaded before the TeX hardening."""
from __future__ import annotations

from pathlib import Path

import pytest

import derive
from derive.core.errors import DataError, UsageError
from derive.handout.builder import HandoutBuilder
from derive.handout.document import Figure
from derive.render import figures as F
from derive.render.env import figure_files, render_handout
from derive.render.pdf import build_pdf, overfull_boxes
from tests.conftest import pdf_text

XS = [2.0, 4.5, 7.0, 9.5, 12.0]
YS = [1.62, 1.70, 1.74, 1.85, 1.90]


def test_a_plot_is_deterministic_and_undated() -> None:
    a, b = F.regression_fit(XS, YS, (1.55, 0.029)), F.regression_fit(XS, YS, (1.55, 0.029))
    assert a.pdf == b.pdf and a.svg == b.svg
    assert a.pdf.startswith(b"%PDF") and b"CreationDate" not in a.pdf and b"matplotlib" not in a.pdf.lower()
    assert a.svg.lstrip().startswith("<?xml") and "<dc:date>" not in a.svg
    assert F.regression_fit(XS, YS, (1.55, 0.03)).pdf != a.pdf


def test_loglik_curve_marks_the_maximum_of_the_mle_result() -> None:
    counts = [3, 1, 4, 2, 2, 5, 0, 3, 2, 4, 1, 3]  # mean 2.5: the Poisson MLE
    plot = F.loglik_curve(derive.mle("poisson"), counts)
    assert "maximum at 2.5" in plot.alt
    by_function = F.loglik_curve(lambda t, xs: sum(x * __import__("math").log(t) - t for x in xs), counts,
                                 bounds=(0.5, 6))
    assert "maximum at 2.5" in by_function.alt


def test_loss_contours_with_a_descent_path_from_the_derived_gradient() -> None:
    g = derive.grad("(1 - x)^2 + 100*(y - x^2)^2", wrt="x,y")
    path = F.descent_path(g, (-1.2, 1.0), step=1e-3, steps=500)
    assert len(path) == 501 and path[-1] != path[0]
    # each step went downhill on this small step size
    f = lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2  # noqa: E731
    assert f(path[-1]) < f(path[0])
    plot = F.loss_contours(g, path)
    assert "500 descent steps" in plot.alt and plot.pdf.startswith(b"%PDF")


def test_bad_figure_input_is_a_one_line_error() -> None:
    with pytest.raises(DataError, match=r"x\[1\] is not a number"):
        F.regression_fit([1, "a"], [1, 2], (0, 1))
    with pytest.raises(DataError, match="x has 2 values and y 3"):
        F.regression_fit([1, 2], [1, 2, 3], (0, 1))
    with pytest.raises(UsageError, match="needs xlim and ylim"):
        F.loss_contours(lambda x, y: x * x + y * y)
    with pytest.raises(UsageError, match="must be a plot"):
        Figure(plot="not a plot")


def test_a_solution_figure_is_left_out_of_the_student_version() -> None:
    fit, data = F.regression_fit(XS, YS, (1.55, 0.029)), F.regression_fit(XS, YS, (0, 0))
    h = (HandoutBuilder("Figures").figure(fit, "SECRET fitted line").figure(data, "The data alone", solution=False)
         .build())
    student, solution = render_handout(h, solutions=False), render_handout(h)
    assert "SECRET" not in student and "The data alone" in student and "SECRET" in solution
    assert len(figure_files(h)) == 2 and len(figure_files(h, solutions=False)) == 1
    # loaded into boxes in the preamble, before the hardening; the body only places the boxes
    pre, body = solution.split("\n\\begin{document}\n")
    assert pre.count(r"\includegraphics{figure-") == 2 and r"\includegraphics" not in body
    assert pre.index(r"\includegraphics") < pre.index(r"\AddToHook{begindocument/end}")


@pytest.mark.tex
def test_a_figure_typesets_in_the_sandbox(tmp_path: Path) -> None:
    h = HandoutBuilder("Figures").figure(F.regression_fit(XS, YS, (1.55, 0.029)), r"The fit $y = a + b x$.").build()
    log: list[str] = []
    pdf = build_pdf(render_handout(h), tmp_path / "f.pdf", log=log, files=figure_files(h))
    assert overfull_boxes(log[0]) == []
    assert "Figure 1. The fit" in " ".join(pdf_text(pdf).split())
    assert "fitted line" in pdf_text(pdf)  # the legend's text, from the embedded figure


def test_the_same_plot_in_another_process_is_byte_identical() -> None:
    import subprocess
    import sys

    from tests.conftest import checkout_env

    code = ("import hashlib; from derive.render import figures as F; "
            "p = F.regression_fit([1, 2, 3], [1, 2, 2.5], (0.3, 0.8)); "
            "print(hashlib.sha256(p.pdf + p.svg.encode()).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env=checkout_env({"PYTHONHASHSEED": seed})).stdout for seed in ("1", "2")}
    plot = F.regression_fit([1, 2, 3], [1, 2, 2.5], (0.3, 0.8))
    import hashlib

    assert digests == {hashlib.sha256(plot.pdf + plot.svg.encode()).hexdigest() + "\n"}


def test_a_pdf_only_handout_never_draws_the_svg() -> None:
    """The SVG is for HTML and Markdown; a handout typeset to PDF must not pay for drawing it (adding the figure
    to a handout, rendering its LaTeX), and asking for it later still gives it."""
    plot = F.regression_fit(XS, YS, (1.55, 0.029))
    h = HandoutBuilder("Figures").figure(plot, "The fit").build()
    render_handout(h)
    assert plot._svg is None
    assert plot.svg.lstrip().startswith("<?xml") and plot._svg is not None
