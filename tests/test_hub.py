"""Hub layout, loading, push and Space helpers, all without network.

The Hub is replaced by a hand-built cache (what ``snapshot_download`` leaves on
disk) and by patched ``HfApi`` methods at the HTTP boundary.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from conftest import TOY_TASK_OPTIONS, toy_predictor
from huggingface_hub import HfApi, ModelCard, SpaceCard, constants

import s2s_hub
from s2s_hub.cli.main import main
from s2s_hub.evaluation.run import evaluate
from s2s_hub.files import (
    CARD_FILE,
    CONFIG_FILE,
    CURVE_DATA_FILE,
    CURVE_FILE,
    EVAL_FILE,
    LAYOUT_FILES,
    ONNX_FILES,
    REQUIRED_FILES,
    SHORTLIST_FILE,
    TOKENIZER_FILE,
    WEIGHTS_FILE,
)
from s2s_hub.hub import export, load, push
from s2s_hub.hub.export_options import ExportOptions
from s2s_hub.hub.space import (
    MODELS_ENV,
    MODELS_ONLY_ENV,
    default_model_sources,
    hub_models,
    write_space_readme,
)
from s2s_hub.model import Seq2Seq
from s2s_hub.predictor import Predictor
from s2s_hub.search.config import DecodeConfig
from s2s_hub.serving.cache import CACHE_ENV
from s2s_hub.tokenizer import Tokenizer

REPO_ID = "org/reverse-tiny"
# ``s2s_hub.hub.push`` is also the function the package exports: the module
PUSH = sys.modules["s2s_hub.hub.push"]
COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    return toy_predictor(vocab_size=40, byte_fallback=False, size=7)


@pytest.fixture(scope="module")
def evaluation(predictor):
    return evaluate(predictor, "test")


@pytest.fixture(scope="module")
def exported(predictor, evaluation, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("exported")
    return export(predictor, folder, evaluation, {"lr": 0.005}, ExportOptions(REPO_ID))


@pytest.fixture
def folder(exported, tmp_path) -> Path:
    """A private copy of the exported folder, for tests that damage it."""
    return Path(shutil.copytree(exported, tmp_path / "model"))


@pytest.fixture(scope="module")
def checkpoint(predictor, tmp_path_factory) -> Path:
    """What Lightning writes for ``Seq2SeqSystem``, down to the keys we read."""
    path = tmp_path_factory.mktemp("run") / "best.ckpt"
    weights = {f"model.{k}": v for k, v in predictor.model.state_dict().items()}
    torch.save(
        {
            "epoch": 3,
            "global_step": 12,
            "state_dict": weights,
            "hyper_parameters": {
                "model": predictor.model.config.to_dict(),
                "task": "reverse",
                "task_options": predictor.task.options(),
                "lr": 0.005,
                "label_smoothing": 0.1,
            },
            "tokenizer_model": predictor.tokenizer.to_bytes(),
        },
        path,
    )
    return path


@pytest.fixture
def offline(monkeypatch, tmp_path) -> Path:
    """Offline mode with an empty cache; huggingface_hub reads both constants at
    import time, so the module values are patched along with the environment."""
    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    return cache


def cache_repo(cache: Path, repo_id: str, files: Path, commit: str = COMMIT) -> None:
    """Lay ``files`` out as the Hub cache does: blobs, a snapshot of links, a ref."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / commit
    (repo / "blobs").mkdir(parents=True)
    snapshot.mkdir(parents=True)
    for path in files.iterdir():
        blob = repo / "blobs" / hashlib.sha256(path.read_bytes()).hexdigest()
        shutil.copyfile(path, blob)
        (snapshot / path.name).symlink_to(Path("../..") / "blobs" / blob.name)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)


def texts_of(predictor: Predictor, config: DecodeConfig | None = None) -> list[str]:
    sources = [pair.source for pair in predictor.task.pairs("test")]
    return [nbest[0].text for nbest in predictor.predict(sources, config)]


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


class FakeHub:
    """``HfApi`` at the HTTP boundary: records calls and what would be uploaded."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.files: dict[str, bytes] = {}
        monkeypatch.setattr(HfApi, "create_repo", self.create_repo)
        monkeypatch.setattr(HfApi, "create_branch", self.create_branch)
        monkeypatch.setattr(HfApi, "upload_folder", self.upload_folder)
        # the token and the probe a push makes before any work
        monkeypatch.setenv("HF_TOKEN", "hf_test")
        monkeypatch.setattr(PUSH, "whoami", lambda endpoint, token: {"name": "me"})

    def create_repo(self, repo_id, **kwargs):
        self.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))
        return SimpleNamespace(repo_id=repo_id)

    def create_branch(self, repo_id, **kwargs):
        self.calls.append(("create_branch", {"repo_id": repo_id, **kwargs}))

    def upload_folder(self, **kwargs):
        self.calls.append(("upload_folder", kwargs))
        folder = Path(kwargs["folder_path"])
        self.files = {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        return f"https://huggingface.co/{kwargs['repo_id']}/commit/{COMMIT}"

    def card(self, tmp_path: Path) -> ModelCard:
        path = tmp_path / "uploaded-README.md"
        path.write_bytes(self.files[CARD_FILE])
        return ModelCard.load(path)


# exports of a model without a run folder: no learning curve (see test_curve.py),
# and no shortlist, which `s2s-hub shortlist` adds (test_shortlist.py)
OPTIONAL = {CURVE_FILE, CURVE_DATA_FILE, SHORTLIST_FILE}
EXPORTED_FILES = sorted(set(LAYOUT_FILES) - OPTIONAL)


def test_export_writes_exactly_the_layout(exported):
    assert sorted(p.name for p in exported.iterdir()) == EXPORTED_FILES
    config = json.loads((exported / CONFIG_FILE).read_text())
    assert config["task"] == "reverse"
    assert config["task_options"] == TOY_TASK_OPTIONS
    assert config["decoding"]["method"] == "greedy"
    assert config["s2s_hub_version"] == s2s_hub.__version__


def test_round_trip_gives_identical_decodes(predictor, exported):
    loaded = load(exported)
    assert texts_of(loaded) == texts_of(predictor)
    beam = DecodeConfig(method="beam", beam_size=3, max_length=10)
    assert texts_of(loaded, beam) == texts_of(predictor, beam)
    assert loaded.task.options() == predictor.task.options()
    assert loaded.decoding == predictor.decoding


def test_stored_decoding_defaults_win_over_the_task_class(folder, predictor):
    config = json.loads((folder / CONFIG_FILE).read_text())
    config["decoding"]["max_length"] = 3
    (folder / CONFIG_FILE).write_text(json.dumps(config))
    assert load(folder).decoding == replace(predictor.decoding, max_length=3)


def test_mixin_from_pretrained_reads_the_layout(predictor, exported):
    model = Seq2Seq.from_pretrained(exported)
    assert model.config == predictor.model.config
    for name, tensor in predictor.model.state_dict().items():
        assert torch.equal(model.state_dict()[name], tensor)


def test_checkpoint_loads_like_its_export(predictor, checkpoint):
    assert texts_of(load(checkpoint)) == texts_of(predictor)


def test_package_exports_load_lazily():
    assert s2s_hub.load is load
    # in a fresh interpreter: importing the package does not import the Hub code
    code = (
        "import sys, s2s_hub; assert 's2s_hub.hub' not in sys.modules; "
        "assert 'torch' not in sys.modules; s2s_hub.load; "
        "assert 's2s_hub.hub' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cached_repo_loads_offline(predictor, exported, offline):
    cache_repo(offline, REPO_ID, exported)
    assert texts_of(load(REPO_ID)) == texts_of(predictor)
    assert texts_of(load(REPO_ID, revision=COMMIT)) == texts_of(predictor)


def test_uncached_repo_offline_says_how_to_fix_it(offline):
    with pytest.raises(FileNotFoundError) as error:
        load("org/not-cached")
    message = one_line(error)
    assert "org/not-cached" in message
    assert "HF_HUB_OFFLINE" in message
    assert str(offline) in message


def test_unknown_revision_offline_is_not_found(exported, offline):
    cache_repo(offline, REPO_ID, exported)
    with pytest.raises(FileNotFoundError) as error:
        load(REPO_ID, revision="v2")
    assert f"{REPO_ID}@v2" in one_line(error)


def test_revision_of_a_local_path_is_refused(exported):
    with pytest.raises(ValueError, match="revision"):
        load(exported, revision="main")


@pytest.mark.parametrize("name", REQUIRED_FILES)
def test_missing_file_is_named(folder, name):
    (folder / name).unlink()
    with pytest.raises(FileNotFoundError, match=name):
        load(folder)


def test_weights_never_fall_back_to_pickle(folder):
    (folder / WEIGHTS_FILE).rename(folder / "pytorch_model.bin")
    with pytest.raises(FileNotFoundError, match=WEIGHTS_FILE):
        Seq2Seq.from_pretrained(folder)


def test_truncated_weights_name_the_file(folder):
    weights = folder / WEIGHTS_FILE
    weights.write_bytes(weights.read_bytes()[:50])
    with pytest.raises(ValueError, match=WEIGHTS_FILE):
        load(folder)


def test_weights_of_another_architecture_name_the_file(folder):
    config = json.loads((folder / CONFIG_FILE).read_text())
    config["hidden_size"] = 9
    (folder / CONFIG_FILE).write_text(json.dumps(config))
    with pytest.raises(ValueError, match=f"{WEIGHTS_FILE} does not match"):
        load(folder)


def test_unknown_config_key_names_key_and_file(folder):
    config = json.loads((folder / CONFIG_FILE).read_text())
    config["hiden_size"] = 8
    (folder / CONFIG_FILE).write_text(json.dumps(config))
    with pytest.raises(ValueError, match=CONFIG_FILE) as error:
        load(folder)
    assert "hiden_size" in str(error.value)
    # the mixin's own loader goes through the same parser (s2s_hub.files)
    with pytest.raises(ValueError, match="hiden_size"):
        Seq2Seq.from_pretrained(folder)


def test_tokenizer_of_another_vocabulary_names_the_file(folder, predictor):
    other = Tokenizer.train(
        ["q r s t u v w x y z"] * 20, vocab_size=40, byte_fallback=False
    )
    assert other.vocab_size != predictor.tokenizer.vocab_size
    other.save(folder / TOKENIZER_FILE)
    with pytest.raises(ValueError, match=TOKENIZER_FILE):
        load(folder)


def test_card_parses_and_matches_the_evaluation(exported, evaluation):
    card = ModelCard.load(exported / CARD_FILE)
    assert card.data.library_name == "s2s-hub"
    assert card.data.license == "apache-2.0"
    assert {"s2s-hub", "reverse"} <= set(card.data.tags)
    results = card.data.eval_results
    assert {r.metric_type: r.metric_value for r in results} == evaluation.scores
    decoding = {k: v for k, v in evaluation.decoding.items() if v is not None}
    assert all(r.dataset_split == "test" for r in results)
    assert all(r.metric_args == decoding for r in results)
    assert f's2s_hub.load("{REPO_ID}")' in card.text
    assert "CC0-1.0" in card.text
    assert json.loads((exported / EVAL_FILE).read_text()) == evaluation.to_dict()


def test_push_uploads_the_layout_and_never_the_checkpoint(
    checkpoint, predictor, monkeypatch, tmp_path
):
    hub = FakeHub(monkeypatch)
    url = push(checkpoint, REPO_ID, private=True, revision="exp")
    assert url.startswith(f"https://huggingface.co/{REPO_ID}/commit/")
    assert sorted(hub.files) == EXPORTED_FILES
    assert [name for name, _ in hub.calls] == [
        "create_repo",
        "create_branch",
        "upload_folder",
    ]
    create, branch, upload = (kwargs for _, kwargs in hub.calls)
    assert create["private"] is True and create["exist_ok"] is True
    assert branch["branch"] == "exp"
    assert upload["repo_id"] == REPO_ID and upload["revision"] == "exp"
    card = hub.card(tmp_path)
    expected = evaluate(Predictor.from_checkpoint(checkpoint), "test").scores
    assert {r.metric_type: r.metric_value for r in card.data.eval_results} == expected
    assert card.data.to_dict()["model-index"][0]["name"] == REPO_ID
    assert "global_step: 12" in card.text


def test_push_reuses_stored_scores(checkpoint, evaluation, monkeypatch, tmp_path):
    hub = FakeHub(monkeypatch)
    stored = {**evaluation.to_dict(), "scores": {"exact": 42.0, "bleu": 7.5}}
    scores_file = tmp_path / "scores.json"
    scores_file.write_text(json.dumps(stored))
    push(checkpoint, REPO_ID, reuse_scores=scores_file)
    assert "create_branch" not in [name for name, _ in hub.calls]
    results = hub.card(tmp_path).data.eval_results
    assert {r.metric_type: r.metric_value for r in results} == stored["scores"]
    assert json.loads(hub.files[EVAL_FILE]) == stored


def test_push_refuses_scores_of_another_task(
    checkpoint, evaluation, tmp_path, monkeypatch
):
    FakeHub(monkeypatch)
    scores_file = tmp_path / "scores.json"
    scores_file.write_text(json.dumps({**evaluation.to_dict(), "task": "chitchat"}))
    with pytest.raises(ValueError, match="chitchat"):
        push(checkpoint, REPO_ID, reuse_scores=scores_file)


def test_push_offline_is_one_clear_line(checkpoint, offline, monkeypatch, capsys):
    hub = FakeHub(monkeypatch)
    with pytest.raises(ConnectionError) as error:
        push(checkpoint, REPO_ID)
    assert "HF_HUB_OFFLINE" in one_line(error)
    assert main(["push", str(checkpoint), "--repo_id", REPO_ID]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("s2s-hub: error: cannot push") and "\n" not in err
    assert hub.calls == []


def test_push_to_an_unreachable_hub_fails_before_the_evaluation(
    checkpoint, monkeypatch, capsys
):
    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")  # refused
    monkeypatch.setenv("HF_TOKEN", "hf_not_a_real_token")

    def export(*args, **kwargs):
        raise AssertionError("exported and scored for a push that cannot happen")

    monkeypatch.setattr(PUSH, "export_checkpoint", export)
    assert main(["push", str(checkpoint), "--repo_id", REPO_ID]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "cannot reach the Hugging Face Hub" in err
    assert err.endswith("nothing was changed on the Hub")


def test_cli_export_writes_what_push_would_upload(checkpoint, tmp_path):
    out = tmp_path / "out"
    assert main(["export", str(checkpoint), str(out), "--repo_id", REPO_ID]) == 0
    assert sorted(p.name for p in out.iterdir()) == EXPORTED_FILES


def test_cli_export_onnx_adds_graphs_that_decode_like_torch(
    predictor, checkpoint, tmp_path
):
    out = tmp_path / "out"
    assert main(["export", str(checkpoint), str(out), "--onnx"]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*EXPORTED_FILES, *ONNX_FILES]
    )
    served = load(out, runtime="onnxruntime")
    assert list(served.model.parameters()) == []  # no torch model
    beam = DecodeConfig(method="beam", beam_size=3, max_length=10)
    assert texts_of(served) == texts_of(predictor)
    assert texts_of(served, beam) == texts_of(predictor, beam)
    assert texts_of(load(out, precision="int8", runtime="onnxruntime"))


def test_onnxruntime_exports_a_folder_s_graphs_not_a_checkpoint_s(
    exported, checkpoint, tmp_path, monkeypatch
):
    """A folder without graphs is served from graphs exported into the cache (the
    folder stays as it was); a checkpoint is refused with what to run."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    assert load(exported, runtime="onnxruntime").serving.runtime == "onnxruntime"
    assert not any((exported / name).exists() for name in ONNX_FILES)
    assert list((tmp_path / "s2s-hub" / "onnx").glob(f"*/{ONNX_FILES[0]}"))
    with pytest.raises(ValueError, match="is a checkpoint: write them with"):
        load(checkpoint, runtime="onnxruntime")


def test_model_sources_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(
        MODELS_ENV, " reverse=org/rev , chitchat=checkpoints/chat,reverse=org/rev2"
    )
    assert default_model_sources(tmp_path) == {
        "reverse": ["org/rev", "org/rev2"],
        "chitchat": ["checkpoints/chat"],
    }


def test_the_environment_adds_to_the_bundled_models_or_replaces_them(
    monkeypatch, tmp_path
):
    for name in ("reverse", "translation"):
        (tmp_path / "checkpoints" / name).mkdir(parents=True)
    bundled = str(tmp_path / "checkpoints" / "translation")
    monkeypatch.setenv(MODELS_ENV, "numwords=my-export,reverse=org/rev")
    monkeypatch.delenv(MODELS_ONLY_ENV, raising=False)
    assert default_model_sources(tmp_path) == {
        "numwords": ["my-export"],
        "reverse": ["org/rev"],
        "translation": [bundled],
    }
    monkeypatch.setenv(MODELS_ONLY_ENV, "1")
    assert default_model_sources(tmp_path) == {
        "numwords": ["my-export"],
        "reverse": ["org/rev"],
    }


@pytest.mark.parametrize("spec", ["reverse", "reverse=", "=org/x", "a=org/x,a=org/x"])
def test_bad_model_sources_are_refused(monkeypatch, spec):
    monkeypatch.setenv(MODELS_ENV, spec)
    with pytest.raises(ValueError, match=MODELS_ENV):
        default_model_sources()


def test_model_sources_default_to_bundled_folders(monkeypatch, tmp_path):
    monkeypatch.delenv(MODELS_ENV, raising=False)
    assert default_model_sources(tmp_path) == {}
    for name in ("reverse", "chitchat", ".hidden"):
        (tmp_path / "checkpoints" / name).mkdir(parents=True)
    (tmp_path / "checkpoints" / "README.md").write_text("not a model")
    assert default_model_sources(tmp_path) == {
        "chitchat": [str(tmp_path / "checkpoints" / "chitchat")],
        "reverse": [str(tmp_path / "checkpoints" / "reverse")],
    }
    chinese = tmp_path / "checkpoints" / "translation-en-zh"
    chinese.mkdir()
    (chinese / "config.json").write_text('{"task": "reverse"}')
    assert default_model_sources(tmp_path)["reverse"] == [
        str(tmp_path / "checkpoints" / "reverse"),
        str(chinese),
    ]


def test_space_models_are_the_sources_fetched_from_the_hub(tmp_path):
    (tmp_path / "checkpoints" / "reverse").mkdir(parents=True)
    sources = {"reverse": ["checkpoints/reverse", "org/rev2"], "chitchat": ["org/chat"]}
    assert hub_models(sources, tmp_path) == ["org/chat", "org/rev2"]


def test_space_front_matter_keeps_the_readme_text(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# s2s-hub\n\nTrain and share seq2seq models.\n")
    write_space_readme(readme, ["org/reverse-tiny"])
    card = SpaceCard.load(readme)
    assert card.data.sdk == "gradio"
    assert card.data.app_file == "app.py"
    assert card.data.sdk_version == version("gradio")
    assert card.data.models == ["org/reverse-tiny"]
    assert card.data.license == "apache-2.0"
    assert card.text.strip() == "# s2s-hub\n\nTrain and share seq2seq models."


def test_space_requirements_install_a_cpu_torch():
    root = Path(__file__).resolve().parents[1]
    lines = (root / "requirements.txt").read_text().splitlines()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    assert "torch>=2.2" in lines
