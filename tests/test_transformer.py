"""The Transformer (``model/transformer.py``): its cached steps compute what the
whole decoder computes, a padded batch decodes like its rows one at a time, and
beams carry their own cache."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
import torch
from torch import Tensor

from s2s_hub.model import Seq2Seq, Seq2SeqConfig
from s2s_hub.model.transformer_state import TransformerState
from s2s_hub.search import DecodeConfig, decode

VOCAB = 13
SRC = torch.tensor([[5, 6, 7, 8, 3], [9, 10, 3, 0, 0], [4, 3, 0, 0, 0]])
LENGTHS = torch.tensor([5, 3, 2])
TGT_IN = torch.tensor([[2, 4, 5, 6, 7], [2, 7, 8, 9, 3], [2, 11, 3, 0, 0]])
TOLERANCE = 1e-5


def tiny(**changes) -> Seq2Seq:
    torch.manual_seed(0)
    values = dict(
        src_vocab_size=VOCAB,
        tgt_vocab_size=VOCAB,
        hidden_size=16,
        encoder_layers=2,
        decoder_layers=2,
        dropout=0.0,
        arch="transformer",
        heads=2,
        ff_size=24,
    )
    return Seq2Seq(Seq2SeqConfig(**{**values, **changes})).eval()


@pytest.mark.parametrize("copy", [False, True])
def test_cached_steps_equal_teacher_forcing(copy):
    model = tiny(copy=copy, tie_embeddings=True)
    with torch.no_grad():
        output = model(SRC, LENGTHS, TGT_IN)
        state = model.encode(SRC, LENGTHS)
        for t in range(TGT_IN.size(1)):
            log_probs, attention, state = model.step(TGT_IN[:, t], state)
            expected = output.logits[:, t].log_softmax(-1)
            assert torch.allclose(log_probs, expected, atol=TOLERANCE)
            assert torch.allclose(attention, output.attention[:, t], atol=TOLERANCE)
    assert state.self_keys[0].shape == (3, 2, TGT_IN.size(1), 8)


def test_attention_is_a_distribution_over_real_source_positions():
    with torch.no_grad():
        attention = tiny()(SRC, LENGTHS, TGT_IN).attention  # batch x tgt x src
    assert torch.allclose(attention.sum(-1), torch.ones(3, TGT_IN.size(1)))
    padding = torch.arange(SRC.size(1)) >= LENGTHS.unsqueeze(1)  # batch x src
    assert (attention.masked_select(padding.unsqueeze(1)) == 0).all()


def test_a_target_position_never_sees_later_ones():
    model = tiny()
    changed = TGT_IN.clone()
    changed[:, 3:] = 12
    with torch.no_grad():
        before = model(SRC, LENGTHS, TGT_IN).logits
        after = model(SRC, LENGTHS, changed).logits
    assert torch.allclose(before[:, :3], after[:, :3], atol=TOLERANCE)
    assert not torch.allclose(before[:, 3:], after[:, 3:], atol=TOLERANCE)


@pytest.mark.parametrize("method", ["greedy", "beam"])
def test_a_padded_batch_decodes_like_its_rows_alone(method):
    model = tiny()
    config = DecodeConfig(method=method, beam_size=3, n_best=3, max_length=7)
    batch = decode(model, SRC, LENGTHS, config)
    for row, length in enumerate(LENGTHS.tolist()):
        alone = decode(
            model, SRC[row : row + 1, :length], LENGTHS[row : row + 1], config
        )
        assert [h.tokens for h in alone[0]] == [h.tokens for h in batch[row]]
        for mine, theirs in zip(alone[0], batch[row], strict=True):
            assert mine.score == pytest.approx(theirs.score, abs=TOLERANCE)
            assert torch.allclose(mine.attention, theirs.attention, atol=TOLERANCE)


def test_tied_embeddings_are_one_matrix_across_a_shared_vocabulary():
    tied = tiny(tie_embeddings=True)
    assert tied.encoder.embed.weight is tied.decoder.embed.weight
    assert tied.output_layer.weight is tied.decoder.embed.weight
    apart = tiny(tie_embeddings=True, src_vocab_size=VOCAB + 2)
    assert apart.encoder.embed.weight is not apart.decoder.embed.weight
    assert apart.output_layer.weight is apart.decoder.embed.weight


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"heads": 3}, "must split into 3 heads"),
        ({"hidden_size": 15, "heads": 5}, "must be even"),
        ({"heads": 0}, "heads must be a positive int"),
        ({"arch": "cnn"}, "arch must be one of"),
    ],
)
def test_bad_sizes_are_named(changes, message):
    with pytest.raises(ValueError, match=message):
        tiny(**changes)


def test_an_unknown_arch_is_named_without_the_transformer_s_checks():
    with pytest.raises(ValueError) as error:
        tiny(arch="cnn", heads=3)
    assert "arch must be one of ('rnn', 'transformer'), got 'cnn'" in str(error.value)
    assert "heads" not in str(error.value)


def test_the_variant_names_the_architecture_or_the_rnn_s_attention():
    assert tiny().config.variant == "transformer"
    rnn = Seq2SeqConfig(VOCAB, VOCAB, attention="local-p")
    assert rnn.variant == "local-p"


def test_rnn_options_do_not_bind_a_transformer():
    # a Transformer's embeddings are hidden_size wide whatever emb_size says
    model = tiny(emb_size=7, tie_embeddings=True, attention="dot")
    assert model.decoder.embed.weight.shape == (VOCAB, 16)


@dataclass
class _Checked:
    """A ``TransformerState`` beside the tokens each row was fed so far."""

    cached: TransformerState
    history: Tensor  # rows x steps

    def reorder(self, index: Tensor) -> _Checked:
        return _Checked(self.cached.reorder(index), self.history[index])

    def expand(self, count: int) -> _Checked:
        history = self.history.repeat_interleave(count, 0)
        return _Checked(self.cached.expand(count), history)

    def keep(self, rows: Tensor, sentences: Tensor) -> _Checked:
        return _Checked(self.cached.keep(rows, sentences), self.history[rows])


class FullRerun:
    """Decodes a model through its cache and checks every step against the
    whole decoder re-run over the row's tokens so far."""

    def __init__(self, model: Seq2Seq) -> None:
        self.model = model
        self.pad_id, self.bos_id, self.eos_id = model.pad_id, model.bos_id, model.eos_id
        self.steps = self.left = 0  # steps; steps after which a sentence left
        self.rows = 0
        self.largest = 0.0

    def encode(self, src: Tensor, src_lengths: Tensor) -> _Checked:
        state = self.model.encode(src, src_lengths)
        return _Checked(state, src.new_zeros(src.size(0), 0))

    def step(self, prev_tokens: Tensor, state: _Checked):
        log_probs, attention, cached = self.model.step(prev_tokens, state.cached)
        history = torch.cat([state.history, prev_tokens.unsqueeze(1)], dim=1)
        rows = torch.arange(history.size(0))
        # each row its own sentence; teacher forcing ignores the cache
        vectors, full_attention = self.model.decoder(history, state.cached.select(rows))
        full = self.model.output_layer(vectors[:, -1]).log_softmax(-1)
        self.largest = max(
            self.largest,
            (log_probs - full).abs().max().item(),
            (attention - full_attention[:, -1]).abs().max().item(),
        )
        self.steps += 1
        self.left += 0 < history.size(0) < self.rows
        self.rows = history.size(0)
        return log_probs, attention, _Checked(cached, history)


@pytest.mark.parametrize("method", ["greedy", "beam"])
def test_cached_decoding_equals_a_full_rerun_per_step(method):
    checked = FullRerun(tiny())
    config = DecodeConfig(method=method, beam_size=3, n_best=2, max_length=8)
    hypotheses = decode(checked, SRC, LENGTHS, config)
    plain = decode(checked.model, SRC, LENGTHS, config)
    assert checked.steps > 3 and checked.largest < TOLERANCE
    assert [[h.tokens for h in n] for n in hypotheses] == [
        [h.tokens for h in n] for n in plain
    ]


def test_beam_search_reorders_the_cache_as_sentences_finish():
    model = tiny()
    # sharper outputs and a likelier eos: the sentences end after 2, 6 and 9 tokens
    with torch.no_grad():
        model.output_layer.weight *= 3
        model.output_layer.bias[3] = 1.0
    checked = FullRerun(model)
    decode(
        checked, SRC, LENGTHS, DecodeConfig(method="beam", beam_size=2, max_length=9)
    )
    assert checked.left == 2 and checked.largest < TOLERANCE


def test_a_step_may_be_a_tensor():
    model = tiny()
    with torch.no_grad():
        state = model.encode(SRC, LENGTHS)
        _, _, state = model.step(TGT_IN[:, 0], state)
        expected, _, _ = model.step(TGT_IN[:, 1], state)
        traced = replace(state, step=torch.tensor(1))
        actual, _, _ = model.step(TGT_IN[:, 1], traced)
    assert torch.equal(expected, actual)
