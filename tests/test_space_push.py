"""``s2s-hub space push`` against ``HfApi`` mocked at its methods."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from types import SimpleNamespace

import httpx2
import pytest
import yaml
from huggingface_hub import HfApi, constants

from s2s_hub.cli.main import main
from s2s_hub.hub.space_push import push_space

ROOT = Path(__file__).resolve().parents[1]
PUSH = sys.modules["s2s_hub.hub.push"]  # the module, not the function


class FakeSpaceHub:
    """Records the calls, and the files of the folder as ``upload_folder`` saw it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: dict[str, dict] = {}
        self.files: dict[str, bytes] = {}
        monkeypatch.setattr(HfApi, "create_repo", self.create_repo)
        monkeypatch.setattr(HfApi, "upload_folder", self.upload_folder)
        monkeypatch.setattr(HfApi, "add_space_variable", self.add_space_variable)
        # the token and the probe a push makes before any work
        monkeypatch.setenv("HF_TOKEN", "hf_test")
        monkeypatch.setattr(PUSH, "whoami", lambda endpoint, token: {"name": "me"})

    def create_repo(self, repo_id, **kwargs):
        self.calls["create_repo"] = {"repo_id": repo_id, **kwargs}
        return SimpleNamespace(repo_id=repo_id)

    def upload_folder(self, **kwargs):
        self.calls["upload_folder"] = kwargs
        folder = Path(kwargs["folder_path"])
        self.files = {
            str(p.relative_to(folder)): p.read_bytes()
            for p in folder.rglob("*")
            if p.is_file()
        }

    def add_space_variable(self, repo_id, key, value, **kwargs):
        self.calls["add_space_variable"] = {"repo_id": repo_id, key: value}


def front_matter(readme: bytes) -> dict:
    return yaml.safe_load(readme.decode().split("---")[1])


def test_space_push_uploads_app_library_and_models(monkeypatch, toy_model_dir):
    hub = FakeSpaceHub(monkeypatch)
    models = {
        "reverse": [str(toy_model_dir), str(toy_model_dir)],
        "translation": ["org/translation"],
    }
    url = push_space("org/demo", models, root=ROOT, private=True)
    assert url == "https://huggingface.co/spaces/org/demo"
    created = hub.calls["create_repo"]
    assert created["repo_type"] == "space" and created["space_sdk"] == "gradio"
    assert created["private"] is True
    assert hub.calls["upload_folder"]["repo_type"] == "space"
    files = set(hub.files)
    assert {"app.py", "requirements.txt", "packages.txt", "README.md"} <= files
    assert {"s2s_hub/__init__.py", "tasks/translation.py"} <= files
    assert "tasks/data/dialogue/demo.txt" in files
    assert not [f for f in files if "__pycache__" in f or f.endswith(".tsv.gz")]
    bundled = {f for f in files if f.startswith("checkpoints/")}
    assert {
        "checkpoints/reverse/model.safetensors",
        "checkpoints/reverse-2/config.json",
    } <= bundled
    assert not [f for f in bundled if not f.startswith("checkpoints/reverse")]
    meta = front_matter(hub.files["README.md"])
    assert meta["sdk"] == "gradio" and meta["app_file"] == "app.py"
    assert meta["models"] == ["org/translation"]
    assert hub.calls["add_space_variable"] == {
        "repo_id": "org/demo",
        "S2S_HUB_MODELS": "reverse=checkpoints/reverse,reverse=checkpoints/reverse-2,"
        "translation=org/translation",
    }


def test_space_push_cli_prints_the_url(monkeypatch, toy_model_dir, capsys):
    hub = FakeSpaceHub(monkeypatch)
    argv = ["space", "push", "org/demo", "--models", f"reverse={toy_model_dir}"]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == "https://huggingface.co/spaces/org/demo"
    assert hub.calls["create_repo"]["private"] is False


def test_space_push_offline_says_how_to_fix_it(monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert main(["space", "push", "org/demo"]) == 2
    assert "HF_HUB_OFFLINE" in capsys.readouterr().err


def test_an_unreachable_hub_is_one_line_and_nothing_changed(monkeypatch, capsys):
    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")  # refused
    monkeypatch.setenv("HF_TOKEN", "hf_not_a_real_token")
    model = f"reverse={ROOT / 'checkpoints' / 'reverse'}"
    assert main(["space", "push", "org/demo", "--models", model]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "cannot reach the Hugging Face Hub" in err
    assert err.endswith("nothing was changed on the Hub")


def test_a_hub_lost_after_the_commit_says_what_was_changed(monkeypatch, capsys):
    hub = FakeSpaceHub(monkeypatch)

    def lost(api, *args, **kwargs):
        raise httpx2.ConnectTimeout("timed out")

    monkeypatch.setattr(HfApi, "add_space_variable", lost)
    model = f"reverse={ROOT / 'checkpoints' / 'reverse'}"
    assert main(["space", "push", "org/demo", "--models", model]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "ConnectTimeout" in err
    assert "the demo was committed to org/demo" in err
    assert "S2S_HUB_MODELS=reverse=checkpoints/reverse" in err
    assert "upload_folder" in hub.calls


def test_a_hub_that_never_answers_times_out_in_one_line(monkeypatch, capsys):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{port}")
        monkeypatch.setattr(constants, "HF_HUB_ETAG_TIMEOUT", 1)
        monkeypatch.setenv("HF_TOKEN", "hf_not_a_real_token")
        model = f"reverse={ROOT / 'checkpoints' / 'reverse'}"
        assert main(["space", "push", "org/demo", "--models", model]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "ReadTimeout" in err
    assert err.endswith("nothing was changed on the Hub")
