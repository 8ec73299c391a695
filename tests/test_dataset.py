"""TokenizedPairs (length policies, counts, EOS) and collate (padding, shift)."""

from __future__ import annotations

import logging

import pytest
import pytorch_lightning as pl
import torch

from s2s_hub.data.collate import Batch, collate
from s2s_hub.data.dataset import TokenizedPairs, encoder_input
from s2s_hub.data.pairs import Pair

PAD, BOS, EOS = 0, 2, 3


class WordTokenizer:
    """One id per whitespace-separated word, so token counts are word counts."""

    pad_id, unk_id, bos_id, eos_id, vocab_size = PAD, 1, BOS, EOS, 100

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [[4 + len(word) for word in text.split()] for text in texts]


def words(n: int) -> str:
    return " ".join("w" * (i % 5 + 1) for i in range(n))


def tokenized(pairs: list[Pair], policy: str) -> TokenizedPairs:
    return TokenizedPairs(
        pairs,
        WordTokenizer(),
        max_source_tokens=3,
        max_target_tokens=2,
        policy=policy,
        split="dev",
    )


PAIRS = [
    Pair(words(2), words(1)),
    Pair(words(5), words(2)),  # source too long
    Pair(words(3), words(4)),  # target too long
    Pair("   ", words(1)),  # empty source
    Pair(words(1), words(2)),
]


def test_sources_and_targets_end_with_eos() -> None:
    data = tokenized(PAIRS, "filter")
    source, target, index = data[0]
    assert source.tolist() == [5, 6, EOS]
    assert target.tolist() == [5, EOS]
    assert source.dtype == target.dtype == torch.long
    assert index == 0


def test_filter_drops_long_and_empty_pairs_and_logs_counts(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        data = tokenized(PAIRS, "filter")
    assert data.report == {
        "pairs": 5,
        "kept": 2,
        "empty": 1,
        "truncated": 0,
        "filtered": 2,
    }
    assert [data[i].index for i in range(len(data))] == [0, 4]
    message = caplog.records[-1].getMessage()
    assert caplog.records[-1].levelno == logging.WARNING
    assert "dev split" in message and "2 filtered" in message
    assert "1 dropped as empty" in message


def test_truncate_cuts_long_sides_to_the_limits_and_logs_counts(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        data = tokenized(PAIRS, "truncate")
    assert data.report["truncated"] == 2 and data.report["filtered"] == 0
    assert [data[i].index for i in range(len(data))] == [0, 1, 2, 4]
    assert len(data[1].source) == 3  # 5 words cut to max_source_tokens
    assert data[2].target.tolist()[-1] == EOS and len(data[2].target) == 2 + 1
    assert "2 truncated" in caplog.records[-1].getMessage()


def test_lengths_are_the_stored_sizes() -> None:
    data = tokenized(PAIRS, "truncate")
    assert data.source_lengths.tolist() == [len(e.source) for e in data]
    assert data.target_lengths.tolist() == [len(e.target) for e in data]


def test_clean_split_logs_no_warning(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        tokenized([PAIRS[0], PAIRS[4]], "filter")
    assert not caplog.records


def test_unknown_policy_is_rejected() -> None:
    with pytest.raises(ValueError, match="length policy"):
        tokenized(PAIRS, "drop")


def batch_of(pairs: list[Pair]) -> Batch:
    data = tokenized(pairs, "truncate")
    return collate(list(data), pad_id=PAD, bos_id=BOS)


def test_collate_pads_and_shifts_targets() -> None:
    batch = batch_of([Pair(words(1), words(2)), Pair(words(3), words(1))])
    assert batch.src.tolist() == [[5, EOS, PAD], [5, 6, EOS]]
    assert batch.src_lengths.tolist() == [2, 3]
    assert batch.tgt_out.tolist() == [[5, 6, EOS], [5, EOS, PAD]]
    assert batch.tgt_in.tolist() == [[BOS, 5, 6], [BOS, 5, PAD]]
    assert batch.index.tolist() == [0, 1]
    assert batch.n_tokens == 5 == int((batch.tgt_out != PAD).sum())


def test_lightning_moves_the_batch_dataclass() -> None:
    batch = batch_of([Pair(words(2), words(2))])
    moved = pl.LightningModule().transfer_batch_to_device(
        batch, torch.device("meta"), dataloader_idx=0
    )
    assert isinstance(moved, Batch)
    for name in ("src", "src_lengths", "tgt_in", "tgt_out", "index"):
        assert getattr(moved, name).is_meta
    assert moved.n_tokens == batch.n_tokens
    assert batch.src.device.type == "cpu"


def test_encoder_input_keeps_the_start_or_the_end() -> None:
    assert encoder_input([7, 8, 9], limit=3, eos_id=EOS) == [7, 8, EOS]
    assert encoder_input([7, 8, 9], limit=3, eos_id=EOS, keep_end=True) == [8, 9, EOS]
    assert encoder_input([], limit=3, eos_id=EOS) == [EOS]
    assert encoder_input([7], limit=1, eos_id=EOS, keep_end=True) == [EOS]


def test_truncating_dialogue_sources_keeps_the_newest_turns() -> None:
    data = TokenizedPairs(
        [Pair(words(5), words(1))],
        WordTokenizer(),
        3,
        2,
        policy="truncate",
        keep_source_end=True,
    )
    assert data[0].source.tolist() == [8, 9, EOS]
