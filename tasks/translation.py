"""Translate from one language to another: any pair, named by the user.

Languages are labels (``source_lang``, ``target_lang``: BCP 47 codes such as ``es``,
``zh``, ``ar``) that pick what follows from them: the demo's labels and text
direction, BLEU's tokenization (``s2s_hub.scoring.metrics.bleu_tokenizer_for``) and the
tokenizer's character coverage (``s2s_hub.languages``). A user's ``data_dir`` that
does not name them takes them from its ``DATA.md`` (a ``source_lang: xx`` and
``target_lang: yy`` line), or leaves them unset; it never gets the shipped pair's.

The shipped data are Debian package descriptions and their human translations
(DDTP): synopses, and long-description paragraphs where both sides have as many. For
English-German, example sentences of the Ding dictionary add general language.
Splits keep each package family on one side, so ``libfoo-dev`` cannot test what
``libfoo1`` trained.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from s2s_hub import languages, presets
from s2s_hub.data.pairs import Pair
from s2s_hub.data.readers import read_pairs
from s2s_hub.registry import Task, find_split_file, register_task
from s2s_hub.scoring.baselines import Baseline, TranslationMemory, unless_missing
from s2s_hub.scoring.metrics import (
    bleu_tokenizer_for,
    chrf_word_order_for,
    corpus_bleu,
    corpus_chrf,
)
from s2s_hub.search.config import DecodeConfig
from s2s_hub.sources import description_corpus, ding, message_corpus
from s2s_hub.sources.description_corpus import (
    DEBIAN_LOCALES,
    PHRASES_FILE,
    TEST_PARTS,
)
from s2s_hub.sources.hf import HFDatasetOptions
from s2s_hub.tokenizer import Tokenizer

DATA = Path(__file__).parent / "data"
# A language label: a BCP 47 code such as ``pt-BR`` (or ``pt_BR``).
LANGUAGE_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*")
# ``source_lang: es`` (YAML front matter) or ``source_lang=es`` (the shipped cards)
CARD_LANGUAGE = re.compile(r"\b(source_lang|target_lang)\s*[:=]\s*[\"']?([\w-]+)")
CARD_FILES = ("DATA.md", "README.md")
MEMORY = "translation memory (closest training source)"
# The software-message corpus beside a pair's splits (train: in the cache)
MESSAGES_DIR = "messages"
#: demo examples taken from each test part
EXAMPLES_PER_PART = 2
PLACEHOLDER = re.compile(r"%\w|\{\w*\}|\$\w")
# A sentence ends at . ! ? or : before a space and a capital (Latin, Greek,
# Cyrillic), digit, quote or bullet, or at a full-width 。！？ before any text.
SENTENCE_END = re.compile(
    r"(?<=[.!?:])\s+(?=[A-ZÀ-ÖØ-ÞΆ-ΩЀ-Я0-9\"(*-])|(?<=[。！？])\s*(?=\S)"
)


@register_task("translation")
@dataclass(frozen=True)
class Translation(HFDatasetOptions, Task):
    description = (
        "Translate between any two languages (task options source_lang, "
        "target_lang); ships English-German and English-Chinese models of "
        "software text."
    )
    selection_metric = "bleu"
    # length penalty chosen on dev (s2s-hub tune, docs/recipes.md)
    decoding = DecodeConfig(
        method="beam", beam_size=5, length_penalty=2.0, max_length=100
    )
    max_source_tokens = 100
    max_target_tokens = 110
    vocab_size = 8000
    model_defaults = {**presets.SMALL_BILSTM, "copy": True}
    training_defaults = {
        **presets.UNTIL_DEV_STOPS,
        "max_tokens": 3000,
        "max_train_length": 64,
    }

    # "": read from the data's card; for the shipped data, English and German
    source_lang: str = ""
    target_lang: str = ""
    split_paragraphs: bool = True
    translate_by_sentence: bool = True
    dictionary_phrases: int = 0
    # Debian's interface messages of the pair (en-de, en-zh; ``message_pairs``)
    messages: bool = False
    # how many times a training pass holds the description corpus (``pairs``)
    description_repeats: int = 1

    def __post_init__(self) -> None:
        for side, code in self._languages().items():
            object.__setattr__(self, side, code)
        for code in (self.source_lang, self.target_lang):
            if code and not LANGUAGE_LABEL.fullmatch(code):
                raise ValueError(
                    f"a language is a code such as 'es', 'zh' or 'pt-BR'; got {code!r}"
                )
        pair = {self.source_lang, self.target_lang}
        if self.dictionary_phrases < 0 or (
            self.dictionary_phrases and pair != {"en", "de"}
        ):
            raise ValueError(
                "dictionary_phrases must be >= 0 and needs English-German (Ding is a "
                f"German dictionary); got {self.dictionary_phrases} for "
                f"{self.source_lang}->{self.target_lang}"
            )
        if self.description_repeats < 1:
            raise ValueError(
                f"description_repeats must be >= 1; got {self.description_repeats}"
            )
        if self.messages and ("en" not in pair or pair - {"en"} - set(DEBIAN_LOCALES)):
            raise ValueError(
                "messages needs English-German or English-Chinese (the catalogs "
                f"read are de and zh_CN); got {self.source_lang}->{self.target_lang}"
            )

    def _languages(self) -> dict[str, str]:
        """The pair as named, else as the data's card names it; the shipped data
        default to English-German (or German-English when one side says so)."""
        named = {"source_lang": self.source_lang, "target_lang": self.target_lang}
        if self.own_data:
            card = card_languages(Path(self.data_dir)) if self.data_dir else {}
            return {side: code or card.get(side, "") for side, code in named.items()}
        source = self.source_lang or ("de" if self.target_lang == "en" else "en")
        target = self.target_lang or ("de" if source == "en" else "en")
        return {"source_lang": source, "target_lang": target}

    @property
    def own_data(self) -> str | None:
        """The user's data folder or Hub dataset; None for the shipped sources."""
        return self.data_dir or self.hf_dataset

    @property
    def has_ding(self) -> bool:
        """Whether the shipped sources include Ding's sentences (a German
        dictionary)."""
        return "de" in (self.source_lang, self.target_lang)

    @property
    def data_source(self) -> str:
        """What the model was trained on, for the demo's header and the card:
        the shipped sources of the pair, or the user's own data."""
        if self.own_data:
            return f"{self.own_data} ({self.demo_variant})"
        parts = ["Debian DDTP package descriptions"]
        if self.has_ding:
            parts.append("Ding example sentences")
        if self.messages:
            parts.append("interface messages of Debian's gettext catalogs")
        return f"{' + '.join(parts)} ({self.demo_variant})"

    @property
    def data_license(self) -> str:
        if self.own_data:
            return "as its owner states"
        notes = ["DDTP (Debian, no single license)"]
        if self.has_ding:
            notes.append("Ding sentences GPL-2+")
        if self.messages:
            notes.append("messages under each package's license (messages/DATA.md)")
        return "; ".join(notes)

    @property
    def demo_variant(self) -> str:
        """The language pair (``en-zh``): the demo gives each pair it serves a
        tab of its own."""
        return "-".join(code for code in (self.source_lang, self.target_lang) if code)

    @property
    def source_label(self) -> str:
        return languages.language_name(self.source_lang) or "Source"

    @property
    def target_label(self) -> str:
        return languages.language_name(self.target_lang) or "Target"

    @property
    def source_rtl(self) -> bool:
        return languages.is_right_to_left(self.source_lang)

    @property
    def target_rtl(self) -> bool:
        return languages.is_right_to_left(self.target_lang)

    @property
    def segment_separator(self) -> str:
        return "" if languages.is_unspaced(self.target_lang) else " "

    @property
    def character_coverage(self) -> float:
        return languages.character_coverage(self.source_lang, self.target_lang)

    @property
    def other_lang(self) -> str:
        """The language beside English, for the English-centred shipped sources."""
        if "en" not in (self.source_lang, self.target_lang):
            raise ValueError(
                "the shipped sources (DDTP, Ding) pair English with another language; "
                f"got {self.source_lang}->{self.target_lang}: bring your own data "
                "with data_dir"
            )
        return self.target_lang if self.source_lang == "en" else self.source_lang

    def default_data_dir(self) -> Path:
        return DATA / f"translation-{self.source_lang}-{self.target_lang}"

    def pairs(self, split: str) -> list[Pair]:
        """With ``split_paragraphs``, training also sees the sentence pairs of every
        paragraph pair whose two sides have as many sentences: DDTP paragraphs are
        mostly translated sentence by sentence, and the short pairs teach alignment
        more cheaply than paragraphs a training length limit would drop. A sentence
        whose English side falls in the reserved SHA-1 bucket is left out, as the
        shipped files leave such pairs out.

        ``description_repeats`` weighs the description corpus (paragraphs, their
        sentences, Ding) against the messages: 670,000 en-de messages beside its
        59,000 pairs cost the descriptions test 1.6 BLEU (docs/lab-notes.md)."""
        pairs = super().pairs(split)
        if split != "train":
            return pairs + self.message_pairs(split)
        corpus = pairs + self.paragraph_sentences(pairs) + self.phrase_pairs()
        return corpus * self.description_repeats + self.message_pairs(split)

    def paragraph_sentences(self, pairs: list[Pair]) -> list[Pair]:
        """The sentence pairs of ``pairs`` without the reserved bucket; none unless
        ``split_paragraphs``."""
        if not self.split_paragraphs:
            return []
        sentences = [s for pair in pairs for s in sentence_pairs(pair)]
        if "en" not in (self.source_lang, self.target_lang):
            return sentences  # the reserved bucket holds English sentences
        english = "source" if self.source_lang == "en" else "target"
        return [s for s in sentences if not ding.is_reserved(getattr(s, english))]

    def phrase_pairs(self) -> list[Pair]:
        """The first ``dictionary_phrases`` phrase pairs of the Ding dictionary
        (``phrases.tsv.gz``, in a fixed order): compounds such as "high-pressure
        vessel" / "Hochdruckbehälter", which software synopses are made of and which
        55k sentence pairs teach too few of."""
        if not self.dictionary_phrases:
            return []
        rows = read_pairs(DATA / "translation-en-de" / PHRASES_FILE)
        pairs = [
            Pair(r["source"], r["target"])
            for r in itertools.islice(rows, self.dictionary_phrases)
        ]
        return pairs if self.source_lang == "en" else [Pair(t, s) for s, t in pairs]

    def message_pairs(self, split: str) -> list[Pair]:
        """With ``messages``, the software messages of ``split`` (gettext catalogs
        of Debian's packages, split by package): dev and test ship in the pair's
        ``messages/`` folder, train is what ``data prepare`` wrote to the cache.
        A folder of one's own (``data_dir``, ``hf_dataset``) is scored as it is:
        messages then join its training split only."""
        if not self.messages or (split != "train" and self.own_data):
            return []
        pair = f"en-{self.other_lang}"
        folder = (
            message_corpus.default_train_dir(pair)
            if split == "train"
            else DATA / f"translation-{pair}" / MESSAGES_DIR
        )
        try:
            rows = read_pairs(find_split_file(folder, split))
        except FileNotFoundError as error:
            raise FileNotFoundError(
                f"{error}; `s2s-hub data prepare translation` with the task options "
                f"target_lang={self.other_lang} and messages=true builds it"
            ) from error
        pairs = [Pair(r["source"], r["target"]) for r in rows]
        return pairs if self.source_lang == "en" else [Pair(t, s) for s, t in pairs]

    def parts(self, split: str) -> dict[str, list[Pair]]:
        """The shipped split by origin: package descriptions, Ding's everyday
        sentences (German only) and, with ``messages``, the interface messages of
        programs no training split holds. None for data of one's own, or a split
        with one part."""
        if self.own_data:
            return {}
        found = {}
        for name in TEST_PARTS.values():
            try:
                rows = self._shipped_rows(Path("parts") / name, split)
            except FileNotFoundError:
                continue
            found[name] = [self.make_pair(r) for r in rows]
        if self.messages:
            found[MESSAGES_DIR] = self.message_pairs(split)
        return found if len(found) > 1 else {}

    def records(self, split: str) -> Iterator[dict[str, str]]:
        if self.own_data:
            return super().records(split)
        return self._shipped_rows(Path(), split)

    def _shipped_rows(self, folder: Path, split: str) -> Iterator[dict[str, str]]:
        """``split`` of ``folder`` in the pair's shipped data, in this direction:
        the shipped en-de folder serves de-en too, its columns swapped."""
        own = self.default_data_dir() / folder
        mirrored = DATA / f"translation-{self.target_lang}-{self.source_lang}" / folder
        if own.is_dir() or not mirrored.is_dir():
            return read_pairs(find_split_file(own, split))
        rows = read_pairs(find_split_file(mirrored, split))
        return ({"source": r["target"], "target": r["source"]} for r in rows)

    def metrics(
        self, hypotheses: list[str], references: list[str], sources: list[str]
    ) -> dict[str, float]:
        """BLEU with the target language's tokenizer, and chrF++ (chrF for a
        language written without spaces: ``chrf_word_order_for``)."""
        tokenize = bleu_tokenizer_for(self.target_lang)
        word_order = chrf_word_order_for(self.target_lang)
        return {
            "bleu": corpus_bleu(hypotheses, references, tokenize),
            "chrf": corpus_chrf(hypotheses, references, word_order),
        }

    def segments(self, text: str) -> list[str]:
        """With ``translate_by_sentence``, one sentence at a time, as production MT
        pipelines do: the model learns from pairs of at most a few dozen tokens,
        while half the words of a test split sit in multi-sentence paragraphs."""
        if not self.translate_by_sentence:
            return [text]
        return [s for s in SENTENCE_END.split(text.strip()) if s] or [text]

    def baselines(self, pairs: list[Pair], tokenizer: Tokenizer) -> list[Baseline]:
        """Copying the source (names, versions and technical terms pass unchanged)
        and a translation memory of this task's training pairs (the target of the
        most similar training source)."""
        sources, targets = [p.source for p in pairs], [p.target for p in pairs]
        copy = Baseline("copy source", self.metrics(sources, targets, sources))

        def memory() -> Baseline:
            hypotheses = self.memory.translate(sources)
            return Baseline(MEMORY, self.metrics(hypotheses, targets, sources))

        return [copy, unless_missing(MEMORY, memory)]

    @cached_property
    def memory(self) -> TranslationMemory:
        """The training pairs as a translation memory, built once: evaluation
        asks it for a split and again for each of its ``parts``."""
        train = dict.fromkeys(self.pairs("train"))  # description_repeats: once
        return TranslationMemory([p.source for p in train], [p.target for p in train])

    def demo_examples(self) -> list[str]:
        """The first ``EXAMPLES_PER_PART`` sources of a sentence's size of each
        shipped test part of the pair (package descriptions, interface messages,
        everyday sentences): real, never trained on, and not chosen by how the
        model does on them."""
        if self.source_lang != "en" or self.own_data:
            return []
        folder = self.default_data_dir()
        descriptions, sentences = (folder / "parts" / p for p in TEST_PARTS.values())
        examples: list[str] = []
        for part in (descriptions, folder / MESSAGES_DIR, sentences):
            try:
                rows = read_pairs(find_split_file(part, "test"))
            except FileNotFoundError:
                continue
            fitting = (r["source"] for r in rows if _example_sized(r["source"]))
            examples += itertools.islice(fitting, EXAMPLES_PER_PART)
        return examples

    def prepare(self, out_dir: Path) -> dict[str, int]:
        """Rebuild ``{train,dev,test}.tsv.gz``, the license notes and ``DATA.md``
        (``s2s_hub.sources.description_corpus``); with ``messages``, also the
        message corpus (``messages/``, its train split in the cache:
        ``s2s_hub.sources.message_corpus``)."""
        other = self.other_lang  # refuses a pair without English first
        counts = description_corpus.prepare(self.source_lang, self.target_lang, out_dir)
        if self.messages:
            messages = message_corpus.prepare_messages(
                DEBIAN_LOCALES[other],
                Path(out_dir) / MESSAGES_DIR,
                options=f"source_lang=en, target_lang={other}, messages=true",
            )
            counts.update({f"messages {k}": n for k, n in messages.items()})
        return counts


def card_languages(folder: Path) -> dict[str, str]:
    """``source_lang`` and ``target_lang`` as the folder's ``DATA.md`` (or
    ``README.md``) names them; the keys it does not name are missing."""
    for name in CARD_FILES:
        if (folder / name).is_file():
            text = (folder / name).read_text("utf-8", errors="replace")
            return dict(CARD_LANGUAGE.findall(text))
    return {}


def _example_sized(text: str) -> bool:
    """Three words or more, a line's length at most and no placeholder (``%s``,
    ``{0}``, ``$1``): what a visitor types."""
    words = re.findall(r"[^\W\d_]+", text)
    return len(words) >= 3 and len(text) <= 100 and not PLACEHOLDER.search(text)


def sentence_pairs(pair: Pair) -> list[Pair]:
    """The aligned sentences of a multi-sentence pair, or none if the counts differ."""
    sources = SENTENCE_END.split(pair.source)
    targets = SENTENCE_END.split(pair.target)
    if len(sources) < 2 or len(sources) != len(targets):
        return []
    return [Pair(s, t) for s, t in zip(sources, targets, strict=True)]
