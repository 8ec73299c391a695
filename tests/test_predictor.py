"""Reading a ``.ckpt``: never unpickling code, and one line naming a bad file."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import torch
from conftest import toy_predictor

from s2s_hub.cli.main import main
from s2s_hub.data.pairs import Pair
from s2s_hub.model import Seq2Seq, Seq2SeqConfig
from s2s_hub.predictor import Predictor
from s2s_hub.registry import get_task
from s2s_hub.search import Hypothesis
from s2s_hub.search.config import DecodeConfig
from s2s_hub.search.rollout import rollout
from s2s_hub.tokenizer import Tokenizer

TASK_OPTIONS = {"length": 4, "alphabet": 5, "train_size": 40, "eval_size": 6}


class Trap:
    """Pickles as a call to ``os.makedirs(marker)``: it runs if unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.makedirs, (str(self.marker),))


@pytest.fixture(scope="module")
def contents() -> dict:
    """What ``s2s-hub train`` writes into a ``.ckpt``, down to the keys we read."""
    task = get_task("reverse", **TASK_OPTIONS)
    texts = [text for pair in task.pairs("train") for text in pair]
    tokenizer = Tokenizer.train(texts, vocab_size=20, byte_fallback=False)
    config = Seq2SeqConfig(
        src_vocab_size=tokenizer.vocab_size,
        tgt_vocab_size=tokenizer.vocab_size,
        emb_size=4,
        hidden_size=4,
    )
    weights = Seq2Seq(config).state_dict()
    return {
        "global_step": 3,
        "state_dict": {f"model.{k}": v for k, v in weights.items()},
        "hyper_parameters": {
            "model": config.to_dict(),
            "task": "reverse",
            "task_options": task.options(),
        },
        "tokenizer_model": tokenizer.to_bytes(),
    }


def save(contents: object, path: Path) -> Path:
    torch.save(contents, path)
    return path


def test_a_checkpoint_of_ours_loads_and_decodes(contents, tmp_path):
    predictor = Predictor.from_checkpoint(save(contents, tmp_path / "good.ckpt"))
    loaded = predictor.model.state_dict()
    saved = {k.removeprefix("model."): v for k, v in contents["state_dict"].items()}
    assert loaded.keys() == saved.keys()
    assert all(torch.equal(loaded[k], v) for k, v in saved.items())
    assert predictor.tokenizer.to_bytes() == contents["tokenizer_model"]
    # checkpoints written by training itself: test_cli.py and test_curve.py


def test_a_pickled_object_is_refused_and_never_run(contents, tmp_path):
    marker = tmp_path / "code-ran"
    path = save({**contents, "extra": Trap(marker)}, tmp_path / "trap.ckpt")
    with pytest.raises(ValueError, match=r"holds pickled os\.makedirs") as error:
        Predictor.from_checkpoint(path)
    assert str(path) in str(error.value)
    assert not marker.exists()


def cut(path: Path) -> Path:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


def hparams(contents: dict, **changes) -> dict:
    return {**contents, "hyper_parameters": {**contents["hyper_parameters"], **changes}}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(
            lambda c, p: cut(save(c, p)), "not a readable checkpoint", id="truncated"
        ),
        pytest.param(
            lambda c, p: p.write_text("epoch: 3\n") and p,
            "not a readable checkpoint", id="text",
        ),
        pytest.param(
            lambda c, p: save({"state_dict": c["state_dict"], "epoch": 1}, p),
            "not an s2s-hub checkpoint", id="another-project",
        ),
        pytest.param(
            lambda c, p: save(torch.zeros(3), p), "not an s2s-hub checkpoint",
            id="a-tensor",
        ),
        pytest.param(
            lambda c, p: save(hparams(c, model={"hiden_size": 8}), p),
            r"do not describe .*hiden_size", id="unknown-model-key",
        ),
        pytest.param(
            lambda c, p: save(hparams(c, task="gone"), p),
            r"do not describe .*unknown task 'gone'", id="unknown-task",
        ),
        pytest.param(
            lambda c, p: save({**c, "state_dict": {"model.x": torch.ones(1)}}, p),
            "weights do not fit the model", id="other-weights",
        ),
    ],
)  # fmt: skip
def test_a_bad_checkpoint_is_one_cli_line_naming_the_file(
    contents, tmp_path, capsys, make, message
):
    path = make(contents, tmp_path / "model.ckpt")
    with pytest.raises(ValueError, match=message):
        Predictor.from_checkpoint(path)
    assert main(["predict", str(path), "a b"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"s2s-hub: error: {path}") and "\n" not in err


def test_score_equals_the_search_log_prob_of_a_forced_output():
    """Teacher-forced, padded and bucketed scoring gives each target the
    log-probability the search loop gives it, token by token."""
    predictor = toy_predictor(vocab_size=30, byte_fallback=False, size=8)
    pairs = predictor.task.pairs("test")[:5]
    pairs[1] = Pair(pairs[1].source, pairs[1].target[:3])  # lengths differ in a batch
    scores = predictor.score(pairs, batch_size=2)
    eos = predictor.tokenizer.eos_id
    for pair, score in zip(pairs, scores, strict=True):
        gold = torch.tensor(predictor.tokenizer.encode(pair.target) + [eos])
        forced = forced_output(predictor, pair.source, gold)
        assert score.tokens == len(gold)
        assert score.log_prob == pytest.approx(forced, abs=1e-4)
        assert score.mean_log_prob == pytest.approx(forced / len(gold), abs=1e-4)


def forced_output(predictor: Predictor, source: str, gold: torch.Tensor) -> float:
    """Search's log-probability of ``gold``: the rollout loop told to pick it."""
    steps = iter(gold.unsqueeze(1))
    src, lengths = predictor.encode([source])
    config = DecodeConfig(method="greedy", max_length=len(gold))
    with torch.inference_mode():
        (hypothesis,) = rollout(
            predictor.model, src, lengths, config, lambda _: next(steps)
        )
    return hypothesis.log_prob


def test_batches_in_streams_come_back_as_one_stream_decodes_them(monkeypatch):
    """A model that computes each call on one thread (ONNX Runtime) decodes
    batches side by side; the results are those of one batch after another,
    in the input's order."""
    predictor = toy_predictor(vocab_size=30, byte_fallback=False, size=8)
    texts = [pair.source for pair in predictor.task.pairs("test")] * 3
    texts = [text[: 1 + i % len(text)] for i, text in enumerate(texts)]
    config = DecodeConfig(method="beam", beam_size=2, n_best=2, max_length=6)
    one = predictor.predict(texts, config, batch_size=2)
    threads = set()
    decode_chunk = Predictor._decode_chunk

    def recorded(self, *args):
        threads.add(threading.current_thread())
        return decode_chunk(self, *args)

    monkeypatch.setattr(Predictor, "_decode_chunk", recorded)
    monkeypatch.setattr(Predictor, "streams", 2)
    two = predictor.predict(texts, config, batch_size=2)
    assert threading.main_thread() not in threads
    assert [[(p.text, p.log_prob) for p in nbest] for nbest in two] == [
        [(p.text, p.log_prob) for p in nbest] for nbest in one
    ]


def test_a_segmented_input_is_decoded_segment_by_segment_and_joined(monkeypatch):
    predictor = toy_predictor(vocab_size=30, byte_fallback=False, size=8)
    monkeypatch.setattr(type(predictor.task), "segments", lambda _, t: t.split(" | "))
    config = DecodeConfig(method="beam", beam_size=3, n_best=2, max_length=6)
    first, second = predictor.predict(["a b c", "d e"], config)
    (joined,) = predictor.predict(["a b c | d e"], config)
    assert len(joined) == 2
    for k, prediction in enumerate(joined):
        parts = (first[k], second[k])
        assert prediction.text == f"{parts[0].text} {parts[1].text}"
        assert prediction.log_prob == pytest.approx(sum(p.log_prob for p in parts))
        rows, cols = parts[0].attention.shape
        assert prediction.attention.shape == (
            rows + parts[1].attention.shape[0],
            cols + parts[1].attention.shape[1],
        )
        assert torch.equal(prediction.attention[:rows, :cols], parts[0].attention)
        assert not prediction.attention[:rows, cols:].any()
        assert len(prediction.source_pieces) == prediction.attention.shape[1]
        assert len(prediction.target_pieces) == prediction.attention.shape[0]


def test_segments_of_an_unspaced_language_are_joined_without_spaces(monkeypatch):
    predictor = toy_predictor(vocab_size=30, byte_fallback=False, size=8)
    monkeypatch.setattr(type(predictor.task), "segments", lambda _, t: t.split(" | "))
    monkeypatch.setattr(type(predictor.task), "segment_separator", "")
    config = DecodeConfig(method="greedy", max_length=6)
    first, second = predictor.predict(["a b c", "d e"], config)
    (joined,) = predictor.predict(["a b c | d e"], config)
    assert joined[0].text == first[0].text + second[0].text
    chinese = get_task("translation", data_dir="mine", target_lang="zh")
    assert (chinese.segment_separator, get_task("translation").segment_separator) == (
        "",
        " ",
    )


def test_translation_segments_multi_sentence_inputs():
    task = get_task("translation")
    assert task.segments("It is fast. It is small!") == ["It is fast.", "It is small!"]
    assert task.segments("Version 1.2 of foo.bar is out.") == [
        "Version 1.2 of foo.bar is out."
    ]
    whole = get_task("translation", translate_by_sentence=False)
    assert whole.segments("It is fast. It is small!") == ["It is fast. It is small!"]


def scripted(predictor: Predictor, monkeypatch, tokens: list[int], columns: list[int]):
    """Make the search answer ``tokens``, output piece k attending to source piece
    ``columns[k]`` alone (eos attends to the source's eos)."""

    def decode(model, src, lengths, config):
        attention = torch.zeros(len(tokens) + 1, int(lengths[0]))
        for row, column in enumerate([*columns, int(lengths[0]) - 1]):
            attention[row, column] = 1.0
        return [[Hypothesis(tokens, -1.0, -1.0, attention)]]

    monkeypatch.setattr("s2s_hub.predictor.decode", decode)


def test_bytes_the_model_could_not_spell_come_back_as_the_source_they_attended(
    monkeypatch,
):
    predictor = toy_predictor(vocab_size=300, byte_fallback=True, size=8)
    tokenizer = predictor.tokenizer
    source = "a 猫 b नमस्ते"
    pieces = tokenizer.pieces(tokenizer.encode(source))
    cat = pieces.index("<0xE7>")  # first byte of 猫: a character of three bytes
    broken = [tokenizer._sp.piece_to_id(p) for p in ("<0xE7>", "<0xE7>")]
    a, b = tokenizer.encode("a")[-1], tokenizer.encode("b")[-1]
    scripted(predictor, monkeypatch, [a, *broken, b], [0, cat, cat + 1, 0])
    (prediction,) = predictor.predict([source])[0]
    assert prediction.text == "a猫 b"  # b is a word-initial piece
    assert "\ufffd" not in prediction.text
    assert "\ufffd" in tokenizer._sp.decode([a, *broken, b])  # as it was


def test_unknown_pieces_come_back_as_the_source_words_they_attended(monkeypatch):
    predictor = toy_predictor(vocab_size=30, byte_fallback=False, size=8)
    tokenizer = predictor.tokenizer
    source = "a Привет b"
    ids = tokenizer.encode(source)
    assert tokenizer.unk_id in ids
    unknown = ids.index(tokenizer.unk_id)
    scripted(predictor, monkeypatch, [tokenizer.unk_id], [unknown])
    (prediction,) = predictor.predict([source])[0]
    assert prediction.text == "Привет"
