"""The derivation reader: displays -> chains of steps, with the file line of every right side."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.core.errors import ParseError
from derive.parse.derivation import Chain, Prose, read_derivation


def steps(text: str) -> list[tuple[str, str, str, int]]:
    return [(lhs.latex, link.relation, link.rhs.latex, link.rhs.line)
            for chain in read_derivation(text).chains for lhs, link in chain.steps()]


ISSUE_EXAMPLE = r"""% derive: \theta > 0
\begin{align*}
\frac{d}{d\theta}\Big(n\log\theta - \theta\sum_{i=1}^{n} x_i\Big)
  &= \frac{n}{\theta} - \sum_{i=1}^{n} x_i
\end{align*}
"""


def test_issue_example_one_step_at_line_4() -> None:
    d = read_derivation(ISSUE_EXAMPLE)
    assert [(x.text, x.line) for x in d.declarations] == [(r"\theta > 0", 1)]
    [(lhs, rel, rhs, line)] = steps(ISSUE_EXAMPLE)
    assert lhs == r"\frac{d}{d\theta} (n\log\theta - \theta\sum_{i=1}^{n} x_i )"
    assert (rel, rhs, line) == ("=", r"\frac{n}{\theta} - \sum_{i=1}^{n} x_i", 4)


@pytest.mark.parametrize("env", ["align", "align*", "gather", "gather*", "flalign*", "eqnarray*"])
def test_row_environments(env: str) -> None:
    text = f"\\begin{{{env}}}\na &= b \\\\\n&= c\n\\end{{{env}}}\n"
    assert steps(text) == [("a", "=", "b", 2), ("b", "=", "c", 3)]


@pytest.mark.parametrize("opening,closing", [("\\[", "\\]"), ("$$", "$$"), ("\\begin{equation}", "\\end{equation}"),
                                             ("\\begin{equation*}", "\\end{equation*}")])
def test_one_line_displays(opening: str, closing: str) -> None:
    assert steps(f"text\n{opening} a = b \\le c {closing}\n") == [("a", "=", "b", 2), ("b", "<=", "c", 2)]


def test_relations_inside_groups_are_not_split() -> None:
    text = r"\[ \sum_{i=1}^n x_i = P(X = x) + \frac{a=b}{2} \]"
    assert steps(text) == [(r"\sum_{i=1}^n x_i", "=", r"P(X = x) + \frac{a=b}{2}", 1)]


def test_every_relation_by_name() -> None:
    text = r"\[ a \le b \leq c \geq d \ge e < f > g \lt h \gt i \propto j \approx k \neq l \]"
    assert [s[1] for s in steps(text)] == ["<=", "<=", ">=", ">=", "<", ">", "<", ">", "propto", "approx", "!="]


def test_ascii_two_character_relations() -> None:
    assert [s[1] for s in steps(r"\[ a <= b >= c := d \]")] == ["<=", ">=", ":="]


def test_layout_is_ignored() -> None:
    text = r"""\begin{align}
f &= \left( a + b \right)^2 \label{eq:one} \nonumber \\[4pt]
  &= \Bigl[ a \Bigr] \, \displaystyle\sum\limits_{i} x_i \tag{2} \\
  &= \biggl. c \notag,
\end{align}"""
    assert steps(text) == [("f", "=", "( a + b )^2", 2), ("( a + b )^2", "=", r"[ a ] \sum_{i} x_i", 3),
                           (r"[ a ] \sum_{i} x_i", "=", "c", 4)]


def test_trailing_punctuation_dropped() -> None:
    assert steps(r"\[ a = b, \] \[ c = d. \] \[ e = f; \]") == [("a", "=", "b", 1), ("c", "=", "d", 1),
                                                                 ("e", "=", "f", 1)]


def test_notes_after_quad_are_comments() -> None:
    text = r"""\begin{align*}
f &= g \qquad \text{by the chain rule} \\
  &= h \quad i = 1, \dots, n
\end{align*}"""
    d = read_derivation(text)
    [chain] = d.chains
    assert [(link.rhs.latex, link.note) for link in chain.links] == [
        ("g", "by the chain rule"), ("h", r"i = 1, \dots, n")]


def test_a_leading_quad_is_indentation_and_a_plus_row_continues_the_expression() -> None:
    text = r"""\begin{align*}
f &= a + b \\
  &\quad + c - d \\
  &= e
\end{align*}"""
    assert steps(text) == [("f", "=", "a + b + c - d", 2), ("a + b + c - d", "=", "e", 4)]


def test_a_row_without_a_leading_relation_starts_a_new_chain() -> None:
    text = r"""\begin{align*}
f &= a \\
g &= b \\
  &= c
\end{align*}"""
    chains = read_derivation(text).chains
    assert [c.first.latex for c in chains] == ["f", "g"]
    assert [len(c.links) for c in chains] == [1, 2]


def test_multline_is_one_equation() -> None:
    text = "\\begin{multline}\na + b \\\\\n+ c = d\n\\end{multline}"
    assert steps(text) == [("a + b + c", "=", "d", 3)]


def test_split_inside_equation_brings_rows_back() -> None:
    text = "\\begin{equation}\n\\begin{split}\nf &= a \\\\\n&= b\n\\end{split}\n\\end{equation}"
    assert steps(text) == [("f", "=", "a", 3), ("a", "=", "b", 4)]


def test_alignat_argument_is_not_math() -> None:
    assert steps("\\begin{alignat*}{2}\nf &= a &\\quad& \\\\\n&= b\n\\end{alignat*}") == [
        ("f", "=", "a", 2), ("a", "=", "b", 3)]


def test_logical_chain_relates_equations() -> None:
    text = r"\[ 2x + 1 = 5 \iff 2x = 4 \implies x = 2 \Longleftrightarrow x - 2 = 0 \]"
    assert steps(text) == [("2x + 1 = 5", "iff", "2x = 4", 1), ("2x = 4", "implies", "x = 2", 1),
                           ("x = 2", "iff", "x - 2 = 0", 1)]


def test_up_to_a_constant() -> None:
    text = r"""\begin{align*}
\ell(\theta) &= n\log\theta - \theta S + \text{const} \\
 &= n\log\theta - \theta S - \mathrm{const}. \\
 &= n\log\theta + C
\end{align*}"""
    [chain] = read_derivation(text).chains
    assert [(l.rhs.latex, l.up_to_constant) for l in chain.links] == [
        (r"n\log\theta - \theta S", True), (r"n\log\theta - \theta S", True), (r"n\log\theta + C", False)]


def test_a_display_opening_with_a_relation_continues_the_last_chain() -> None:
    text = "\\[ f = a \\]\n\\[ = b \\]\nNow a new thought.\n\\[ = c \\]"
    chains = read_derivation(text).chains
    assert [[l.rhs.latex for l in c.links] for c in chains] == [["a", "b"], ["c"]]
    assert chains[1].first.latex == ""


def test_prose_and_declarations_with_lines() -> None:
    text = ("\\documentclass{article}\n\\begin{document}\n% derive: \\lambda > 0, 0 < p < 1\n"
            "Let $x_i$ be data.\n% a plain comment\n\\[ a = b \\]\nHence the result.\n\\end{document}\n")
    d = read_derivation(text)
    assert [(x.text, x.line) for x in d.declarations] == [(r"\lambda > 0", 3), ("0 < p < 1", 3)]
    prose = [i for i in d.items if isinstance(i, Prose)]
    assert [(p.text, p.line) for p in prose] == [("Let $x_i$ be data.", 4), ("Hence the result.", 7)]
    assert isinstance(d.items[1], Chain)


def test_comments_inside_math_are_dropped_but_percent_sign_kept() -> None:
    assert steps("\\[ a = b % = c\n = 50\\% \\]") == [("a", "=", "b", 1), ("b", "=", "50\\%", 2)]


def test_declaration_list_splits_only_at_top_level_commas() -> None:
    d = read_derivation("% derive: X \\in \\mathbb{R}^{n\\times p}, f(a, b) := a + b\n\\[ a = b \\]")
    assert [x.text for x in d.declarations] == ["X \\in \\mathbb{R}^{n\\times p}", "f(a, b) := a + b"]


def test_crlf_line_endings() -> None:
    assert steps("x\r\n\\begin{align*}\r\na &= b\\\\\r\n&= c\r\n\\end{align*}") == [
        ("a", "=", "b", 3), ("b", "=", "c", 4)]


@pytest.mark.parametrize("text,message", [
    ("no maths here $x$", "no display mathematics"),
    ("\\begin{align}\na = b\n", "never closed"),
    ("\\[ a = b", "never closed"),
    ("$$ a = b", "never closed"),
    ("a\x00b \\[ x = y \\]", "NUL"),
    ("x" * 1_000_001, "too long"),
])
def test_bad_input_is_one_parse_error(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        read_derivation(text)


def test_unbalanced_braces_do_not_raise() -> None:
    assert steps(r"\[ a = \frac{b \]") == [("a", "=", r"\frac{b", 1)]


_atoms = st.sampled_from(["a", "x_i", r"\frac{1}{2}", r"\sum_{i=1}^{n} y_i", r"\log(\theta)", "P(X = 1)", "{a=b}"])
_rels = st.sampled_from([("=", "="), (r"\le", "<="), ("<", "<"), (r"\geq", ">="), (r"\propto", "propto")])


@settings(max_examples=60, deadline=None)
@given(first=_atoms, rest=st.lists(st.tuples(_rels, _atoms), min_size=1, max_size=6),
       blank=st.lists(st.integers(0, 3), min_size=7, max_size=7))
def test_every_right_side_is_found_on_its_line(first: str, rest: list[tuple[tuple[str, str], str]],
                                               blank: list[int]) -> None:
    lines = ["\\begin{align*}", first]
    expected: list[tuple[str, str]] = []
    for (typed, name), atom in rest:
        lines.append(f"  &{typed} {atom} \\\\" + "\n" * blank[len(expected)])
        expected.append((name, atom))
    lines.append("\\end{align*}")
    text = "\n".join(lines)
    found = steps(text)
    assert [(rel, rhs) for _, rel, rhs, _ in found] == expected
    source_lines = text.split("\n")
    for (_, _, rhs, line) in found:
        assert rhs in source_lines[line - 1]


def test_words_inside_a_term_are_kept_for_the_reader_never_dropped() -> None:
    """Dropping ``\\text{ for all }`` would leave ``b x``: a different claim."""
    assert steps(r"\[ a = b \text{ for all } x \]") == [("a", "=", r"b \text{ for all } x", 1)]


# --- layouts of other authors ---------------------------------------------------------------------

def test_quad_around_a_connective_is_spacing() -> None:
    d = read_derivation("\\[\n-2X'y + 2X'Xb = 0 \\quad\\Rightarrow\\quad X'Xb = X'y .\n\\]\n")
    (chain,) = d.chains
    assert chain.first.latex == "-2X'y + 2X'Xb = 0"
    assert [(k.relation, k.rhs.latex) for k in chain.links] == [("implies", "X'Xb = X'y")]


def test_therefore_continues_the_chain_of_the_display_before() -> None:
    text = "\\[\na - b = 0\n\\]\n\\[\n\\therefore \\quad a = b\n\\]\n\\[\n\\Rightarrow \\quad b = a\n\\]\n"
    (chain,) = read_derivation(text).chains
    assert chain.first.latex == "a - b = 0"
    assert [(k.relation, k.rhs.latex, k.rhs.line) for k in chain.links] == [("implies", "a = b", 5),
                                                                             ("implies", "b = a", 8)]


def test_intertext_between_rows_is_not_a_term() -> None:
    text = "\\begin{align*}\nf &= g \\\\\n\\intertext{and since $g = h$,}\n&= h\n\\end{align*}\n"
    (chain,) = read_derivation(text).chains
    assert [k.rhs.latex for k in chain.links] == ["g", "h"]
    assert chain.links[1].rhs.line == 4


def test_eqnarray_with_ampersand_relations() -> None:
    text = "\\begin{eqnarray*}\nf &=& g \\nonumber \\\\\n &=& h\n\\end{eqnarray*}\n"
    (chain,) = read_derivation(text).chains
    assert chain.first.latex == "f" and [k.rhs.latex for k in chain.links] == ["g", "h"]


def test_a_text_note_after_a_quad_is_still_a_note() -> None:
    (chain,) = read_derivation("\\[ a = b \\quad \\text{(by parts)} \\]").chains
    assert chain.links[0].rhs.latex == "b" and "by parts" in chain.links[0].note
