"""What one comparison run measures and how big it is: the quick and full presets.

The model and training recipe come from ``configs/joey-comparison.yaml``; a preset
only says how much data, time and repetition the run gets. Quick mode keeps the
scripts alive in CI (tiny data, a small model of the same shape, seconds per phase);
full mode is the comparison whose numbers go into README.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RECIPE = REPO / "configs" / "joey-comparison.yaml"
#: model variants with a recipe of their own; the other variants are attentions of
#: RECIPE's RNN
VARIANT_RECIPES = {"transformer": REPO / "configs" / "transformer-comparison.yaml"}
VARIANTS = ("bahdanau", "general", *VARIANT_RECIPES)
SCALES = (1, 4, 16)
# every worker of one toolkit, in the order they run (decoding jobs need "train")
JOBS = ("train", "scale", "decode", "curve")


@dataclass(frozen=True)
class BenchSettings:
    """One comparison run.

    Attributes:
        mode: ``quick`` or ``full``.
        attentions: model variants compared, each a separate pair of models: an
            attention of the RNN recipe, or ``transformer``.
        toolkits: ``ours`` and/or ``joey``.
        threads: torch threads of every worker (OMP/MKL too).
        jobs: the workers run for each toolkit, in this order.
        parallel: run the toolkits side by side instead of one after the other.
        train_limit: use the first N training pairs (None: all).
        eval_limit: use the first N dev and test pairs (None: all).
        max_chars: keep only pairs whose two sides have at most this many
            characters (None: no limit); quick mode's tiny data are short pairs.
        vocab_size: SentencePiece vocabulary, trained once and shared.
        model_overrides: ``Seq2SeqConfig`` fields on top of the recipe.
        batch_size: the equal batch (sentences) of training and decoding.
        budget_s: wall-clock training budget of the quality comparison.
        snapshots: points of the dev learning curve, evenly spaced over the budget;
            the last is the final weights (0: no curve).
        warmup_steps: training steps left out of every rate.
        scale_base: batch size of the 1x point of the scale series.
        scale_steps: measured steps per point of the training scale series.
        beam_size: beam of the batch-decoding and latency figures.
        max_length: longest output, eos included.
        latency_sentences: test sentences decoded one at a time.
        matmul_seconds: how long the matmul rate is measured, twice per run.
        rss_limit_gib: a worker above this resident size is killed (memory guard).
        worker_timeout_s: a worker running longer is killed.
    """

    mode: str
    attentions: tuple[str, ...] = ("bahdanau", "general")
    toolkits: tuple[str, ...] = ("ours", "joey")
    threads: int = 2
    jobs: tuple[str, ...] = JOBS
    parallel: bool = False
    train_limit: int | None = None
    eval_limit: int | None = None
    max_chars: int | None = None
    vocab_size: int = 8000
    model_overrides: dict[str, Any] = field(default_factory=dict)
    batch_size: int = 64
    budget_s: float = 15 * 60
    snapshots: int = 6
    warmup_steps: int = 3
    scale_base: int = 16
    scale_steps: int = 10
    beam_size: int = 5
    max_length: int = 100
    latency_sentences: int = 100
    matmul_seconds: float = 3.0
    rss_limit_gib: float = 16.0
    worker_timeout_s: float = 3 * 3600

    @property
    def scale_batch_sizes(self) -> list[int]:
        return [self.scale_base * factor for factor in SCALES]

    def with_options(self, **options: Any) -> BenchSettings:
        """A copy with the options that are not None."""
        return replace(self, **{k: v for k, v in options.items() if v is not None})


FULL = BenchSettings(mode="full")

QUICK = BenchSettings(
    mode="quick",
    attentions=("bahdanau",),
    train_limit=300,
    eval_limit=16,
    max_chars=60,
    vocab_size=400,
    model_overrides={"emb_size": 32, "hidden_size": 32, "ff_size": 64},
    batch_size=8,
    budget_s=5.0,
    snapshots=2,
    warmup_steps=1,
    scale_base=2,
    scale_steps=3,
    max_length=20,
    latency_sentences=4,
    matmul_seconds=0.3,
    rss_limit_gib=8.0,
    worker_timeout_s=300,
)

PRESETS = {"quick": QUICK, "full": FULL}


def recipe_of(variant: str) -> Path:
    """The recipe of a model variant."""
    return VARIANT_RECIPES.get(variant, RECIPE)
