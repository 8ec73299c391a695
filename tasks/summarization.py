"""Summarize a Debian package's long description into its one-line synopsis.

Headline-style and partly abstractive: about three quarters of synopsis words occur
in the description. Splits keep each package family on one side, because ``foo``,
``foo-doc`` and ``libfoo-dev`` share most of their description.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from s2s_hub import presets
from s2s_hub.data.pairs import Pair
from s2s_hub.registry import Task, register_task
from s2s_hub.scoring.baselines import Baseline, best_lead, lead_words, unless_missing
from s2s_hub.scoring.metrics import rouge
from s2s_hub.search.config import DecodeConfig
from s2s_hub.sources import ddtp
from s2s_hub.sources.card import write_card
from s2s_hub.sources.hf import HFDatasetOptions
from s2s_hub.sources.splitting import package_family, split_records, write_splits
from s2s_hub.tokenizer import Tokenizer

DATA = Path(__file__).parent / "data"
# Longer descriptions are rare (the 95th percentile is about 130 words) and would
# dominate training time on a CPU and the size of the shipped files; they are
# left out.
MAX_DOCUMENT_WORDS = 150

CARD = """
# Summarization data: package description -> synopsis

English long descriptions of Debian packages paired with their synopsis (the one-line
summary), for `s2s-hub`'s `summarization` task, built by
`s2s-hub data prepare summarization`.

## Source and license

Descriptions of the packages in Debian main (`{release}`), read from apt's
`Translation-en` index. Credit: Debian and the package maintainers (via DDTP's
index). The packages are DFSG-free; the descriptions carry no single license.

## Splits

{statistics}

Word counts are whitespace tokens. A document is the long description with its
paragraphs joined by spaces; documents of 20 to {max_words} words are kept. Exact
duplicates are removed; records are grouped by package family (`libfoo2-dev`,
`foo-doc` -> `foo`) and groups go to test, dev or train in the order of their key's
SHA-1, so reruns give the same files. No document appears in two splits (train loses
documents shared with dev or test); a synopsis may recur, as it does in Debian.
Files are gzipped with a zero timestamp, so a rebuild is byte-identical while
Debian's index is unchanged (it changes with stable point releases).
"""


@register_task("summarization")
@dataclass(frozen=True)
class Summarization(HFDatasetOptions, Task):
    description = "Write the one-line synopsis of a Debian package description."
    data_license = "Debian package descriptions (DFSG-free packages; no single license)"
    data_source = "Debian Translation-en index: long description -> synopsis"
    source_label = "Package description"
    target_label = "Synopsis"
    selection_metric = "rougeL"
    # length penalty chosen on dev (s2s-hub tune, docs/recipes.md)
    decoding = DecodeConfig(
        method="beam",
        beam_size=5,
        length_penalty=1.2,
        min_length=2,
        max_length=30,
        no_repeat_ngram_size=3,
    )
    max_source_tokens = 200
    max_target_tokens = 32
    vocab_size = 6000
    model_defaults = {**presets.SMALL_BILSTM, "copy": True}
    training_defaults = {
        **presets.UNTIL_DEV_STOPS,
        "max_tokens": 6000,
        # a synopsis rests on the description's start: cut long ones, keep the pair
        "length_policy": "truncate",
        "max_train_length": 128,
    }

    def default_data_dir(self) -> Path:
        return DATA / "summarization"

    def metrics(
        self, hypotheses: list[str], references: list[str], sources: list[str]
    ) -> dict[str, float]:
        return rouge(hypotheses, references, use_stemmer=True)

    def baselines(self, pairs: list[Pair], tokenizer: Tokenizer) -> list[Baseline]:
        """The description's first k words (lead-k), k chosen on this task's dev
        split by ROUGE-L."""

        def lead_k() -> Baseline:
            dev = self.pairs("dev")
            k = best_lead(
                [p.source for p in dev],
                [p.target for p in dev],
                lambda hyps, refs: self.metrics(hyps, refs, [])["rougeL"],
            )
            leads = [lead_words(p.source, k) for p in pairs]
            scores = self.metrics(leads, [p.target for p in pairs], [])
            return Baseline(f"lead-{k} words (k chosen on dev)", scores)

        return [unless_missing("lead-k words (k chosen on dev)", lead_k)]

    def demo_examples(self) -> list[str]:
        # Descriptions of the shipped test split: real, and never trained on.
        return [
            "Eximon is a helper program for the Exim MTA (v4). It allows administrators"
            " to view the mail queue and logs, and perform a variety of actions on"
            " queued messages, such as freezing, bouncing and thawing messages.",
            "Tigris provides a stream for escaping JSON strings as they're being read"
            " from a different stream. This stream-to-stream string encoding allows for"
            " easy integration of JSON escaping into a data processing pipeline.",
            "doscan is a tool to discover TCP services on your network. It is designed"
            " for scanning a single ports on a large network. doscan contacts many"
            " hosts in parallel, using standard TCP sockets provided by the operating"
            " system. It is possible to send strings to remote hosts, and collect the"
            " banners they return. There are better tools for scanning many ports on a"
            " small set of hosts, for example nmap.",
        ]

    def prepare(self, out_dir: Path) -> dict[str, int]:
        """Rebuild ``{train,dev,test}.tsv.gz`` and ``DATA.md`` from Debian's index."""
        records = [
            row
            for row in ddtp.read_summaries()
            if len(row["source"].split()) <= MAX_DOCUMENT_WORDS
        ]
        splits = split_records(records, group_of=lambda r: package_family(r["package"]))
        counts = write_splits(splits, out_dir)
        write_card(
            out_dir, CARD, release=ddtp.debian_release(), max_words=MAX_DOCUMENT_WORDS
        )
        return counts
