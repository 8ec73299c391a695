"""Scores of decoded text: BLEU, chrF++, ROUGE, exact match, character error rate
and distinct-n.

Every function takes detokenized strings, one hypothesis per reference. BLEU and chrF++
come from sacrebleu, so their numbers and signatures match its command line; ROUGE
comes from rouge-score with a tokenizer that keeps the letters of every script. Exact
match and character error rate judge short outputs (a word, a number, a code), where
BLEU's 4-grams are 0 for any one-word output, right or wrong.
Paired metrics refuse empty or mismatched inputs with a ValueError rather than
returning a score that would look like a real result.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sacrebleu.metrics import BLEU, CHRF

from s2s_hub import languages

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")

# Scripts written without spaces between words need BLEU tokenized below the word.
# Japanese gets sacrebleu's MeCab tokenizer where its extra is installed
# (``pip install sacrebleu[ja]``), characters elsewhere; the score's signature says
# which (``tok:ja-mecab-...`` or ``tok:char``).
_BLEU_TOKENIZERS = {
    **dict.fromkeys(languages.UNSPACED, "char"),
    "zh": "zh",
    "yue": "zh",
}


@dataclass(frozen=True)
class Score:
    """A corpus-level score and the sacrebleu signature that makes it reproducible.

    Attributes:
        value: the score on a 0-100 scale.
        signature: e.g. ``"nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:..."``.
    """

    value: float
    signature: str


def bleu_tokenizer_for(lang: str) -> str:
    """The sacrebleu tokenizer to score a target language with.

    Args:
        lang: a language code such as ``"de"``, ``"zh-Hans"`` or ``"ja_JP"``.

    Returns:
        ``"zh"`` for Chinese, ``"ja-mecab"`` for Japanese where MeCab is installed,
        ``"char"`` for other unspaced scripts, else ``"13a"``.
    """
    code = languages.primary(lang)
    if code == "ja" and _has_mecab():
        return "ja-mecab"
    return _BLEU_TOKENIZERS.get(code, "13a")


def chrf_word_order_for(lang: str) -> int:
    """chrF's word n-gram order for a target language: 2 (chrF++) where words are
    spaced, 0 (chrF) where they are not, since a "word" there is a whole clause
    and word n-grams would only pull matches down."""
    return 0 if languages.is_unspaced(lang) else 2


@functools.cache
def _has_mecab() -> bool:
    # sacrebleu's own import of MeCab and ipadic says whether its extra is there
    from sacrebleu.tokenizers import tokenizer_ja_mecab

    return tokenizer_ja_mecab.MeCab is not None


def bleu(
    hypotheses: Sequence[str], references: Sequence[str], tokenize: str | None = None
) -> Score:
    """Corpus BLEU with its signature.

    Args:
        hypotheses: system outputs.
        references: one reference per hypothesis.
        tokenize: a sacrebleu tokenizer name; None means sacrebleu's default
            (``"13a"``). See :func:`bleu_tokenizer_for`.
    """
    _check_pairs(hypotheses, references)
    if tokenize is not None and tokenize not in BLEU.TOKENIZERS:
        known = ", ".join(BLEU.TOKENIZERS)
        raise ValueError(f"unknown BLEU tokenizer {tokenize!r}; known: {known}")
    metric = BLEU(tokenize=tokenize)
    result = metric.corpus_score(list(hypotheses), [list(references)])
    return Score(result.score, str(metric.get_signature()))


def chrf(
    hypotheses: Sequence[str], references: Sequence[str], word_order: int = 2
) -> Score:
    """Corpus chrF with its signature; ``word_order=2`` is chrF++.

    Character n-grams need no tokenizer, so chrF suits every script as it is.
    """
    _check_pairs(hypotheses, references)
    metric = CHRF(word_order=word_order)
    result = metric.corpus_score(list(hypotheses), [list(references)])
    return Score(result.score, str(metric.get_signature()))


def corpus_bleu(
    hypotheses: Sequence[str], references: Sequence[str], tokenize: str | None = None
) -> float:
    """The value of :func:`bleu`, for a task's dictionary of scores."""
    return bleu(hypotheses, references, tokenize).value


def corpus_chrf(
    hypotheses: Sequence[str], references: Sequence[str], word_order: int = 2
) -> float:
    """The value of :func:`chrf`, for a task's dictionary of scores."""
    return chrf(hypotheses, references, word_order).value


def exact_match(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Percentage of hypotheses equal to their reference (after stripping the
    outer whitespace): the metric for outputs that are right or wrong as a whole."""
    _check_pairs(hypotheses, references)
    pairs = zip(hypotheses, references, strict=True)
    same = sum(h.strip() == r.strip() for h, r in pairs)
    return 100 * same / len(hypotheses)


def character_error_rate(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Character edits (insertions, deletions, substitutions) that turn each
    hypothesis into its reference, as a percentage of the references' characters;
    0 is perfect, lower is better (``selection_mode = "min"``), and it may pass 100
    when outputs are longer than their references."""
    _check_pairs(hypotheses, references)
    pairs = zip(hypotheses, references, strict=True)
    edits = sum(edit_distance(h, r) for h, r in pairs)
    return 100 * edits / max(1, sum(len(r) for r in references))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings, in characters."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
            )
        previous = current
    return previous[-1]


class UnicodeWordTokenizer:
    """A rouge-score tokenizer that keeps the letters of every script.

    rouge-score's default tokenizer deletes everything outside ``[a-z0-9]``, so
    German umlauts are cut out of words and Cyrillic text scores 0. This one
    lowercases and splits on every character that is not a letter, mark or number.
    Marks count as word characters because a plain ``\\W`` split would break
    Devanagari and vowelled Arabic words at their combining signs.

    Args:
        use_stemmer: Porter-stem words longer than 3 characters, as rouge-score
            does; meant for English only.
    """

    def __init__(self, use_stemmer: bool = False) -> None:
        # imported here: nltk pulls in scipy (seconds), which a task's
        # registration (e.g. for ``s2s-hub train --help``) does not need
        from nltk.stem.porter import PorterStemmer  # rouge-score's own dependency

        self._stemmer = PorterStemmer() if use_stemmer else None

    def tokenize(self, text: str) -> list[str]:
        kept = (c if unicodedata.category(c)[0] in "LMN" else " " for c in text.lower())
        words = "".join(kept).split()
        if self._stemmer is None:
            return words
        return [self._stemmer.stem(w) if len(w) > 3 else w for w in words]


def rouge(
    hypotheses: Sequence[str], references: Sequence[str], use_stemmer: bool = False
) -> dict[str, float]:
    """Mean ROUGE-1, ROUGE-2 and ROUGE-L F-measures on a 0-100 scale.

    Args:
        hypotheses: system outputs.
        references: one reference per hypothesis.
        use_stemmer: Porter stemming, for English targets only.

    Returns:
        ``{"rouge1": ..., "rouge2": ..., "rougeL": ...}``.
    """
    _check_pairs(hypotheses, references)
    from rouge_score.rouge_scorer import RougeScorer  # imports nltk: see above

    scorer = RougeScorer(list(ROUGE_TYPES), tokenizer=UnicodeWordTokenizer(use_stemmer))
    totals = dict.fromkeys(ROUGE_TYPES, 0.0)
    for hypothesis, reference in zip(hypotheses, references, strict=True):
        # rouge-score's argument order is (target, prediction).
        scores = scorer.score(reference, hypothesis)
        for name in ROUGE_TYPES:
            totals[name] += scores[name].fmeasure
    return {name: 100 * total / len(hypotheses) for name, total in totals.items()}


def distinct_n(texts: Sequence[str], n: int) -> float:
    """Unique n-grams over all n-grams of the corpus (distinct-1, distinct-2, ...).

    A diversity measure for dialogue: a model that answers "I don't know" to
    everything scores near 0. Words are whitespace tokens; n-grams never cross
    from one text into the next.

    Returns:
        A ratio in [0, 1]; 0.0 when the texts hold no n-gram at all.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    ngrams = []
    for text in texts:
        words = text.split()
        ngrams.extend(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
    return len(set(ngrams)) / len(ngrams) if ngrams else 0.0


WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


def words(text: str) -> list[str]:
    """Lowercased words: runs of letters, with inner apostrophes (``don't``)."""
    return WORD.findall(text.lower())


def unseen_word_rate(texts: Sequence[str], known: set[str] | frozenset[str]) -> float:
    """Percentage of the words of ``texts`` that are not in ``known``.

    A subword model can spell words nobody wrote ("arejeiri"); sampling at a high
    temperature does so often, and distinct-n counts each such word as diversity.
    Measured against the words of the training text, this is a fluency check that
    needs no language model. Returns 0.0 for texts without words.
    """
    found = [word for text in texts for word in words(text)]
    unseen = sum(word not in known for word in found)
    return 100 * unseen / len(found) if found else 0.0


def _check_pairs(hypotheses: Sequence[str], references: Sequence[str]) -> None:
    if len(hypotheses) != len(references):
        raise ValueError(
            f"got {len(hypotheses)} hypotheses but {len(references)} references"
        )
    if not hypotheses:
        raise ValueError("nothing to score: no hypotheses and no references")
