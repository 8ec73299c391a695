"""The checkpoints bundled for the demo load, decode, and hold the scores they claim."""

import importlib.util
import json
from pathlib import Path

import pytest
from huggingface_hub import ModelCard

from s2s_hub import load
from s2s_hub.evaluation.run import Evaluation, evaluate, scored_only

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted(p for p in (ROOT / "checkpoints").glob("*") if p.is_dir())


def results_file(model: str) -> Path:
    return ROOT / "checkpoints" / model / "eval_results.json"


@pytest.mark.parametrize("folder", BUNDLED, ids=lambda p: p.name)
def test_bundled_model_loads_and_decodes_its_demo_examples(folder):
    predictor = load(folder)
    task = predictor.task
    assert folder.name in (task.name, f"{task.name}-{task.demo_variant}")
    examples = predictor.task.demo_examples()[:2] or ["test"]
    outputs = predictor.predict(examples)
    assert all(nbest and isinstance(nbest[0].text, str) for nbest in outputs)


@pytest.mark.parametrize("folder", BUNDLED, ids=lambda p: p.name)
def test_card_reports_the_stored_evaluation(folder):
    stored = json.loads((folder / "eval_results.json").read_text())
    card = ModelCard.load(folder / "README.md")
    reported = {r.metric_type: r.metric_value for r in card.data.eval_results}
    assert reported == pytest.approx(stored["scores"])
    assert stored["examples"] == len(load(folder).task.pairs("test"))


@pytest.mark.slow
@pytest.mark.parametrize("folder", BUNDLED, ids=lambda p: p.name)
def test_evaluate_reproduces_the_published_scores(folder):
    stored = json.loads((folder / "eval_results.json").read_text())
    result = evaluate(load(folder), "test")
    assert result.scores == pytest.approx(stored["scores"], abs=1e-3)
    for name, part in stored.get("parts", {}).items():
        assert result.parts[name]["scores"] == pytest.approx(part["scores"], abs=1e-3)


def beats(name: str, model: float, baseline: float) -> bool:
    return model < baseline if name == "ppl" else model > baseline


MODELS = ["translation", "translation-en-zh", "summarization", "dialogue"]


@pytest.mark.parametrize("model", MODELS)
def test_bundled_model_beats_its_trivial_baselines(model):
    """Every metric the model and each scored baseline share, on the stored test
    run, and on each part of it."""
    stored = Evaluation(**json.loads(results_file(model).read_text()))
    runs = [("test", stored.scores, stored.scored_baselines())] + [
        (name, part["scores"], scored_only(part["baselines"]))
        for name, part in stored.parts.items()
    ]
    for part, scores, baselines in runs:
        assert baselines
        for baseline in baselines:
            shared = sorted(set(scores) & set(baseline["scores"]))
            behind = [
                m for m in shared if not beats(m, scores[m], baseline["scores"][m])
            ]
            assert shared and not behind, (
                f"{model} ({part}) is not better than {baseline['name']}: {behind}"
            )


def test_readme_results_table_is_the_one_the_cards_give():
    spec = importlib.util.spec_from_file_location(
        "results_table", ROOT / "scripts" / "results_table.py"
    )
    results_table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(results_table)
    assert results_table.table() in (ROOT / "README.md").read_text(), (
        "README's results table is stale: paste `python scripts/results_table.py`"
    )
