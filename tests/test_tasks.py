"""The built-in data tasks: shipped splits, options, metrics and user-given data."""

from __future__ import annotations

import gzip
import json
import logging
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import pytest

from s2s_hub.data.pairs import Pair
from s2s_hub.data.readers import DataError, read_pairs
from s2s_hub.model.config import Seq2SeqConfig
from s2s_hub.registry import SPLITS, get_task
from s2s_hub.scoring.targets import TargetScore
from s2s_hub.sources.ding import is_reserved
from s2s_hub.training.config import TrainConfig

DATA_TASKS = ("translation", "summarization", "dialogue")
DATA = Path(__file__).resolve().parent.parent / "tasks" / "data"


@pytest.fixture(scope="module")
def shipped():
    """Every shipped split of every data task, read once."""
    return {name: {s: get_task(name).pairs(s) for s in SPLITS} for name in DATA_TASKS}


@pytest.mark.parametrize("name", DATA_TASKS)
def test_shipped_splits_load_and_share_no_source(shipped, name):
    splits = shipped[name]
    assert 900 <= len(splits["dev"]) <= 1000 and len(splits["test"]) == 1000
    assert len(splits["train"]) > 20 * len(splits["test"])
    train, dev, test = ({p.source for p in splits[s]} for s in SPLITS)
    assert not (train & dev or train & test or dev & test)


def test_no_reserved_english_sentence_is_shipped(shipped):
    english = [p.source for pairs in shipped["translation"].values() for p in pairs]
    assert not [sentence for sentence in english if is_reserved(sentence)]


def test_dictionary_phrases_extend_training_only_and_stay_out_of_dev_and_test(
    shipped,
):
    with_phrases = get_task("translation", dictionary_phrases=50)
    base = shipped["translation"]
    train = with_phrases.pairs("train")
    assert train[: len(base["train"])] == base["train"]
    phrases = train[len(train) - 50 :]
    assert len(train) - 50 == len(base["train"]) and len(set(phrases)) == 50
    assert with_phrases.pairs("test") == base["test"]
    swapped = get_task(
        "translation", source_lang="de", target_lang="en", dictionary_phrases=50
    )
    assert swapped.pairs("train")[-50:] == [(t, s) for s, t in phrases]
    held_out = {text for s in ("dev", "test") for p in base[s] for text in p}
    all_phrases = get_task("translation", dictionary_phrases=10**6).phrase_pairs()
    assert len(all_phrases) > 100_000
    assert not [p for p in all_phrases if held_out & set(p) or is_reserved(p[0])]
    with pytest.raises(ValueError, match="English-German"):
        get_task("translation", target_lang="fr", dictionary_phrases=10)


def test_description_repeats_weigh_the_training_corpus_only(shipped):
    once = get_task("translation").pairs("train")
    thrice = get_task("translation", description_repeats=3)
    assert thrice.pairs("train") == once * 3
    assert thrice.pairs("test") == shipped["translation"]["test"]
    with pytest.raises(ValueError, match="description_repeats"):
        get_task("translation", description_repeats=0)


def test_translation_parts_split_the_shipped_test_by_origin(shipped):
    test = shipped["translation"]["test"]
    parts = get_task("translation").parts("test")
    assert set(parts) == {"descriptions", "sentences"}
    assert Counter(p for part in parts.values() for p in part) == Counter(test)
    with_messages = get_task("translation", messages=True)
    parts = with_messages.parts("test")
    assert list(parts) == ["descriptions", "sentences", "messages"]
    assert sum(map(len, parts.values())) == len(with_messages.pairs("test"))
    swapped = get_task("translation", source_lang="de", target_lang="en")
    assert swapped.parts("test")["sentences"][0] == parts["sentences"][0][::-1]
    chinese = get_task("translation", target_lang="zh", messages=True).parts("test")
    assert list(chinese) == ["descriptions", "messages"]
    # one part is no breakdown; a folder of one's own has none
    assert get_task("translation", target_lang="zh").parts("test") == {}
    assert with_messages.parts("dev") == {}
    own = get_task("translation", data_dir=str(DATA / "translation-en-de"))
    assert own.parts("test") == {}


@pytest.mark.parametrize("name", DATA_TASKS)
def test_metrics_include_the_selection_metric(name):
    task = get_task(name)
    hypotheses = ["the quick brown fox jumps", "a library for images"]
    references = ["the quick brown fox jumps", "library for image files"]
    scores = task.metrics(hypotheses, references, ["x", "y"])
    ranked = task.model_metrics(
        lambda pairs: [TargetScore(-len(p.target), 1) for p in pairs],
        task.pairs("dev")[:40],
    )
    # perplexity is measured for every task by validation itself, and so are the
    # scores of given targets (``model_metrics``)
    assert task.selection_metric in {*scores, *ranked, "ppl"}
    assert all(isinstance(value, float) for value in scores.values())


@pytest.mark.parametrize("name", DATA_TASKS)
def test_demo_examples_are_not_training_data(shipped, name):
    examples = get_task(name).demo_examples()
    assert examples
    train_sources = {p.source for p in shipped[name]["train"]}
    assert not set(examples) & train_sources


@pytest.mark.parametrize("target", ["de", "zh"])
def test_translation_examples_come_from_each_test_part_of_the_pair(target):
    task = get_task("translation", target_lang=target)
    folder = task.default_data_dir()
    tests = {
        part.parent.name: {row["source"] for row in read_pairs(part)}
        for part in folder.glob("**/test.tsv.gz")
        if part.parent != folder  # the parts, not the whole test split
    }
    examples = task.demo_examples()
    parts = {"descriptions", "messages"} | ({"sentences"} if target == "de" else set())
    assert {p for p, s in tests.items() if set(examples) & s} == parts
    assert all(any(e in s for s in tests.values()) for e in examples)
    assert not any("%s" in e for e in examples)
    own = get_task("translation", target_lang=target, data_dir="mine")
    assert own.demo_examples() == []


def test_translation_names_the_data_its_model_was_trained_on():
    german = get_task("translation")
    assert "Ding" in german.data_source and "messages" not in german.data_source
    chinese = get_task("translation", target_lang="zh", messages=True)
    assert chinese.data_source.endswith("gettext catalogs (en-zh)")
    assert "Ding" not in chinese.data_source + chinese.data_license
    assert "each package's license" in chinese.data_license
    own = get_task("translation", data_dir="mine", source_lang="en", target_lang="fr")
    assert own.data_source == "mine (en-fr)" and "DDTP" not in own.data_license


@pytest.mark.parametrize("name", DATA_TASKS)
def test_defaults_are_valid_model_and_training_configs(name):
    task = get_task(name)
    sizes = {"src_vocab_size": task.vocab_size, "tgt_vocab_size": task.vocab_size}
    model = Seq2SeqConfig.from_dict({**task.model_defaults, **sizes})
    # every key of the recipe is a field, and arrives in the config unchanged
    model_values = asdict(model)
    assert {k: model_values.get(k) for k in task.model_defaults} == task.model_defaults
    train_values = asdict(TrainConfig(**task.training_defaults))
    recipe = task.training_defaults
    assert {k: train_values.get(k) for k in recipe} == recipe


def test_translation_options(shipped):
    task = get_task("translation", source_lang="de", target_lang="en")
    assert (task.source_label, task.target_label) == ("German", "English")
    first = shipped["translation"]["test"][0]
    assert task.pairs("test")[0] == (first.target, first.source)
    with pytest.raises(FileNotFoundError):
        get_task("translation", source_lang="de", target_lang="fr").pairs("test")
    with pytest.raises(FileNotFoundError):
        get_task("translation", target_lang="fr").pairs("test")


def test_dialogue_context_turns_cut_the_shipped_context(shipped):
    two_turns = shipped["dialogue"]["test"]
    one_turn = get_task("dialogue", context_turns=1).pairs("test")
    assert any("<sep>" in p.source for p in two_turns)
    assert not any("<sep>" in p.source for p in one_turn)
    assert [p.target for p in one_turn] == [p.target for p in two_turns]


def test_dialogue_counts_replies_words_that_no_training_turn_holds(tmp_path):
    (tmp_path / "train.tsv").write_text("do you like dogs?\tyes, I love dogs\n")
    (tmp_path / "test.tsv").write_text("hi\thello\n")
    task = get_task("dialogue", data_dir=str(tmp_path))
    scores = task.metrics(["I love dogs", "yes arejeiri"], ["a", "b"], ["c", "d"])
    assert scores["unseen_words"] == 100 * 1 / 5
    (tmp_path / "test_only").mkdir()
    (tmp_path / "test_only" / "test.tsv").write_text("hi\thello\n")
    without_train = get_task("dialogue", data_dir=str(tmp_path / "test_only"))
    assert "unseen_words" not in without_train.metrics(["x"], ["y"], ["z"])


def _write_splits(folder: Path, suffix: str, lines: list[str]) -> None:
    folder.mkdir(exist_ok=True)
    for split in SPLITS:
        (folder / f"{split}{suffix}").write_text("".join(line + "\n" for line in lines))


@pytest.mark.parametrize("name", DATA_TASKS)
def test_local_tsv_and_jsonl_data_dir(tmp_path, name):
    _write_splits(tmp_path / "tsv", ".tsv", ["hello world\thallo welt"])
    row = json.dumps({"source": "good night", "target": "gute nacht"})
    _write_splits(tmp_path / "jsonl", ".jsonl", [row])
    tsv = get_task(name, data_dir=str(tmp_path / "tsv")).pairs("train")
    jsonl = get_task(name, data_dir=str(tmp_path / "jsonl")).pairs("dev")
    assert tsv == [("hello world", "hallo welt")]
    assert jsonl == [("good night", "gute nacht")]


def test_bad_rows_are_reported_with_file_and_line(tmp_path, caplog):
    _write_splits(tmp_path, ".tsv", ["ok\tgut", "only one column", "\t"])
    task = get_task("translation", data_dir=str(tmp_path))
    with caplog.at_level(logging.WARNING):
        assert task.pairs("train") == [("ok", "gut")]
    assert "train.tsv" in caplog.text and "skipped" in caplog.text
    (tmp_path / "dev.tsv").write_text("no tab here\n")
    with pytest.raises(DataError, match=r"dev\.tsv.*line 1"):
        task.pairs("dev")


def test_hf_dataset_option_reads_a_local_folder(tmp_path):
    pytest.importorskip("datasets")
    rows = [{"en": "a cat", "de": "eine Katze"}, {"en": "a dog", "de": "ein Hund"}]
    for split in ("train", "dev", "test"):
        text = "".join(json.dumps(row) + "\n" for row in rows)
        (tmp_path / f"{split}.jsonl").write_text(text)
    task = get_task(
        "translation",
        hf_dataset=str(tmp_path),
        hf_source_field="en",
        hf_target_field="de",
    )
    assert task.pairs("dev") == [("a cat", "eine Katze"), ("a dog", "ein Hund")]


@pytest.mark.slow
def test_dialogue_prepare_rebuilds_the_shipped_files(tmp_path):
    pytest.importorskip("chitchat_dataset")
    pytest.importorskip("chatterbot_corpus")
    shipped_dir = get_task("dialogue").default_data_dir()
    counts = get_task("dialogue").prepare(tmp_path)
    assert counts == {s: len(get_task("dialogue").pairs(s)) for s in SPLITS}
    for name in ("train.tsv.gz", "dev.tsv.gz", "test.tsv.gz", "demo.txt", "DATA.md"):
        assert (tmp_path / name).read_bytes() == (shipped_dir / name).read_bytes()
    assert gzip.decompress((tmp_path / "test.tsv.gz").read_bytes()).count(b"\n") == 1000


def test_translation_trains_on_the_sentences_of_aligned_paragraphs(tmp_path):
    get_task("translation")  # imports the built-in task files
    from s2s_hub_builtin_tasks.translation import sentence_pairs

    two = Pair("It is fast. It is small.", "Es ist schnell. Es ist klein.")
    assert sentence_pairs(two) == [
        Pair("It is fast.", "Es ist schnell."),
        Pair("It is small.", "Es ist klein."),
    ]
    uneven = Pair("It is fast. It is small.", "Es ist schnell und klein.")
    assert sentence_pairs(uneven) == []
    (tmp_path / "train.tsv").write_text(f"{two.source}\t{two.target}\n")
    task = get_task("translation", data_dir=str(tmp_path))
    assert task.pairs("train") == [two, *sentence_pairs(two)]
    plain = get_task("translation", data_dir=str(tmp_path), split_paragraphs=False)
    assert plain.pairs("train") == [two]
