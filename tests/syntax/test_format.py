"""`metricc fmt`: canonical, idempotent, and it never changes meaning or drops a comment."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from metricc.backends.manifest import manifest_files
from metricc.cli import main
from metricc.formatter import format_source, shape
from metricc.pipeline import check_project
from metricc.span import SourceFile
from metricc.syntax.parser import parse_source
from tests.conftest import CORPUS, METRICS, ROOT

FILES = sorted(
    [*METRICS.glob("*.metric"), *(ROOT / "examples").rglob("*.metric"), *CORPUS.rglob("*.metric")]
)
IDS = [str(p.relative_to(ROOT)) for p in FILES]


def fmt(text: str) -> str:
    source = SourceFile("x.metric", text)
    file, diagnostics = parse_source(source)
    assert diagnostics == []
    return format_source(source, file)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_repository_files_are_formatted(path: Path) -> None:
    text = path.read_text("utf-8")
    assert fmt(text) == text


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_formatting_is_idempotent(path: Path) -> None:
    once = fmt(path.read_text("utf-8"))
    assert fmt(once) == once


def scramble(text: str, rng: random.Random) -> str:
    """Shuffle the fields of every block and mangle whitespace, keeping comments on their lines."""
    out = []
    for block in re.split(r"(?m)^(?=\w+ \w+ \{)", text):
        lines = block.split("\n")
        head = [i for i, line in enumerate(lines) if re.match(r"\w+ \w+ \{", line)]
        if not head:
            out.append(block)
            continue
        start = head[0]
        end = max(i for i, line in enumerate(lines) if line.startswith("}"))
        fields: list[list[str]] = []
        comments: list[str] = []  # own-line comments travel with the field below them
        for line in lines[start + 1 : end]:
            if line.strip().startswith("#"):
                comments.append(line)
            elif re.match(r"\s+[a-z_]+( [a-z_]+)?:", line) or not fields:
                fields.append([*comments, line])
                comments = []
            else:
                fields[-1].append(line)
        labelled = [g for g in fields if re.match(r"\s+(entity|dimension) ", g[-1])]
        rng.shuffle(fields)
        # Labelled fields keep their relative order (it is the user's, not the layout's).
        refill = iter(labelled)
        fields = [next(refill) if re.match(r"\s+(entity|dimension) ", g[-1]) else g for g in fields]
        body = []
        for group in fields:
            notes = [line for line in group if line.strip().startswith("#")]
            rest = [line for line in group if not line.strip().startswith("#")]
            body += notes
            first = rest[0].strip()
            pad = " " * rng.randint(0, 6)
            spaced = re.sub(r":\s*", ":" + " " * rng.randint(1, 3), first, count=1)
            body.append(pad + spaced)
            body += rest[1:]
            if rng.random() < 0.3:
                body.append("")
        out.append(
            "\n".join(
                [*lines[:start], lines[start].replace(" {", "   {"), *body, *comments, *lines[end:]]
            )
        )
    return "".join(out)


@pytest.mark.parametrize("path", sorted(METRICS.glob("*.metric")), ids=lambda p: p.name)
def test_scrambled_reference_files_are_restored(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = path.read_text("utf-8")
    scrambled = scramble(original, random.Random(path.name))
    assert scrambled != original
    assert fmt(scrambled) == original


def test_manifest_is_unchanged_by_formatting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(METRICS, tmp_path / "metrics")
    monkeypatch.chdir(tmp_path)
    rng = random.Random(7)
    for path in (tmp_path / "metrics").glob("*.metric"):
        path.write_text(scramble(path.read_text("utf-8"), rng), encoding="utf-8")
    before = check_project(Path("metrics"))
    assert before.project is not None
    result = CliRunner().invoke(main, ["fmt", "metrics"])
    assert result.exit_code == 0, result.output
    after = check_project(Path("metrics"))
    assert after.project is not None

    def meaning(project: object) -> object:
        manifest = json.loads(manifest_files(project)["manifest.json"])  # type: ignore[arg-type]
        return json.dumps(manifest["project"], sort_keys=True, default=str)

    strip = re.compile(r'"location": \{[^}]*\}, ?')
    assert strip.sub("", meaning(before.project)) == strip.sub("", meaning(after.project))  # type: ignore[arg-type]
    for path in (tmp_path / "metrics").glob("*.metric"):
        assert path.read_text("utf-8") == (METRICS / path.name).read_text("utf-8")


def test_a_file_saved_with_crlf_means_and_formats_as_with_lf(tmp_path: Path) -> None:
    """Windows editors save CRLF: a triple-quoted text kept its `\\r`s and its
    indentation, and fmt refused the file (its LF result meant something else)."""
    for path in sorted(METRICS.glob("*.metric")):
        text = path.read_text("utf-8")
        for side, body in (("lf", text), ("crlf", text.replace("\n", "\r\n"))):
            (tmp_path / side).mkdir(exist_ok=True)
            (tmp_path / side / path.name).write_bytes(body.encode("utf-8"))
        assert fmt(text.replace("\n", "\r\n")) == text
    lf, crlf = (check_project(tmp_path / side) for side in ("lf", "crlf"))
    assert lf.project is not None and crlf.project is not None and not crlf.failed
    described = [m.description for m in lf.project.metrics.values() if m.description]
    assert any("\n" in d for d in described)  # triple-quoted texts of several lines
    assert [m.description for m in crlf.project.metrics.values()] == [
        m.description for m in lf.project.metrics.values()
    ]


@pytest.mark.parametrize(
    "text",
    [
        "# a paragraph\n# of two lines\n\n# another\n",
        'team t {\n  title: "T"\n}\n\n# after the last block\n\n# and a second paragraph\n',
    ],
)
def test_paragraphs_of_comments_after_every_block_stay_apart(text: str) -> None:
    assert fmt(text) == text


def test_comments_stay_where_they_were() -> None:
    text = (
        "# header\n\n# about the team\nteam t {  # trailing header\n"
        '  # before review\n  review: weekly  # why weekly\n  title: "T"\n'
        "  # before the end\n}  # after\n# at the end\n"
    )
    assert fmt(text) == (
        "# header\n\n# about the team\nteam t {  # trailing header\n"
        '  title: "T"\n  # before review\n  review: weekly  # why weekly\n'
        "  # before the end\n}  # after\n\n# at the end\n"
    )


def test_parentheses_only_where_needed() -> None:
    text = (
        'metric m {\n  title: "M"\n  grain: day\n'
        "  measure: ((sum(s.a) - (sum(s.b)))) / (count(s.c) + 1) where (s.x = 1 or s.y = 2) "
        "and not (s.z in (1, 2))\n}\n"
    )
    assert (
        "measure: (sum(s.a) - sum(s.b)) / (count(s.c) + 1) where (s.x = 1 or s.y = 2) "
        "and not s.z in (1, 2)\n" in fmt(text)
    )


@pytest.mark.parametrize(
    ("written", "formatted"),
    [
        ("(s.a = 1) = true", "(s.a = 1) = true"),  # comparisons do not chain
        ("s.a < (s.b < s.c)", "s.a < (s.b < s.c)"),
        ("((s.a < s.b)) < s.c", "(s.a < s.b) < s.c"),
        ("(s.x is not null) = (s.y is null)", "(s.x is not null) = (s.y is null)"),
        ("(s.a in (1, 2)) = true", "(s.a in (1, 2)) = true"),
        ("(s.a like 'x%') != false", "(s.a like 'x%') != false"),
        ("(s.a + 1) is null", "s.a + 1 is null"),  # arithmetic binds tighter
        ("not ((s.a = 1) = true)", "not (s.a = 1) = true"),
        ("(not s.a = 1) = true", "(not s.a = 1) = true"),
        ("-(s.a + 1) > 0 - (s.b - s.c)", "-(s.a + 1) > 0 - (s.b - s.c)"),
    ],
)
def test_a_predicate_inside_a_comparison_keeps_its_parentheses(
    written: str, formatted: str
) -> None:
    text = f'metric m {{\n  title: "M"\n  grain: day\n  measure: count(s.a) where {written}\n}}\n'
    assert f"  measure: count(s.a) where {formatted}\n" in fmt(text)


@given(st.integers(min_value=0, max_value=10_000))
@settings(max_examples=60, deadline=None)
def test_any_scramble_of_any_file_formats_back(seed: int) -> None:
    rng = random.Random(seed)
    path = rng.choice(FILES)
    original = fmt(path.read_text("utf-8"))
    scrambled = scramble(original, rng)
    source = SourceFile("x.metric", scrambled)
    file, diagnostics = parse_source(source)
    assert diagnostics == []
    formatted = format_source(source, file)
    again, _ = parse_source(SourceFile("y.metric", formatted))
    assert shape(again) == shape(file)
    assert formatted == original


@pytest.mark.parametrize(
    ("field", "formatted"),
    [
        (
            "  formula: 1 # one\n    + 2 # two\n",
            "  formula: 1 + 2  # one\n  # two\n",
        ),
        (
            "  formula: (1 # one\n    + 2) # two\n    * 3 # three\n",
            "  formula: (1 + 2) * 3  # one\n  # two\n  # three\n",
        ),
        (
            "  dimensions: platform, # a\n    country # b\n",
            "  dimensions: platform, country  # a\n  # b\n",
        ),
    ],
)
def test_a_value_over_several_lines_keeps_each_of_its_comments(field: str, formatted: str) -> None:
    """Joined on the field's one line, two comments read back as one: fmt refused
    such a file (and `fmt --check` could never pass)."""
    head = 'metric m {\n  title: "M"\n  grain: week\n'
    once = fmt(head + field + "}\n")
    assert once == head + formatted + "}\n"
    assert fmt(once) == once


def test_fmt_formats_the_other_files_when_it_refuses_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import metricc.formatter as formatter

    monkeypatch.chdir(tmp_path)
    (tmp_path / "p").mkdir()
    for name in ("a", "b"):
        (tmp_path / "p" / f"{name}.metric").write_text(f'team {name} {{title: "T"}}\n')

    def refuse_a(file: object) -> object:
        """A formatting of a.metric that would not mean the same (a bug's stand-in)."""
        return object() if getattr(file, "path", "").endswith("a.metric") else "same"

    monkeypatch.setattr(formatter, "shape", refuse_a)  # fmt imports it when it runs
    result = CliRunner().invoke(main, ["fmt", "p"])
    assert result.exit_code == 1
    assert "refusing to format p/a.metric" in result.output
    assert "1 file reformatted, 0 unchanged, 1 not formatted (see above)." in result.output
    assert (tmp_path / "p" / "b.metric").read_text() == 'team b {\n  title: "T"\n}\n'


def test_cli_check_diff_and_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p").mkdir()
    messy = tmp_path / "p" / "a.metric"
    messy.write_text('team t {title:   "T"\n      review:weekly}\n')
    (tmp_path / "p" / "b.metric").write_text('team u {\n  title "U"\n}\n')
    check = CliRunner().invoke(main, ["fmt", "p", "--check"])
    assert check.exit_code == 1
    assert "would reformat p/a.metric" in check.output
    assert "error[MC001]" in check.output  # b.metric does not parse: reported, untouched
    diff = CliRunner().invoke(main, ["fmt", "p", "--diff"])
    assert "+  review: weekly" in diff.output
    assert messy.read_text() == 'team t {title:   "T"\n      review:weekly}\n'
    write = CliRunner().invoke(main, ["fmt", "p"])
    assert write.exit_code == 1  # b.metric still broken
    assert messy.read_text() == 'team t {\n  title: "T"\n  review: weekly\n}\n'


def test_cli_keeps_a_file_s_crlf_line_endings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A formatted file saved with CRLF (a Windows editor, git's autocrlf) is formatted;
    one that needs formatting keeps its CRLF when rewritten."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "ok.metric").write_bytes(b'team t {\r\n  title: "T"\r\n}\r\n')
    messy = tmp_path / "p" / "messy.metric"
    messy.write_bytes(b'team u {title:   "U"}\r\n')
    check = CliRunner().invoke(main, ["fmt", "p", "--check"])
    assert "would reformat p/messy.metric" in check.output and "ok.metric" not in check.output
    assert CliRunner().invoke(main, ["fmt", "p"]).exit_code == 0
    assert messy.read_bytes() == b'team u {\r\n  title: "U"\r\n}\r\n'


def test_cli_diff_marks_a_last_line_without_its_newline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("c.metric").write_text("# only a comment")
    diff = CliRunner().invoke(main, ["fmt", "c.metric", "--diff"]).output
    assert "-# only a comment\n\\ No newline at end of file\n+# only a comment\n" in diff
