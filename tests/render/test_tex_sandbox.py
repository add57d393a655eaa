"""TeX cannot read or write files outside its scratch directory, whatever the spelling.

Three layers, each tested alone: check_latex refuses the spellings (no TeX needed); the
bubblewrap sandbox in pdf.py hides every file but the system's and TeX's (tested with
LaTeX that bypasses the filter and the hardened preamble); the preamble makes the
file-reading primitives errors under every alias (tested by meaning, and without the sandbox).
Each reading case tries to get a secret file's unique marker into the PDF; each writing case
tries to create a file outside the scratch directory.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from derive.core.errors import RenderError
from derive.handout.builder import HandoutBuilder
from derive.render import pdf as pdf_module
from derive.render.env import SOURCE_MARKER, render_handout
from derive.render.pdf import SANDBOX_HINT, build_pdf, sandbox_command, tex_available, tex_environment

requires_tex = pytest.mark.tex  # skipped only where TeX is absent (tests/conftest.py)


@dataclass(frozen=True)
class Secret:
    """A file outside any scratch directory, and what would betray its content."""

    path: Path  # a .tex file (so \input and \include take it as is)
    marker: str
    pdf: Path  # a one-page PDF showing the marker (for image inclusion)

    def fingerprints(self) -> list[str]:
        data = self.path.read_bytes()
        md5 = hashlib.md5(data).hexdigest()
        return [self.marker, data.hex(), data.hex().upper(), md5, md5.upper()]


@pytest.fixture(scope="module")
def secret(tmp_path_factory: pytest.TempPathFactory) -> Secret:
    folder = tmp_path_factory.mktemp("secret")
    marker = f"SECRETMARKER{secrets.token_hex(8)}"
    path = folder / "secret.tex"
    path.write_text(f"{marker}\n", encoding="utf-8")
    pdf = folder / "secret.pdf"
    if tex_available():
        build_pdf(RAW.replace("PAYLOAD", marker), pdf)
    return Secret(path, marker, pdf)


RAW = r"""\documentclass{article}
\usepackage{graphicx}
\usepackage{verbatim}
\begin{document}
Start.
PAYLOAD
End.
\end{document}
"""


def pdf_bytes(path: Path) -> bytes:
    """The raw PDF and every deflated stream in it, inflated (object streams included)."""
    data = path.read_bytes()
    parts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        try:
            parts.append(zlib.decompressobj().decompress(data[match.end():]))
        except zlib.error:
            continue  # not a Flate stream
    return b"\n".join(parts)


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@dataclass(frozen=True)
class Attempt:
    """What a build did: the RenderError, or the PDF's text and bytes."""

    error: RenderError | None
    text: str = ""
    data: bytes = b""


def attempt(tex: str, out: Path) -> Attempt:
    try:
        build_pdf(tex, out, timeout=60)
    except RenderError as exc:
        assert not out.exists()
        return Attempt(exc)
    return Attempt(None, pdf_text(out), pdf_bytes(out))


def assert_nothing_leaked(result: Attempt, secret: Secret) -> None:
    if result.error is not None:
        message = f"{result.error.message}; {result.error.hint}"
        assert "\n" not in str(result.error)
        assert secret.marker not in message
    for trace in secret.fingerprints():
        assert trace not in result.text
        assert trace.encode() not in result.data


# --- reading ---------------------------------------------------------------------------------

# (id, payload, what happens in the sandbox: "fails" or "typesets" with nothing inside [...])
# SECRET is the secret .tex's absolute path, SECRETPDF the secret PDF's, SECRETREL the
# secret .tex by a '..' path from the scratch directory.
READS = [
    ("input", r"\input{SECRET}", "fails"),
    ("input-relative", r"\input{SECRETREL}", "fails"),
    ("input-primitive", r"\makeatletter\@@input SECRET \makeatother", "fails"),
    ("UseName-input", r"\UseName{input}{SECRET}", "fails"),
    ("tex_input:D", r"\ExplSyntaxOn \tex_input:D {SECRET} \ExplSyntaxOff", "fails"),
    ("csname-input", r"\csname input\endcsname{SECRET}", "fails"),
    ("csname-pieces", r"\expandafter\csname\string i\string n\string p\string u\string t\endcsname{SECRET}", "fails"),
    ("lowercase-input", r"\lowercase{\csname INPUT\endcsname}{SECRET}", "fails"),
    ("hathat-input", r"^^5cinput{SECRET}", "fails"),
    ("scantokens-input", r"\scantokens{\input{SECRET}}", "fails"),
    ("begin-input", r"\begin{input}{SECRET}", "fails"),
    ("include", r"\include{SECRETNOEXT}", "fails"),
    ("InputIfFileExists", r"\InputIfFileExists{SECRET}{}{}[]", "typesets"),
    ("verbatiminput", r"\verbatiminput{SECRET}[]", "typesets"),
    ("openin-read", r"\newread\r\openin\r=SECRET \read\r to\x [\x]", "fails"),
    ("openin-readline", r"\newread\r\openin\r=SECRET \readline\r to\x [\x]", "fails"),
    ("pdfobj-file", r"\immediate\pdfobj file {SECRET}\pdfrefobj\pdflastobj", "fails"),
    ("pdfobj-stream-file", r"\immediate\pdfobj stream file {SECRET}\pdfrefobj\pdflastobj", "fails"),
    ("tex_pdfobj:D", r"\ExplSyntaxOn \tex_pdfobj:D ~ file ~ {SECRET} \tex_pdfrefobj:D \tex_pdflastobj:D \ExplSyntaxOff",
     "fails"),
    ("pdfobj-attachment", r"\immediate\pdfobj stream attr {/Type/EmbeddedFile} file {SECRET}"
     r"\pdfnames{/EmbeddedFiles << /Names [(s) << /Type/Filespec /F (s) /EF << /F \the\pdflastobj\space 0 R >> >>] >>}",
     "fails"),
    ("pdfannot-attachment", r"\immediate\pdfobj stream file {SECRET}\pdfannot width 9pt height 9pt depth 0pt"
     r" {/Subtype/FileAttachment /FS << /Type/Filespec /F (s) /EF << /F \the\pdflastobj\space 0 R >> >>}", "fails"),
    ("pdffiledump", r"[\pdffiledump length 200 {SECRET}]", "typesets"),
    ("pdfmdfivesum-file", r"[\pdfmdfivesum file {SECRET}]", "typesets"),
    ("pdffilesize", r"[\pdffilesize{SECRET}]", "typesets"),
    ("pdffilemoddate", r"[\pdffilemoddate{SECRET}]", "typesets"),
    ("pdfximage", r"\pdfximage{SECRETPDF}\pdfrefximage\pdflastximage", "fails"),
    ("includegraphics", r"\includegraphics{SECRETPDF}", "fails"),
    ("pdfmapfile", r"\pdfmapfile{SECRET}[]", "typesets"),
    ("pdfmapline", r"\pdfmapline{SECRET}[]", "typesets"),
    ("font", r"\font\x=SECRET \x x", "fails"),
]


def payload(template: str, secret: Secret) -> str:
    relative = "../" * 12 + str(secret.path).lstrip("/")
    return (
        template.replace("SECRETPDF", str(secret.pdf))
        .replace("SECRETNOEXT", str(secret.path.with_suffix("")))
        .replace("SECRETREL", relative)
        .replace("SECRET", str(secret.path))
    )


@pytest.fixture(params=["paranoid", "permissive"])
def kpathsea(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """kpathsea's own checks as shipped (paranoid), or off, to test the sandbox alone."""
    if request.param == "permissive":
        monkeypatch.setattr(pdf_module, "_TEX_ENV", {**pdf_module._TEX_ENV, "openin_any": "a", "openout_any": "a"})
    return str(request.param)


@pytest.mark.tex
@requires_tex
@pytest.mark.parametrize(("name", "template", "outcome"), READS, ids=[r[0] for r in READS])
def test_sandbox_stops_reading_a_file_outside_the_scratch_dir(
    secret: Secret, tmp_path: Path, kpathsea: str, name: str, template: str, outcome: str
) -> None:
    """Raw LaTeX (no filter, no hardened preamble): only the sandbox (and kpathsea) stand in the way."""
    result = attempt(RAW.replace("PAYLOAD", payload(template, secret)), tmp_path / "out.pdf")
    assert_nothing_leaked(result, secret)
    if outcome == "fails":
        assert result.error is not None and str(result.error).startswith("LaTeX failed")
    else:
        assert result.error is None, str(result.error)
        assert "Start." in result.text and "End." in result.text
        assert "[]" in result.text.replace(" ", "")  # the primitive got nothing


@pytest.mark.tex
@requires_tex
def test_sandbox_hides_the_environment_and_proc(
    secret: Secret, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DERIVE_TEST_TOKEN", secret.marker)
    for template in (r"\immediate\pdfobj file {/proc/self/environ}\pdfrefobj\pdflastobj", r"\input{/proc/self/environ}"):
        result = attempt(RAW.replace("PAYLOAD", template), tmp_path / "out.pdf")
        assert result.error is not None
        assert_nothing_leaked(result, secret)
    assert "DERIVE_TEST_TOKEN" not in tex_environment(tmp_path)


# Without the sandbox these leak: the controls that show the checks above can see a leak.
LEAKS_UNSANDBOXED = ["pdfobj-file", "pdfobj-stream-file", "tex_pdfobj:D", "pdfobj-attachment", "pdfannot-attachment"]


@pytest.mark.tex
@requires_tex
@pytest.mark.parametrize("name", LEAKS_UNSANDBOXED)
def test_without_the_sandbox_the_same_latex_leaks(
    secret: Secret, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(pdf_module, "sandbox_command", lambda bwrap, work, env: [])
    template = dict((r[0], r[1]) for r in READS)[name]
    result = attempt(RAW.replace("PAYLOAD", payload(template, secret)), tmp_path / "out.pdf")
    assert result.error is None
    assert secret.marker.encode() in result.data


# --- writing ---------------------------------------------------------------------------------

WRITES = [
    ("openout-absolute", r"\newwrite\w\immediate\openout\w=TARGET\immediate\write\w{x}\immediate\closeout\w"),
    ("openout-relative", r"\newwrite\w\immediate\openout\w=RELTARGET\immediate\write\w{x}\immediate\closeout\w"),
    ("openout-deferred", r"\newwrite\w\openout\w=TARGET\write\w{x}\closeout\w x"),
    ("write18", r"\immediate\write18{touch TARGET}x"),
    ("write18-deferred", r"\write18{touch TARGET}x"),
    ("filecontents", r"\begin{filecontents*}{TARGET}" "\nx\n" r"\end{filecontents*}x"),
]


@pytest.mark.tex
@requires_tex
@pytest.mark.parametrize(("name", "template"), WRITES, ids=[w[0] for w in WRITES])
def test_sandbox_stops_writing_outside_the_scratch_dir(
    tmp_path: Path, kpathsea: str, name: str, template: str
) -> None:
    target = tmp_path / f"written-{secrets.token_hex(4)}.tex"
    relative = "../" * 12 + str(target).lstrip("/")  # from the scratch dir, however deep it is
    tex = RAW.replace("PAYLOAD", template.replace("RELTARGET", relative).replace("TARGET", str(target)))
    try:
        build_pdf(tex, tmp_path / "out.pdf", timeout=60)
    except RenderError as exc:
        assert "\n" not in str(exc)
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["out.pdf"])


# --- without a usable sandbox, no PDF --------------------------------------------------------


@requires_tex
def test_no_bwrap_means_no_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, **kw: None if name == "bwrap" else real_which(name, **kw))
    with pytest.raises(RenderError, match="bwrap \\(bubblewrap\\) is not installed") as info:
        build_pdf(RAW.replace("PAYLOAD", "x"), tmp_path / "out.pdf")
    assert info.value.hint == SANDBOX_HINT
    assert list(tmp_path.iterdir()) == []


@requires_tex
def test_unusable_bwrap_means_no_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bwrap that cannot create namespaces (as in some containers) stops the build, with its reason."""
    fake = tmp_path / "bin" / "bwrap"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    out = tmp_path / "out.pdf"
    with pytest.raises(RenderError, match="cannot start the TeX sandbox: bwrap: No permissions") as info:
        build_pdf(RAW.replace("PAYLOAD", "x"), out)
    assert info.value.hint == SANDBOX_HINT and not out.exists()


@requires_tex
def test_sandbox_command_shows_only_system_tex_and_scratch(tmp_path: Path) -> None:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        pytest.fail("bwrap is needed for PDF builds; setup.sh installs it")
    args = sandbox_command(bwrap, tmp_path, tex_environment(tmp_path))
    shown = {args[i + 2] for i, a in enumerate(args) if a in ("--ro-bind", "--bind")}
    writable = {args[i + 2] for i, a in enumerate(args) if a == "--bind"}
    assert writable == {str(tmp_path)}
    assert "--unshare-all" in args and "--die-with-parent" in args and args[-1] == "--"
    for private in ("/root", "/home", "/tmp", "/etc", "/var", "/proc", "/work"):
        assert private not in shown
    assert not any(p.startswith(str(Path.home())) for p in shown if p != str(tmp_path))


# --- the hardened preamble -------------------------------------------------------------------

PLACE = "PLACEHOLDERPARAGRAPH"


def handout_with(injected: str) -> str:
    """A real handout's .tex with ``injected`` where a paragraph was (bypassing check_latex)."""
    h = HandoutBuilder("Hardening")
    h.math(r"x^{2}")
    h.paragraph(PLACE)
    lines = render_handout(h.build()).splitlines(keepends=True)
    return "".join(line if line.startswith(SOURCE_MARKER) else line.replace(PLACE, injected) for line in lines)


# (payload, the name the error must give): each primitive and the aliases the audit below finds
DISABLED = [
    (r"\immediate\pdfobj file {SECRET}", r"\pdfobj"),
    (r"\ExplSyntaxOn \tex_pdfobj:D ~ file ~ {SECRET} \ExplSyntaxOff", r"\tex_pdfobj:D"),
    (r"\pdfximage{SECRETPDF}", r"\pdfximage"),
    (r"\ExplSyntaxOn \tex_pdfximage:D {SECRETPDF} \ExplSyntaxOff", r"\tex_pdfximage:D"),
    (r"[\pdffiledump length 64 {SECRET}]", r"\pdffiledump"),
    (r"\ExplSyntaxOn [\tex_filedump:D length ~ 64 ~ {SECRET}] \ExplSyntaxOff", r"\tex_filedump:D"),
    (r"[\pdfmdfivesum file {SECRET}]", r"\pdfmdfivesum"),
    (r"\ExplSyntaxOn [\tex_mdfivesum:D file {SECRET}] \ExplSyntaxOff", r"\tex_mdfivesum:D"),
    (r"[\pdffilesize{SECRET}]", r"\pdffilesize"),
    (r"\ExplSyntaxOn [\tex_filesize:D {SECRET}] \ExplSyntaxOff", r"\tex_filesize:D"),
    (r"\ExplSyntaxOn [\__file_size:n {SECRET}] \ExplSyntaxOff", r"\__file_size:n"),
    (r"[\pdffilemoddate{SECRET}]", r"\pdffilemoddate"),
    (r"\ExplSyntaxOn [\tex_filemoddate:D {SECRET}] \ExplSyntaxOff", r"\tex_filemoddate:D"),
    (r"\ExplSyntaxOn [\__file_timestamp:n {SECRET}] \ExplSyntaxOff", r"\__file_timestamp:n"),
    (r"\pdfmapfile{SECRET}", r"\pdfmapfile"),
    (r"\ExplSyntaxOn \tex_mapfile:D {SECRET} \ExplSyntaxOff", r"\tex_mapfile:D"),
    (r"\pdfmapline{SECRET}", r"\pdfmapline"),
    (r"\ExplSyntaxOn \tex_mapline:D {SECRET} \ExplSyntaxOff", r"\tex_mapline:D"),
    (r"\pdfprimitive\pdfobj file {SECRET}", r"\pdfprimitive"),
    (r"\ExplSyntaxOn \tex_primitive:D \tex_pdfobj:D ~ file ~ {SECRET} \ExplSyntaxOff", r"\tex_primitive:D"),
    (r"\makeatletter\pdf@primitive\pdfobj file {SECRET}\makeatother", r"\pdf@primitive"),
    (r"\scantokens{\input{SECRET}}", r"\scantokens"),
    (r"\ExplSyntaxOn \tex_scantokens:D {x} \ExplSyntaxOff", r"\tex_scantokens:D"),
    (r"\newread\r\openin\r=SECRET \read\r to\x", r"\read"),
    (r"\ExplSyntaxOn \tex_read:D 1 ~ to \l_tmpa_tl \ExplSyntaxOff", r"\tex_read:D"),
    (r"\newread\r\openin\r=SECRET \readline\r to\x", r"\readline"),
    (r"\ExplSyntaxOn \tex_readline:D 1 ~ to \l_tmpa_tl \ExplSyntaxOff", r"\tex_readline:D"),
]


@pytest.mark.tex
@requires_tex
@pytest.mark.parametrize(("template", "name"), DISABLED, ids=[d[1] for d in DISABLED])
def test_preamble_disables_file_primitives_in_the_body(secret: Secret, tmp_path: Path, template: str, name: str) -> None:
    result = attempt(handout_with(payload(template, secret)), tmp_path / "out.pdf")
    assert result.error is not None
    assert str(result.error).startswith(f"LaTeX failed in block '{PLACE}': Package derive Error: {name} is disabled")
    assert_nothing_leaked(result, secret)


@pytest.mark.tex
@requires_tex
def test_preamble_alone_stops_pdfobj_file(secret: Secret, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The .tex a user compiles by hand, outside the sandbox and with kpathsea permissive, still refuses."""
    monkeypatch.setattr(pdf_module, "sandbox_command", lambda bwrap, work, env: [])
    monkeypatch.setattr(pdf_module, "_TEX_ENV", {**pdf_module._TEX_ENV, "openin_any": "a", "openout_any": "a"})
    result = attempt(handout_with(payload(r"\immediate\pdfobj file {SECRET}\pdfrefobj\pdflastobj", secret)),
                     tmp_path / "out.pdf")
    assert result.error is not None and r"Package derive Error: \pdfobj is disabled" in str(result.error)
    assert_nothing_leaked(result, secret)


# The primitives the preamble disables, and \input as the control that stays (fonts need it).
AUDITED = ["pdfobj", "pdfximage", "pdffiledump", "pdfmdfivesum", "pdffilesize", "pdffilemoddate", "pdfmapfile",
           "pdfmapline", "pdfprimitive", "scantokens", "read", "readline"]
_NAME = re.compile(r"\\([A-Za-z@_:]+)")


def candidate_names(tmp_path: Path) -> list[str]:
    """Every control-sequence name in the files a handout loads (format sources included), plus
    the names LaTeX3 and the kernel build for primitives (\\tex_X:D, \\@@X, ...)."""
    tex = render_handout(HandoutBuilder("Audit").math("x").build())
    (tmp_path / "handout.tex").write_text(tex, encoding="utf-8")
    env = tex_environment(tmp_path)
    bwrap = shutil.which("bwrap")
    assert bwrap is not None, "bwrap is needed for PDF builds; setup.sh installs it"
    subprocess.run([*sandbox_command(bwrap, tmp_path, env), "pdflatex", "-recorder", "-interaction=nonstopmode",
                    "handout.tex"], cwd=tmp_path, env=env, capture_output=True, check=True, timeout=120)
    files = {line.split(" ", 1)[1] for line in (tmp_path / "handout.fls").read_text().splitlines()
             if line.startswith("INPUT ") and line.endswith((".sty", ".cls", ".clo", ".def", ".cfg", ".ltx", ".tex", ".fd"))}
    for source in ("latex.ltx", "expl3-code.tex"):
        found = subprocess.run(["kpsewhich", source], capture_output=True, text=True, env=env).stdout.strip()
        assert found, source
        files.add(found)
    names = set()
    for file in files:
        names.update(_NAME.findall((tmp_path / file).read_text(encoding="latin-1")))
    for p in [*AUDITED, "input"]:
        bare = p.removeprefix("pdf")
        for prefix in ("tex_", "pdftex_", "etex_", "luatex_", "utex_", "@@", "pdf@", "ltx@", "__file_", "__kernel_"):
            names.update({f"{prefix}{p}", f"{prefix}{p}:D", f"{prefix}{bare}", f"{prefix}{bare}:D", f"{prefix}{bare}:n"})
    assert len(names) > 5000  # the kernel alone has thousands
    return sorted(names)


@pytest.mark.tex
@requires_tex
def test_no_name_keeps_the_meaning_of_a_disabled_primitive(tmp_path: Path) -> None:
    """By meaning, not by name: in the body, no name the loaded code knows is still such a primitive."""
    (tmp_path / "fls").mkdir()
    names = candidate_names(tmp_path / "fls")
    tex = render_handout(HandoutBuilder("Audit").build())
    preamble, _, _ = tex.partition("\n\\begin{document}\n")
    refs = "".join(rf"\let\auditref{p.replace('@', '')}\{p}" for p in AUDITED)
    checks = "".join(rf"\expandafter\ifx\csname#1\endcsname\auditref{p} ALIVE(\detokenize{{#1}}={p}) \fi"
                     for p in AUDITED)
    audit = (
        preamble
        + r"\makeatletter\let\auditrefinput\@@input\makeatother" + refs + "\n\\begin{document}\n\\makeatletter\n"
        # \csname in each test, not one \let: a \let copies \outer, which breaks skipped text
        + r"\def\auditone#1{\ifcsname#1\endcsname" + checks
        + r"\expandafter\ifx\csname#1\endcsname\auditrefinput INPUT(\detokenize{#1}) \fi\fi}" + "\n"
        + "Audited: " + "".join(rf"\auditone{{{name}}}%" + "\n" for name in names) + " done.\n"
        + "\\end{document}\n"
    )
    out = tmp_path / "audit.pdf"
    build_pdf(audit, out, timeout=300)
    text = " ".join(pdf_text(out).split())
    assert "Audited:" in text and "done." in text
    alive = set(re.findall(r"ALIVE\(([^)]*)\)", text.replace(" ", "")))
    # Only the template's own saved copies, which rerunfilecheck needs after the last page
    # (reachable only through @-names or \csname, both of which check_latex refuses).
    assert alive == {"derive@filesize=pdffilesize", "derive@mdfivesum=pdfmdfivesum"}, text
    # The control: the \input primitive is deliberately left on, and the audit does see its aliases.
    assert "INPUT(@@input)" in text.replace(" ", "") and "INPUT(tex_input:D)" in text.replace(" ", "")


# --- the filter: the same LaTeX through HandoutBuilder.math never reaches TeX ----------------

EVERY_PAYLOAD = [r[1] for r in READS] + [w[1] for w in WRITES] + [d[0] for d in DISABLED]


@pytest.mark.parametrize("template", EVERY_PAYLOAD)
def test_check_latex_refuses_every_payload_before_tex(tmp_path: Path, template: str) -> None:
    secret = Secret(tmp_path / "secret.tex", "unused", tmp_path / "secret.pdf")
    latex = payload(template, secret).replace("TARGET", str(tmp_path / "x"))
    handout = HandoutBuilder("Filter").math(latex).build()
    with pytest.raises(RenderError, match="refusing LaTeX that uses"):
        render_handout(handout)
