import math
from collections.abc import Callable

import pytest
from rouge_score.rouge_scorer import RougeScorer

from s2s_hub.registry import get_task
from s2s_hub.scoring.metrics import (
    UnicodeWordTokenizer,
    bleu,
    bleu_tokenizer_for,
    character_error_rate,
    chrf,
    chrf_word_order_for,
    corpus_bleu,
    corpus_chrf,
    distinct_n,
    edit_distance,
    exact_match,
    rouge,
    unseen_word_rate,
    words,
)

# The example of sacrebleu's README, with its first reference stream only.
HYPOTHESES = [
    "The dog bit the man.",
    "It wasn't surprising.",
    "The man had just bitten him.",
]
REFERENCES = [
    "The dog bit the man.",
    "It was not unexpected.",
    "The man bit him first.",
]
GERMAN = "Die Brücke über den Fluß ist schön."
RUSSIAN = "Кошка сидит на ковре и смотрит в окно."


def test_identical_text_scores_100() -> None:
    assert corpus_bleu(REFERENCES, REFERENCES) == pytest.approx(100)
    assert corpus_chrf(REFERENCES, REFERENCES) == pytest.approx(100)


def test_bleu_matches_hand_counted_ngrams() -> None:
    # 13a tokens: 17 in the hypotheses and in the references, so no brevity penalty.
    # Matches per order: 12/17 unigrams, 6/14 bigrams, 4/11 trigrams, 3/8 4-grams.
    expected = 100 * (12 / 17 * 6 / 14 * 4 / 11 * 3 / 8) ** 0.25
    assert corpus_bleu(HYPOTHESES, REFERENCES) == pytest.approx(expected)
    # `sacrebleu ref.txt -i hyp.txt -m bleu -b -w 4` prints the same.
    assert round(expected, 4) == 45.0675


def test_chrf_plus_plus_matches_the_command_line() -> None:
    # `sacrebleu ref.txt -i hyp.txt -m chrf --chrf-word-order 2 -b -w 4` -> 51.7310
    assert corpus_chrf(HYPOTHESES, REFERENCES) == pytest.approx(51.7310, abs=1e-4)
    assert corpus_chrf(HYPOTHESES, REFERENCES, word_order=0) < 51.7310


def test_scores_carry_sacrebleu_signatures() -> None:
    bleu_score = bleu(HYPOTHESES, REFERENCES)
    assert bleu_score.value == corpus_bleu(HYPOTHESES, REFERENCES)
    assert "nrefs:1" in bleu_score.signature and "tok:13a" in bleu_score.signature
    assert "tok:zh" in bleu(["我喜欢猫"], ["我喜欢狗"], tokenize="zh").signature
    assert "nw:2" in chrf(HYPOTHESES, REFERENCES).signature


@pytest.mark.parametrize(
    ("lang", "tokenizer"),
    [
        ("de", "13a"),
        ("en", "13a"),
        ("ru", "13a"),
        ("", "13a"),
        ("zh", "zh"),
        ("zh-Hant", "zh"),
    ],
)
def test_bleu_tokenizer_for(lang: str, tokenizer: str) -> None:
    assert bleu_tokenizer_for(lang) == tokenizer


def test_japanese_uses_mecab_where_installed_else_characters() -> None:
    try:
        import ipadic  # noqa: F401
        import MeCab  # noqa: F401
    except ImportError:
        expected = "char"
    else:
        expected = "ja-mecab"
    assert bleu_tokenizer_for("ja_JP") == expected
    assert f"tok:{expected}" in bleu(["猫が好き"], ["猫が好き"], expected).signature


def test_exact_match_counts_whole_outputs() -> None:
    assert exact_match(["3412", "12 ", "7"], ["3412", "12", "8"]) == pytest.approx(
        200 / 3
    )
    # where BLEU sees nothing: one-word outputs, all right
    assert corpus_bleu(["3412"], ["3412"]) == 0.0
    assert exact_match(["3412"], ["3412"]) == 100.0


def test_edit_distance_counts_character_edits() -> None:
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == edit_distance("abc", "") == 3
    assert edit_distance("Кошка", "Кошки") == 1


def test_character_error_rate_is_edits_over_reference_characters() -> None:
    assert character_error_rate(["HELLO", "AB"], ["HELLO", "ABCD"]) == pytest.approx(
        100 * 2 / 9
    )
    assert character_error_rate(["ABCDEF"], ["AB"]) == 200.0
    assert character_error_rate(["x"], [""]) == 100.0


def test_chinese_needs_its_tokenizer() -> None:
    hypotheses, references = ["我喜欢小猫"], ["我喜欢小狗"]
    assert corpus_bleu(hypotheses, references) == 0  # one "word" each, no match
    zh = corpus_bleu(hypotheses, references, tokenize=bleu_tokenizer_for("zh"))
    assert zh > 0


def test_chinese_is_scored_with_chrf_not_chrf_plus_plus() -> None:
    hypotheses, references = ["我喜欢小猫。"], ["我喜欢小狗。"]
    assert (chrf_word_order_for("zh-Hans"), chrf_word_order_for("de")) == (0, 2)
    # a clause is one "word": word n-grams would add only misses
    chrf_only = corpus_chrf(hypotheses, references, chrf_word_order_for("zh"))
    assert chrf_only > corpus_chrf(hypotheses, references, 2)
    task = get_task("translation", target_lang="zh")
    assert task.metrics(hypotheses, references, ["I like kittens."])["chrf"] == (
        pytest.approx(chrf_only)
    )


def test_unknown_bleu_tokenizer_raises() -> None:
    with pytest.raises(ValueError, match="unknown BLEU tokenizer 'moses'"):
        corpus_bleu(HYPOTHESES, REFERENCES, tokenize="moses")


def test_unicode_tokenizer_keeps_letters_and_marks() -> None:
    tokenize = UnicodeWordTokenizer().tokenize
    assert tokenize("Über die Brücke, bitte!") == ["über", "die", "brücke", "bitte"]
    assert tokenize("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]
    assert UnicodeWordTokenizer(use_stemmer=True).tokenize("cats running") == [
        "cat",
        "run",
    ]


@pytest.mark.parametrize("text", [GERMAN, RUSSIAN])
def test_rouge_of_identical_text_is_100(text: str) -> None:
    assert rouge([text], [text]) == pytest.approx(
        {"rouge1": 100, "rouge2": 100, "rougeL": 100}
    )


def test_rouge_sees_cyrillic_where_the_default_tokenizer_does_not() -> None:
    hypothesis = "Кошка сидит на окне."
    default = RougeScorer(["rouge1"]).score(RUSSIAN, hypothesis)["rouge1"]
    assert default.fmeasure == 0
    assert rouge([hypothesis], [RUSSIAN])["rouge1"] > 0


def test_rouge_known_value() -> None:
    # Unigrams: "the cat" of 4 hypothesis and 6 reference words match: P=2/4, R=2/6.
    # Bigrams: "the cat" of 3 and 5 bigrams matches: P=1/3, R=1/5.
    scores = rouge(["the cat sat down"], ["the cat was on the mat"])
    assert scores["rouge1"] == pytest.approx(
        100 * 2 * (2 / 4 * 2 / 6) / (2 / 4 + 2 / 6)
    )
    assert scores["rouge2"] == pytest.approx(
        100 * 2 * (1 / 3 * 1 / 5) / (1 / 3 + 1 / 5)
    )


def test_rouge_averages_over_pairs() -> None:
    scores = rouge([GERMAN, "nichts passt"], [GERMAN, RUSSIAN])
    assert scores["rougeL"] == pytest.approx(50)


@pytest.mark.parametrize(
    ("texts", "n", "expected"),
    [
        (["a a b", "a b c"], 1, 3 / 6),
        (["a a b", "a b c"], 2, 3 / 4),  # a-a, a-b, b-c; "b a" spans two texts
        (["hi", "hi"], 1, 1 / 2),
        (["hi", "hi"], 2, 0.0),  # no bigrams at all
        ([], 1, 0.0),
    ],
)
def test_distinct_n(texts: list[str], n: int, expected: float) -> None:
    assert math.isclose(distinct_n(texts, n), expected)


def test_words_are_lowercased_letter_runs_with_inner_apostrophes() -> None:
    assert words("I don't know, Zoë -- 42 times!") == [
        "i",
        "don't",
        "know",
        "zoë",
        "times",
    ]


def test_unseen_word_rate_counts_word_tokens_outside_the_known_words() -> None:
    known = {"my", "dog", "is", "an", "iphone"}
    # 2 of the 6 words (one of them twice over) were never seen
    assert unseen_word_rate(["My dog arejeiri an iPhone", "arejeiri"], known) == (
        100 * 2 / 6
    )
    assert unseen_word_rate(["", "42 !"], known) == 0.0


def test_distinct_n_rejects_bad_n() -> None:
    with pytest.raises(ValueError, match="n must be >= 1"):
        distinct_n(["a b"], 0)


@pytest.mark.parametrize(
    "metric", [corpus_bleu, corpus_chrf, rouge, exact_match, character_error_rate]
)
def test_paired_metrics_reject_bad_inputs(metric: Callable[..., object]) -> None:
    with pytest.raises(ValueError, match="2 hypotheses but 1 references"):
        metric(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="nothing to score"):
        metric([], [])
