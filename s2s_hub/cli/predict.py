"""``s2s-hub predict``: texts in, n-best lists (and heat maps) out.

Given texts or ``--input``, it decodes them in batches. On a terminal it answers
line by line until EOF (Ctrl-D), as Joey NMT's ``translate`` and
``fairseq-interactive`` do; from a pipe it reads ``batch_size`` lines at a time, so
a long stream starts printing before it ends.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from jsonargparse import ArgumentParser, Namespace

from s2s_hub.cli import checks
from s2s_hub.cli.decoding import (
    decode_config,
    decode_parser,
    decoding_problems,
    load_predictor,
)

if TYPE_CHECKING:
    from s2s_hub.predictor import Prediction, Predictor
    from s2s_hub.search.config import DecodeConfig

HELP = "Decode text with a checkpoint."
PROMPT = "> "


def input_batches(
    texts: list[str], input_file: str | None, stdin: TextIO, batch_size: int
) -> Iterator[list[str]]:
    """What to decode, in the groups that are decoded together."""
    if texts or input_file:
        lines = texts or Path(input_file).read_text(encoding="utf-8").splitlines()
        yield lines
        return
    interactive = stdin.isatty()
    lines = (line.rstrip("\n") for line in _prompted(stdin, interactive))
    size = 1 if interactive else batch_size
    while batch := list(islice(lines, size)):
        yield batch


def _prompted(stdin: TextIO, interactive: bool) -> Iterable[str]:
    if not interactive:
        yield from stdin
        return
    while True:
        print(PROMPT, end="", file=sys.stderr, flush=True)
        line = stdin.readline()
        if not line:
            print(file=sys.stderr)
            return
        yield line


def answer_lines(first_index: int, nbest: list[Prediction], n_best: int) -> list[str]:
    """The output text, or with n-best one ``index<TAB>score<TAB>probability<TAB>
    text`` row per hypothesis (probability in scientific notation: the chance of a
    whole sentence is often far below 1e-4)."""
    if n_best == 1:
        return [nbest[0].text]
    return [
        f"{first_index}\t{p.score:.4f}\t{p.probability:.3e}\t{p.text}" for p in nbest
    ]


class AttentionPlots:
    """Writes the best output's heat map of each input: to ``target`` itself when
    it ends in ``.png`` (one input only), else as ``target/<index>.png``."""

    def __init__(self, target: str) -> None:
        self.target = Path(target)
        self.single = self.target.suffix.lower() == ".png"
        self.written = 0

    def write(self, index: int, prediction: Prediction) -> Path:
        from s2s_hub.app.plots import attention_figure

        if self.single and self.written:
            raise ValueError(
                f"--attention_plot {self.target} takes one input; "
                "give a folder to plot many"
            )
        path = self.target if self.single else self.target / f"{index}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        figure = attention_figure(
            prediction.attention, prediction.source_pieces, prediction.target_pieces
        )
        figure.savefig(path, dpi=100)
        self.written += 1
        return path


def decode(
    predictor: Predictor,
    batches: Iterable[list[str]],
    config: DecodeConfig,
    batch_size: int,
    plots: AttentionPlots | None = None,
) -> None:
    index = 0
    for batch in batches:
        for nbest in predictor.predict(batch, config, batch_size):
            for line in answer_lines(index, nbest, config.n_best):
                print(line, flush=True)
            if plots is not None:
                plots.write(index, nbest[0])
            index += 1


def parser() -> ArgumentParser:
    parser = decode_parser(HELP)
    parser.add_argument(
        "text",
        type=str,
        nargs="*",
        default=[],
        help="Texts to decode; with none, lines of --input or stdin (on a "
        "terminal: answered line by line until Ctrl-D)",
    )
    parser.add_argument(
        "--input",
        type=str | None,
        default=None,
        help="File with one source text per line",
    )
    parser.add_argument(
        "--attention_plot",
        type=str | None,
        default=None,
        help="Write the heat map of the best output: PATH.png for one input, "
        "or a folder (one <index>.png per input)",
    )
    return parser


def check(args: Namespace) -> None:
    plot = args.attention_plot
    checks.refuse(
        *decoding_problems(args),
        checks.input_file("--input", args.input),
        "give texts or --input, not both" if args.text and args.input else "",
        (
            checks.output_file
            if str(plot).lower().endswith(".png")
            else checks.output_folder
        )("--attention_plot", plot),
    )


def run(args: Namespace) -> None:
    predictor = load_predictor(args)
    config = decode_config(args, predictor.decoding)
    batches = input_batches(list(args.text), args.input, sys.stdin, args.batch_size)
    plots = AttentionPlots(args.attention_plot) if args.attention_plot else None
    decode(predictor, batches, config, args.batch_size, plots)
