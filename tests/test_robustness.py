"""No input, however broken, produces a traceback: every failure is a located diagnostic."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metricc.cli import main
from metricc.span import SourceFile
from metricc.syntax.parser import parse_source
from tests.conftest import METRICS

LOCATED = re.compile(r"^[^\s:][^:]*\.metric:\d+:\d+: (error|warning|info)\[MC\d{3}\]: \S", re.M)
REFERENCE = {p.name: p.read_text("utf-8") for p in sorted(METRICS.glob("*.metric"))}


def _lint(folder: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["lint", str(folder), "--format", "concise"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@given(st.binary(max_size=2000))
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_arbitrary_bytes_never_raise(tmp_path: Path, data: bytes) -> None:
    folder = tmp_path / "bytes"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "x.metric").write_bytes(data)
    code, output = _lint(folder)
    assert code in (0, 1)
    if code == 1:
        assert LOCATED.search(output), output


@given(
    st.text(
        alphabet=st.sampled_from(list("metric team {}:\"'#()<>=,.-+*/%\n\t abc0129_")), max_size=400
    )
)
@settings(max_examples=300, deadline=None)
def test_arbitrary_text_never_raises(text: str) -> None:
    file, diagnostics = parse_source(SourceFile("x.metric", text))
    for diagnostic in diagnostics:
        assert diagnostic.span is not None


# Each mutation is certain to break the file, and says what kind of break it is.
def _mutations(text: str, rng: random.Random) -> tuple[str, str]:
    kind = rng.choice(
        ["char", "brace", "colon", "truncate", "reference", "value", "nul", "duplicate", "field"]
    )
    lines = text.split("\n")
    fields = [i for i, line in enumerate(lines) if re.match(r"\s+\w+( \w+)?:", line)]
    if kind == "char":  # before a field name: outside any string or comment
        i = rng.choice(fields)
        key = lines[i].lstrip()
        lines[i] = lines[i][: len(lines[i]) - len(key)] + rng.choice("@$`^~!?") + key
        return kind, "\n".join(lines)
    if kind == "nul":
        i = rng.randrange(len(text))
        return kind, text[:i] + "\x00" + text[i:]
    if kind == "brace":
        braces = [m.start() for m in re.finditer(r"[{}]", text)]
        i = rng.choice(braces)
        return kind, text[:i] + text[i + 1 :]
    if kind == "colon":
        i = rng.choice(fields)
        lines[i] = lines[i].replace(":", "", 1)
        return kind, "\n".join(lines)
    if kind == "truncate":
        opens = [m.end() for m in re.finditer(r"\{", text)]
        i = rng.choice(opens)
        return kind, text[: rng.randrange(i, text.index("}", i))]
    if kind == "reference":
        refs = [
            i for i in fields if re.match(r"\s+(owner|goal|parent|leads|north_star):", lines[i])
        ]
        if refs:
            i = rng.choice(refs)
            key = lines[i].split(":")[0]
            lines[i] = f"{key}: no_such_{rng.randrange(1000)}"
            return kind, "\n".join(lines)
    if kind == "value":
        choices = [
            i for i in fields if re.match(r"\s+(grain|unit|direction|review|tier):", lines[i])
        ]
        if choices:
            i = rng.choice(choices)
            lines[i] = lines[i].split(":")[0] + ": sometimes"
            return kind, "\n".join(lines)
    if kind == "duplicate":
        block = re.search(r"^(team|goal|source|metric|slo) \w+ \{.*?^\}", text, re.S | re.M)
        if block:
            return kind, text + "\n" + block.group(0) + "\n"
    i = rng.choice(fields)
    indent = re.match(r"\s*", lines[i]).group(0)  # type: ignore[union-attr]
    lines.insert(i, f"{indent}bogus_field_{rng.randrange(100)}: 1")
    return "field", "\n".join(lines)


@pytest.mark.parametrize("seed", range(300))
def test_broken_reference_files_get_located_errors(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    name = rng.choice(sorted(REFERENCE))
    kind, broken = _mutations(REFERENCE[name], rng)
    folder = tmp_path / "metrics"
    folder.mkdir()
    for other, text in REFERENCE.items():
        (folder / other).write_text(broken if other == name else text, encoding="utf-8")
    code, output = _lint(folder)
    assert code == 1, f"{kind} mutation of {name} was not reported:\n{output}"
    assert LOCATED.search(output), output


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xef\xbb\xbf" + REFERENCE["teams.metric"].encode(),
        b'team a {\n  title: "\xff\xfe"\n}\n',
        b"metric m {\n  formula: " + b"(" * 3000 + b"1" + b")" * 3000 + b"\n}\n",
        b"metric m {\n  formula: " + b"1 + " * 5000 + b"1\n}\n",
        ("\n".join(REFERENCE.values()) * 20).encode(),
        b"team a {" * 2000,
        b"}" * 5000,
    ],
    ids=["empty", "bom", "bad-utf8", "deep-parens", "long-sum", "huge", "many-open", "closers"],
)
def test_hostile_files_never_raise(tmp_path: Path, content: bytes) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "x.metric").write_bytes(content)
    code, output = _lint(folder)
    assert code in (0, 1)
    if code == 1:
        assert LOCATED.search(output) or "error[" in output, output
