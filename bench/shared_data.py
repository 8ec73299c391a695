"""The data both toolkits train and test on: one split, one SentencePiece model.

The translation task's shipped en-de splits are written once per run, as TSV for
s2s-hub (``--data_dir``) and as the line-aligned ``{split}.en`` / ``{split}.de`` files
Joey NMT reads. The SentencePiece model is trained once, by s2s-hub's own
``build_tokenizer``, and exported for Joey with a vocabulary file of its pieces in id
order, so both toolkits segment every sentence identically.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from settings import BenchSettings

from s2s_hub.data.pairs import Pair
from s2s_hub.files import TOKENIZER_FILE
from s2s_hub.registry import SPLITS, Task, get_task
from s2s_hub.tokenizer import Tokenizer
from s2s_hub.training.config import TrainConfig
from s2s_hub.training.run import build_tokenizer

TASK = "translation"
# Both toolkits read the same files and translate whole paragraphs: our task's
# training-time sentence splitting and sentence-by-sentence decoding stay off.
TASK_OPTIONS = {"split_paragraphs": False, "translate_by_sentence": False}
# str.splitlines() (Joey's file reader) breaks lines at these too, not only at \n.
_LINE_BREAKS = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


@dataclass
class SharedData:
    """Where the shared split and tokenizer are, and what they hold.

    Attributes:
        folder: holds ``data/``, ``tokenizer.model`` and ``vocab.txt``.
        counts: pairs per split.
        joey_lines_changed: lines whose odd line-break characters became spaces in
            Joey's files (its reader would split them).
        vocab_size: pieces of the SentencePiece model.
    """

    folder: Path
    counts: dict[str, int]
    joey_lines_changed: int
    vocab_size: int

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def tokenizer_path(self) -> Path:
        return self.folder / TOKENIZER_FILE

    @property
    def vocab_path(self) -> Path:
        return self.folder / "vocab.txt"

    def task(self) -> Task:
        return get_task(TASK, data_dir=str(self.data_dir), **TASK_OPTIONS)

    def to_dict(self) -> dict:
        return {**asdict(self), "folder": str(self.folder)}


def load_shared_data(folder: Path) -> SharedData:
    """The split and tokenizer an earlier run prepared in ``folder``, unchanged."""
    saved = json.loads((folder / "data.json").read_text())
    return SharedData(**{**saved, "folder": Path(saved["folder"])})


def prepare_shared_data(settings: BenchSettings, folder: Path) -> SharedData:
    """Write the splits, train the tokenizer and export it for Joey."""
    data_dir = folder / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    (folder / TOKENIZER_FILE).unlink(missing_ok=True)
    source_task = get_task(TASK, **TASK_OPTIONS)
    counts, changed = {}, 0
    for split in SPLITS:
        pairs = _select(source_task.pairs(split), settings, split)
        counts[split] = len(pairs)
        changed += _write_split(pairs, data_dir, split)
    task = get_task(TASK, data_dir=str(data_dir), **TASK_OPTIONS)
    config = TrainConfig(vocab_size=settings.vocab_size)
    tokenizer = build_tokenizer(task, config, folder)
    _write_vocab(tokenizer, folder / "vocab.txt")
    shared = SharedData(folder, counts, changed, tokenizer.vocab_size)
    (folder / "data.json").write_text(json.dumps(shared.to_dict(), indent=2) + "\n")
    return shared


def _select(pairs: list[Pair], settings: BenchSettings, split: str) -> list[Pair]:
    if settings.max_chars:
        limit = settings.max_chars
        pairs = [p for p in pairs if max(len(p.source), len(p.target)) <= limit]
    return pairs[: settings.train_limit if split == "train" else settings.eval_limit]


def _write_split(pairs: list[Pair], folder: Path, split: str) -> int:
    """``{split}.tsv`` for s2s-hub, ``{split}.en`` / ``{split}.de`` for Joey."""
    rows = [f"{p.source}\t{p.target}" for p in pairs]
    (folder / f"{split}.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    changed = 0
    for side, lang in (("source", "en"), ("target", "de")):
        lines = []
        for pair in pairs:
            text = getattr(pair, side)
            flat = _LINE_BREAKS.sub(" ", text)
            changed += flat != text
            lines.append(flat)
        (folder / f"{split}.{lang}").write_text("\n".join(lines) + "\n", "utf-8")
    return changed


def _write_vocab(tokenizer: Tokenizer, path: Path) -> None:
    """Joey's vocabulary file: every piece, one a line, in SentencePiece id order.

    Joey puts its four special symbols first whatever the file says, so pad and unk
    swap indices (Joey: unk 0, pad 1; ours: pad 0, unk 1); the set of pieces, and so
    the segmentation, is the same.
    """
    pieces = tokenizer.pieces(range(tokenizer.vocab_size))
    path.write_text("\n".join(pieces) + "\n", encoding="utf-8")
