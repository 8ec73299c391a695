"""The task registry: what a task is and how plugins are found.

A task is a small dataclass that says where its data comes from, how a record becomes
a (source, target) pair, how outputs are judged, and what its demo shows. Built-in
tasks live as plain files in the top-level ``tasks/`` folder (shipped inside the wheel
as ``s2s_hub/builtin_tasks``) and are imported by path, fairseq style, so that no
top-level ``tasks`` package is ever installed. Third parties register through the
``s2s_hub.tasks`` entry-point group, or point ``S2S_HUB_USER_DIR`` at a folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from s2s_hub.data.pairs import Pair
from s2s_hub.data.readers import read_pairs
from s2s_hub.scoring.targets import Scorer
from s2s_hub.search.config import DecodeConfig

if TYPE_CHECKING:
    from s2s_hub.scoring.baselines import Baseline
    from s2s_hub.tokenizer import Tokenizer

ENTRY_POINT_GROUP = "s2s_hub.tasks"
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class Task:
    """Base class of every task; subclasses are frozen dataclasses whose fields are
    options, e.g. ``get_task("translation", target_lang="fr")``.

    A built task never changes: a variant is ``dataclasses.replace(task, ...)``, so
    the task a model was trained, scored and exported with is the one it keeps.
    Class attributes describe the task, grouped below by who reads them.
    """

    # identity and data: the registry, the model card, ``prepare``
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    data_license: ClassVar[str] = "unknown"
    data_source: ClassVar[str] = ""
    # metrics: validation, evaluation, checkpoint selection
    selection_metric: ClassVar[str] = "bleu"
    selection_mode: ClassVar[str] = "max"
    # recipe: tokenizer, lengths, model and training defaults
    vocab_size: ClassVar[int] = 8000
    special_tokens: ClassVar[tuple[str, ...]] = ()
    # share of characters SentencePiece keeps: 1.0, or 0.9995 for large alphabets
    character_coverage: ClassVar[float] = 1.0
    max_source_tokens: ClassVar[int] = 128
    max_target_tokens: ClassVar[int] = 64
    keep_source_end: ClassVar[bool] = False  # truncate long sources from the start
    model_defaults: ClassVar[dict[str, Any]] = {}
    training_defaults: ClassVar[dict[str, Any]] = {}
    # decoding and demo: a model folder may store other decoding defaults
    # (``Predictor.decoding``)
    decoding: ClassVar[DecodeConfig] = DecodeConfig()
    title: ClassVar[str] = ""  # the demo tab's title; "": the name, capitalized
    source_label: ClassVar[str] = "Source"
    target_label: ClassVar[str] = "Target"
    source_rtl: ClassVar[bool] = False  # text boxes written right to left
    target_rtl: ClassVar[bool] = False
    demo_kind: ClassVar[str] = "text"  # "chat": the demo shows a chat window
    # what tells the task's models apart in the demo, one tab each (translation:
    # its language pair, ``en-zh``); "": one tab serves them all
    demo_variant: ClassVar[str] = ""
    max_input_chars: ClassVar[int] = 2000
    segment_separator: ClassVar[str] = " "  # joins the outputs of ``segments``

    data_dir: str | None = field(default=None, kw_only=True)

    def default_data_dir(self) -> Path | None:
        """The folder holding ``{train,dev,test}.tsv[.gz]`` when none is given."""
        return None

    def records(self, split: str) -> Iterator[dict[str, str]]:
        """Raw records of a split; the default reads TSV/JSONL files of ``data_dir``."""
        folder = Path(self.data_dir) if self.data_dir else self.default_data_dir()
        if folder is None:
            raise FileNotFoundError(
                f"task {self.name!r} has no data folder: pass data_dir=..."
            )
        yield from read_pairs(find_split_file(folder, split))

    def make_pair(self, record: dict[str, str]) -> Pair:
        """Turn one record into a (source, target) pair."""
        return Pair(record["source"], record["target"])

    def pairs(self, split: str) -> list[Pair]:
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
        return [self.make_pair(r) for r in self.records(split)]

    def metrics(
        self, hypotheses: list[str], references: list[str], sources: list[str]
    ) -> dict[str, float]:
        """Scores of decoded text; keys must include ``selection_metric`` unless it
        is ``ppl``, which validation and evaluation measure for every task."""
        from s2s_hub.scoring.metrics import corpus_bleu

        return {"bleu": corpus_bleu(hypotheses, references)}

    def segments(self, text: str) -> list[str]:
        """The parts of an input the model decodes one at a time, their outputs
        joined in order by ``segment_separator`` (default: the whole text as one
        part)."""
        return [text]

    def model_metrics(self, score: Scorer, pairs: list[Pair]) -> dict[str, float]:
        """Scores that need the model's probabilities of given targets, not only its
        outputs (e.g. ranking the true reply among others); ``score`` gives each
        pair's teacher-forced log-probability. Perplexity is always measured."""
        return {}

    def baselines(self, pairs: list[Pair], tokenizer: Tokenizer) -> list[Baseline]:
        """The trivial systems a model of this task must beat, scored on ``pairs``
        with the task's metrics (and ``tokenizer``'s tokens where a metric counts
        them). What a baseline learns from (a translation memory's train split,
        lead-k's dev split) is this task's own data, also when ``pairs`` come from
        another folder; a baseline whose split is missing is returned skipped
        (``s2s_hub.scoring.baselines.unless_missing``). None by default."""
        return []

    def parts(self, split: str) -> dict[str, list[Pair]]:
        """Named parts of ``split`` that evaluation also scores on their own, for
        a split that mixes kinds of input (translation: package descriptions,
        everyday sentences, interface messages), where a score over the whole
        hides the part a model fails. None by default."""
        return {}

    def demo_examples(self) -> list[str]:
        return []

    def card_examples(self) -> list[str]:
        """Inputs whose outputs a model card shows (default: the demo's)."""
        return self.demo_examples()

    def prepare(self, out_dir: Path) -> dict[str, int]:
        """Rebuild the task's shipped splits from their original source."""
        raise NotImplementedError(f"task {self.name!r} has no prepare step")

    def options(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def find_split_file(folder: Path, split: str) -> Path:
    for suffix in (".tsv", ".tsv.gz", ".jsonl", ".jsonl.gz"):
        path = folder / f"{split}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(f"no {split}.tsv[.gz] or {split}.jsonl[.gz] in {folder}")


T = TypeVar("T", bound=type[Task])
_REGISTRY: dict[str, type[Task]] = {}
_ROUTES: dict[str, str] = {}  # how each name's task was found
_route: str | None = None  # how the tasks being imported now are found
_discovered = False


def register_task(name: str):
    """Class decorator that makes a task known under ``name``; names are unique."""

    def wrap(cls: T) -> T:
        if not (isinstance(cls, type) and issubclass(cls, Task)):
            raise TypeError(f"@register_task({name!r}) needs a Task subclass")
        known = _REGISTRY.get(name)
        route = _route or f"an import of {cls.__module__}"
        if known is not None and _identity(known) != _identity(cls):
            raise ValueError(
                f"task name {name!r} is taken by {_identity(known)} (from "
                f"{_ROUTES[name]}); cannot register {_identity(cls)} (from {route}). "
                "Keep one: uninstall the package or remove the file from "
                "S2S_HUB_USER_DIR, or register one of them under another name"
            )
        cls.name = name
        if "__dataclass_fields__" not in cls.__dict__:
            cls = dataclass(frozen=True)(cls)
        _REGISTRY[name] = cls
        _ROUTES.setdefault(name, route)
        return cls

    return wrap


def _identity(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


@contextlib.contextmanager
def _registering_from(route: str) -> Iterator[None]:
    """Name the way tasks registered inside the block were found, for the message
    that refuses a taken name."""
    global _route
    previous, _route = _route, route
    try:
        yield
    finally:
        _route = previous


def builtin_tasks_dir() -> Path | None:
    """``tasks/`` of a source checkout, or the copy inside an installed wheel."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "builtin_tasks", package.parent / "tasks"):
        if candidate.is_dir():
            return candidate
    return None


def import_tasks_dir(
    folder: Path, prefix: str = "s2s_hub_user_tasks", route: str = "S2S_HUB_USER_DIR"
) -> None:
    """Import every ``*.py`` of ``folder`` by path so that its tasks register;
    ``route`` names how the folder was found."""
    for path in sorted(Path(folder).glob("*.py")):
        if path.name.startswith("_"):
            continue
        module_name = f"{prefix}.{path.stem}"
        if module_name in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(module_name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            with _registering_from(f"{route} file {path}"):
                spec.loader.exec_module(module)
        except Exception:
            del sys.modules[module_name]
            raise


def discover(force: bool = False) -> None:
    """Find built-in tasks, ``S2S_HUB_USER_DIR`` folders and entry-point plugins."""
    global _discovered
    if _discovered and not force:
        return
    _discovered = True
    folder = builtin_tasks_dir()
    if folder is not None:
        import_tasks_dir(folder, prefix="s2s_hub_builtin_tasks", route="built-in")
    for user_dir in filter(
        None, os.environ.get("S2S_HUB_USER_DIR", "").split(os.pathsep)
    ):
        import_tasks_dir(Path(user_dir))
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        package = entry.dist.name if entry.dist is not None else "an installed package"
        with _registering_from(
            f"the {ENTRY_POINT_GROUP} entry point {entry.name} = {entry.value} "
            f"of {package}"
        ):
            entry.load()


def task_names() -> list[str]:
    discover()
    return sorted(_REGISTRY)


def task_class(name: str) -> type[Task]:
    """The class registered as ``name``: its recipe, before any option is set."""
    discover()
    if name not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise KeyError(f"unknown task {name!r}; known tasks: {known}")
    return _REGISTRY[name]


def get_task(name: str, **options: Any) -> Task:
    """An instance of the task called ``name`` with the given options."""
    cls = task_class(name)
    allowed = {f.name for f in dataclasses.fields(cls)}
    unknown = set(options) - allowed
    if unknown:
        raise ValueError(
            f"task {name!r} has no option(s) {sorted(unknown)}; "
            f"options: {sorted(allowed)}"
        )
    return cls(**options)


def iter_tasks() -> Iterable[Task]:
    return (get_task(name) for name in task_names())
