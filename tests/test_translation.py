"""Translation for a pair the user names: labels, metrics, coverage, and a tiny
English-Russian model from training to the demo's tab."""

import json
import random
from pathlib import Path

import pytest

from s2s_hub.cli.main import main
from s2s_hub.registry import get_task

WORDS = {
    "cat": "кот",
    "dog": "пёс",
    "red": "красный",
    "big": "большой",
    "sees": "видит",
    "eats": "ест",
    "fish": "рыба",
    "house": "дом",
    "small": "малый",
    "old": "старый",
}


def write_pairs(folder: Path, card: str | None = None) -> Path:
    """English-Russian word-for-word sentences, 300 to train and 20 to judge."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(0)
    english = list(WORDS)
    for split, size in (("train", 300), ("dev", 20), ("test", 20)):
        lines = []
        for _ in range(size):
            sentence = rng.choices(english, k=rng.randint(2, 4))
            russian = " ".join(WORDS[w] for w in sentence)
            lines.append(f"{' '.join(sentence)}\t{russian}")
        (folder / f"{split}.tsv").write_text("\n".join(lines) + "\n", "utf-8")
    if card is not None:
        (folder / "DATA.md").write_text(card, "utf-8")
    return folder


def test_any_pair_is_a_label_and_sets_labels_metrics_and_coverage():
    task = get_task("translation", data_dir="mine", source_lang="es", target_lang="zh")
    assert (task.source_label, task.target_label) == ("Spanish", "Chinese")
    assert task.character_coverage == 0.9995
    assert not task.target_rtl
    # the zh tokenizer scores Chinese characters; 13a would see one word
    hypothesis, reference = ["我喜欢猫"], ["我喜欢狗"]
    assert 0 < task.metrics(hypothesis, reference, ["x"])["bleu"] < 100
    arabic = get_task("translation", data_dir="mine", target_lang="ar")
    assert arabic.target_rtl and arabic.target_label == "Arabic"
    assert arabic.character_coverage == 1.0


def test_the_pair_is_an_option_that_s2s_hub_tasks_lists(capsys):
    assert main(["tasks"]) == 0
    listing = capsys.readouterr().out
    assert "--task_options: " in listing
    assert "source_lang='en', target_lang='de'" in listing


def test_own_data_without_a_pair_is_unset_never_the_shipped_one(tmp_path):
    folder = write_pairs(tmp_path / "en-fr")
    task = get_task("translation", data_dir=str(folder))
    assert (task.source_lang, task.target_lang) == ("", "")
    assert (task.source_label, task.target_label) == ("Source", "Target")
    assert task.options()["target_lang"] == ""
    # the shipped data keep their pair
    shipped = get_task("translation")
    assert (shipped.source_lang, shipped.target_lang) == ("en", "de")


def test_own_data_take_the_pair_from_their_card(tmp_path):
    card = "---\nsource_lang: en\ntarget_lang: ru\n---\n# My pairs\n"
    folder = write_pairs(tmp_path / "data", card)
    task = get_task("translation", data_dir=str(folder))
    assert (task.source_label, task.target_label) == ("English", "Russian")
    named = get_task("translation", data_dir=str(folder), target_lang="uk")
    assert (named.source_lang, named.target_lang) == ("en", "uk")


def test_shipped_sources_need_english_on_one_side(tmp_path):
    task = get_task("translation", source_lang="es", target_lang="fr")
    with pytest.raises(ValueError, match="bring your own data"):
        task.prepare(tmp_path)
    with pytest.raises(ValueError, match="dictionary_phrases"):
        get_task("translation", target_lang="fr", dictionary_phrases=5)


def test_cyrillic_and_chinese_sentences_are_segments():
    task = get_task("translation", data_dir="mine", source_lang="ru")
    assert task.segments("Кот видит рыбу. Пёс ест.") == ["Кот видит рыбу.", "Пёс ест."]
    chinese = get_task("translation", data_dir="mine", source_lang="zh")
    assert chinese.segments("我喜欢猫。你呢？") == ["我喜欢猫。", "你呢？"]


def test_english_russian_trains_evaluates_exports_loads_and_gets_its_tab(
    tmp_path, capsys
):
    from s2s_hub import hub
    from s2s_hub.app import build_demo
    from s2s_hub.app.models import tab_models

    card = "# English-Russian toy pairs (source_lang: en, target_lang: ru)\n"
    data = write_pairs(tmp_path / "en-ru", card)
    run = tmp_path / "run"
    train = [
        "train",
        "--task",
        "translation",
        "--data_dir",
        str(data),
        *("--model.emb_size", "16", "--model.hidden_size", "16"),
        *("--train.max_steps", "40", "--train.val_check_interval", "40"),
        *("--train.vocab_size", "60", "--train.max_tokens", "400"),
        *("--train.checkpoint_every_n_steps", "0", "--train.logger", "csv"),
        *("--accelerator", "cpu", "--devices", "1"),
        *("--train.out_dir", str(run)),
    ]
    assert main(train) == 0
    best = run / "checkpoints" / "best.ckpt"
    hparams = next((run / "logs").glob("version_*/hparams.yaml")).read_text("utf-8")
    assert "target_lang: ru" in hparams and "source_lang: en" in hparams

    scores = tmp_path / "test.json"
    greedy = ["--decode.method", "greedy", "--decode.max_length", "12"]
    assert main(["evaluate", str(best), *greedy, "--output", str(scores)]) == 0
    result = json.loads(scores.read_text())
    assert {"bleu", "chrf"} <= set(result["scores"])
    assert len(scores.with_suffix(".txt").read_text("utf-8").splitlines()) == 20

    folder = tmp_path / "export"
    assert main(["export", str(best), str(folder), "--reuse_scores", str(scores)]) == 0
    predictor = hub.load(str(folder))
    assert (predictor.task.source_lang, predictor.task.target_lang) == ("en", "ru")
    assert predictor.tokenizer.decode(predictor.tokenizer.encode("кот видит")) == (
        "кот видит"
    )

    (model,) = tab_models([predictor.task], {"translation": [str(folder)]})
    demo = build_demo([model])
    labels = {
        block.elem_id: block.label
        for block in demo.blocks.values()
        if getattr(block, "elem_id", None)
        in ("translation-input", "translation-output")
    }
    assert labels == {
        "translation-input": "English",
        "translation-output": "Russian",
    }
    assert "Translation" in [
        b.label for b in demo.blocks.values() if type(b).__name__ == "Tab"
    ]


def test_an_arabic_target_is_written_right_to_left_in_its_tab(toy_model_dir):
    from conftest import toy_predictor

    from s2s_hub.app import build_demo
    from s2s_hub.app.models import TabModel

    task = get_task("translation", data_dir="mine", source_lang="en", target_lang="ar")
    predictor = toy_predictor(vocab_size=300, byte_fallback=True, size=8)
    demo = build_demo([TabModel(task, str(toy_model_dir), predictor)])
    boxes = {
        block.elem_id: (block.label, block.rtl)
        for block in demo.blocks.values()
        if type(block).__name__ == "Textbox" and block.elem_id
    }
    assert boxes["translation-input"] == ("English", False)
    assert boxes["translation-output"] == ("Arabic", True)
