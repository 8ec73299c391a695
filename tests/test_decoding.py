"""Search on the real model: what the scripted tests of test_search.py prove on
hand-written tables must also hold where DecoderState.select reorders real states."""

import pytest
import torch

from s2s_hub.model import Seq2Seq, Seq2SeqConfig
from s2s_hub.search import decode
from s2s_hub.search.config import DecodeConfig

SRC = torch.tensor([[5, 6, 7, 8, 9, 3], [5, 6, 3, 0, 0, 0], [7, 7, 7, 3, 0, 0]])
LENGTHS = torch.tensor([6, 3, 4])


@pytest.fixture(scope="module", params=["bahdanau", "local-p"])
def model(request) -> Seq2Seq:
    torch.manual_seed(0)
    config = Seq2SeqConfig(
        src_vocab_size=12,
        tgt_vocab_size=12,
        emb_size=8,
        hidden_size=8,
        attention=request.param,
        local_window=2,
        dropout=0.0,
    )
    return Seq2Seq(config).eval()


def teacher_forced_log_prob(model: Seq2Seq, row: int, tokens: list[int]) -> float:
    target = torch.tensor([tokens])
    tgt_in = torch.cat([torch.tensor([[model.bos_id]]), target[:, :-1]], dim=1)
    logits = model(SRC[row : row + 1, : LENGTHS[row]], LENGTHS[row : row + 1], tgt_in)
    log_probs = logits.logits.log_softmax(-1)[0]
    return log_probs.gather(1, target.T).sum().item()


def test_beam_of_one_is_greedy(model):
    greedy = decode(model, SRC, LENGTHS, DecodeConfig(method="greedy", max_length=7))
    beam = decode(model, SRC, LENGTHS, DecodeConfig(beam_size=1, max_length=7))
    assert [h[0].tokens for h in greedy] == [h[0].tokens for h in beam]


def test_beam_scores_are_teacher_forced_log_probs(model):
    config = DecodeConfig(beam_size=4, n_best=4, max_length=6, length_penalty=0.0)
    for row, nbest in enumerate(decode(model, SRC, LENGTHS, config)):
        assert [h.score for h in nbest] == sorted(
            (h.score for h in nbest), reverse=True
        )
        for hypothesis in nbest:
            tokens = hypothesis.tokens + (
                [model.eos_id]
                if len(hypothesis.attention) > len(hypothesis.tokens)
                else []
            )
            expected = teacher_forced_log_prob(model, row, tokens)
            assert hypothesis.log_prob == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("method", ["greedy", "beam"])
def test_batch_equals_one_by_one(model, method):
    config = DecodeConfig(
        method=method, beam_size=3, n_best=2 if method == "beam" else 1, max_length=6
    )
    batch = decode(model, SRC, LENGTHS, config)
    for row in range(SRC.size(0)):
        alone = decode(
            model, SRC[row : row + 1, : LENGTHS[row]], LENGTHS[row : row + 1], config
        )[0]
        assert [h.tokens for h in alone] == [h.tokens for h in batch[row]]
        for a, b in zip(alone, batch[row], strict=True):
            torch.testing.assert_close(a.attention, b.attention, atol=1e-5, rtol=1e-4)


def test_attention_has_a_row_per_output_and_sums_to_one(model):
    for nbest in decode(model, SRC, LENGTHS, DecodeConfig(beam_size=2, max_length=5)):
        attention = nbest[0].attention
        assert attention.shape[0] in (len(nbest[0].tokens), len(nbest[0].tokens) + 1)
        torch.testing.assert_close(attention.sum(-1), torch.ones(attention.shape[0]))


def test_top_k_one_sampling_is_greedy(model):
    greedy = decode(model, SRC, LENGTHS, DecodeConfig(method="greedy", max_length=6))
    sampled = decode(
        model,
        SRC,
        LENGTHS,
        DecodeConfig(method="sample", top_k=1, seed=3, max_length=6),
    )
    assert [h[0].tokens for h in greedy] == [h[0].tokens for h in sampled]
