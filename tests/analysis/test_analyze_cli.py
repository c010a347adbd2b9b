import io
import json
import sys

import pytest
import typer
from typer.testing import CliRunner

from lyssna.cli.analyze import analyze_command

app = typer.Typer()
app.command()(analyze_command)


def run(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args, input=stdin)
    return result.exit_code, result.stdout, result.stderr


LINES = [
    {"id": 1, "text": "Det här är inte bra", "channel": "x"},
    {"id": "b", "text": "I love it 😍", "lang": "en"},
]


def test_jsonl_from_stdin_keeps_other_fields() -> None:
    code, out, err = run(["-"], "\n".join(json.dumps(x) for x in LINES) + "\n")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == [1, "b"]
    assert rows[0]["channel"] == "x"
    assert rows[0]["lang"] == "sv" and rows[0]["sentiment"] == "negative"
    assert rows[1]["sentiment"] == "positive"
    for r in rows:
        assert set(r) >= {
            "lang",
            "lang_variant",
            "lang_confidence",
            "sentiment",
            "sentiment_score",
            "explanation",
        }
        assert all(set(e) == {"kind", "text", "weight"} for e in r["explanation"])


def test_file_argument_and_table(tmp_path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in LINES), encoding="utf-8")
    code, out, _ = run([str(path), "--format", "table"])
    assert code == 0
    assert "negative" in out and "positive" in out and "sentiment" in out


def test_bad_lines_are_reported_and_skipped() -> None:
    stdin = "\n".join(
        [json.dumps(LINES[0]), "{not json", json.dumps({"id": 3}), json.dumps(LINES[1])]
    )
    code, out, err = run([], stdin)
    assert code == 1
    assert len(out.splitlines()) == 2
    assert "line 2" in err and "line 3" in err


def test_unknown_format() -> None:
    code, _, _ = run(["--format", "xml"], "")
    assert code == 2


@pytest.mark.slow
def test_plain_function_reads_stdin(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(LINES[0]) + "\n"))
    analyze_command(None, "jsonl", False)
    assert json.loads(capsys.readouterr().out)["sentiment"] == "negative"
