"""``s2s-hub shortlist``: write a model folder's shortlist of target tokens from
its task's training pairs (``s2s_hub.serving.shortlist``)."""

from __future__ import annotations

from pathlib import Path

from jsonargparse import ArgumentParser, Namespace

from s2s_hub.cli import checks
from s2s_hub.cli.parsers import command_parser

HELP = "Write the target tokens each source token may bring, for serving."
#: sizes as Marian's shortlists are often run (50 a source token, 100 frequent); on the
#: translator, 331 of 8,000 tokens a sentence and test BLEU 20.99 (20.90 without)
PER_TOKEN = 50
FREQUENT = 100


def parser() -> ArgumentParser:
    parser = command_parser(HELP)
    parser.add_argument("folder", type=str, help="A model folder written by export")
    parser.add_argument(
        "--per_token",
        type=int,
        default=PER_TOKEN,
        help="Target tokens each source token brings (those it co-occurs with most)",
    )
    parser.add_argument(
        "--frequent",
        type=int,
        default=FREQUENT,
        help="Most frequent target tokens, which every batch keeps",
    )
    parser.add_argument(
        "--data_dir",
        type=str | None,
        default=None,
        help="Folder of train.tsv/.jsonl[.gz] to learn from instead of the task's",
    )
    return parser


def check(args: Namespace) -> None:
    folder = Path(args.folder)
    checks.refuse(
        "" if folder.is_dir() else f"FOLDER: {args.folder} is not a model folder",
        checks.at_least("--per_token", args.per_token, 1),
        checks.at_least("--frequent", args.frequent, 0),
        checks.folder("--data_dir", args.data_dir),
    )


def run(args: Namespace) -> None:
    from dataclasses import replace

    import numpy as np

    from s2s_hub.files import SHORTLIST_FILE
    from s2s_hub.hub.layout import read
    from s2s_hub.serving.shortlist import build_shortlist

    folder = Path(args.folder)
    predictor = read(folder)
    task = predictor.task
    if args.data_dir:
        task = replace(task, data_dir=args.data_dir)
    pairs = task.pairs("train")
    encode = predictor.tokenizer.encode_batch
    sources = encode([pair.source for pair in pairs])
    targets = encode([pair.target for pair in pairs])
    vocab_size = predictor.model.config.tgt_vocab_size
    shortlist = build_shortlist(
        sources, targets, vocab_size, args.per_token, args.frequent
    )
    shortlist.save(folder / SHORTLIST_FILE)
    sizes = [len(shortlist.ids(np.array(ids))) for ids in sources[:1000]]
    print(
        f"wrote {folder / SHORTLIST_FILE} from {len(pairs)} training pairs: a "
        f"sentence's shortlist holds {np.mean(sizes):.0f} of {vocab_size} tokens "
        "on average (the first 1,000 training sources)"
    )
