"""Bad data files: single bad rows are skipped and counted, a file that is wrong as a
whole is an error naming the file and the line, through a task and the CLI."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path

import pytest

from s2s_hub.cli.main import main
from s2s_hub.data.readers import MAX_LINE_CHARS, DataError, read_pairs
from s2s_hub.registry import SPLITS, get_task

GOOD = [("hello world", "hallo welt"), ("good night", "gute nacht")]
ROWS = "".join(f"{i}\t{i * 7919}\n" for i in range(2000)).encode()
CUT_GZIP = gzip.compress(ROWS)[: len(gzip.compress(ROWS)) // 2]  # a download cut off


def write_splits(folder: Path, name: str, content: bytes) -> Path:
    """The same bytes as every split of ``folder``; returns the train file."""
    folder.mkdir(exist_ok=True)
    for split in SPLITS:
        (folder / name.replace("train", split)).write_bytes(content)
    return folder / name


def tsv(*rows: str) -> bytes:
    return "".join(row + "\n" for row in rows).encode()


def test_bad_rows_are_skipped_and_counted_by_reason(tmp_path, caplog):
    content = b"".join(
        [
            tsv("\t".join(GOOD[0]), "", "   ", "only one column", "a\tb\tc"),
            tsv("x" * (MAX_LINE_CHARS + 1) + "\ty", "source\t ", "\t".join(GOOD[1])),
        ]
    )
    path = write_splits(tmp_path, "train.tsv", content)
    with caplog.at_level(logging.WARNING):
        pairs = get_task("translation", data_dir=str(tmp_path)).pairs("train")
    assert pairs == GOOD
    (summary,) = [r.getMessage() for r in caplog.records if str(path) in r.message]
    assert summary.startswith(f"{path}: 2 rows kept, skipped ")
    for reason in (
        "2 empty",
        f"1 longer than {MAX_LINE_CHARS} chars",
        "1 with 1 instead of 2 columns",
        "1 with 3 instead of 2 columns",
        "1 with an empty column",
    ):
        assert reason in summary


def test_jsonl_rows_without_a_column_are_skipped(tmp_path, caplog):
    rows = [
        {"source": GOOD[0][0], "target": GOOD[0][1]},
        {"source": "no target"},
        {"source": "a", "target": 7},
        ["not", "an", "object"],
    ]
    content = "".join(json.dumps(row) + "\n" for row in rows).encode() + b"{oops\n"
    write_splits(tmp_path, "train.jsonl", content)
    with caplog.at_level(logging.WARNING):
        assert get_task("translation", data_dir=str(tmp_path)).pairs("train") == [
            GOOD[0]
        ]
    for reason in ("2 missing target", "1 not a JSON object", "1 invalid JSON"):
        assert reason in caplog.text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("train.tsv", b"", r"train\.tsv: no usable rows$", id="empty"),
        pytest.param(
            "train.tsv", tsv("", "x"), r"train\.tsv: .*line 1: empty", id="blank"
        ),
        pytest.param(
            "train.jsonl", tsv("a\tb"), r"train\.jsonl: .*line 1: invalid JSON",
            id="tsv-as-jsonl",
        ),
        pytest.param(
            "train.tsv", tsv('{"source": "a", "target": "b"}'),
            r"train\.tsv: .*line 1: with 1 instead of 2 columns", id="jsonl-as-tsv",
        ),
        pytest.param(
            "train.tsv.gz", b"not gzip", r"train\.tsv\.gz: cannot read file",
            id="not-gzip",
        ),
        pytest.param(
            "train.tsv.gz", CUT_GZIP, r"train\.tsv\.gz: cannot read file .*ended",
            id="cut-gzip",
        ),
    ],
)  # fmt: skip
def test_a_file_without_usable_rows_names_the_file_and_line(
    tmp_path, name, content, message
):
    write_splits(tmp_path, name, content)
    with pytest.raises(DataError, match=message):
        get_task("translation", data_dir=str(tmp_path)).pairs("train")


TWENTY_ROWS = "".join(f"Zeile {i}\tline {i} ü\n" for i in range(20))
LATIN = "Grüße aus Köln\tgreetings from Cologne\n"


@pytest.mark.parametrize(
    ("content", "why"),
    [
        pytest.param(TWENTY_ROWS.encode("utf-16"), "UTF-16 byte order", id="utf-16"),
        pytest.param(
            b"\xfe\xff" + TWENTY_ROWS.encode("utf-16-be"), "UTF-16 byte order",
            id="utf-16-be",
        ),
        pytest.param(TWENTY_ROWS.encode("utf-16-le"), "line 1 holds NUL", id="le"),
        pytest.param(TWENTY_ROWS.encode("utf-16-be"), "line 1 holds NUL", id="be"),
        pytest.param(TWENTY_ROWS.encode("utf-32"), "UTF-32 byte order", id="utf-32"),
        pytest.param(LATIN.encode("latin-1") * 20, "line 1 has byte 0xFC", id="latin"),
        pytest.param(
            TWENTY_ROWS.encode() * 100 + LATIN.encode("cp1252"),
            "line 2001 has byte 0xFC", id="one-cp1252-line-after-2000",
        ),
    ],
)  # fmt: skip
def test_a_file_that_is_not_utf8_is_refused_whole_in_one_line(tmp_path, content, why):
    write_splits(tmp_path, "train.tsv", content)
    with pytest.raises(DataError) as refused:
        get_task("translation", data_dir=str(tmp_path)).pairs("train")
    message = str(refused.value)
    assert "\n" not in message and why in message
    assert message.startswith(f"{tmp_path / 'train.tsv'}: not UTF-8 text")


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_source(tmp_path):
    write_splits(tmp_path, "train.tsv", b"\xef\xbb\xbf" + TWENTY_ROWS.encode())
    pairs = get_task("translation", data_dir=str(tmp_path)).pairs("train")
    assert pairs[0] == ("Zeile 0", "line 0 ü") and len(pairs) == 20


def test_the_bad_row_summary_is_logged_once_however_often_the_file_is_read(
    tmp_path, caplog
):
    write_splits(tmp_path, "train.tsv", tsv("\t".join(GOOD[0]), "no tab"))
    task = get_task("translation", data_dir=str(tmp_path))
    with caplog.at_level(logging.WARNING):
        for _ in range(3):  # a run reads train for its tokenizer, then its batches
            assert task.pairs("train") == [GOOD[0]]
    assert [r.getMessage() for r in caplog.records].count(
        f"{tmp_path / 'train.tsv'}: 1 rows kept, skipped 1 with 1 instead of 2 columns"
    ) == 1


def test_an_unknown_format_is_named(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text("a,b\n")
    with pytest.raises(DataError, match=r"train\.csv: unknown format"):
        list(read_pairs(path))
    with pytest.raises(FileNotFoundError, match=r"no train\.tsv.*in"):
        get_task("translation", data_dir=str(tmp_path)).pairs("train")


def test_cli_reports_a_bad_data_file_in_one_line(tmp_path, capsys):
    path = write_splits(tmp_path / "data", "train.tsv", tsv("no tab", "still none"))
    run = tmp_path / "run"
    argv = ["train", "--task", "translation", "--data_dir", str(path.parent),
            "--train.out_dir", str(run), "--accelerator", "cpu"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"s2s-hub: error: {path}: no usable rows (first problem at line 1: with 1 "
        "instead of 2 columns)"
    )
    assert not run.exists()
