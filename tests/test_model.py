"""Shapes, masks and the step/teacher-forcing agreement of the model."""

import pytest
import torch

from s2s_hub.model import ATTENTIONS, Seq2Seq, Seq2SeqConfig

torch.set_num_threads(1)
SRC = torch.tensor([[5, 6, 7, 8, 3], [5, 6, 3, 0, 0]])
LENGTHS = torch.tensor([5, 3])
TGT_IN = torch.tensor([[2, 4, 5, 6], [2, 7, 0, 0]])


def tiny(attention: str, cell: str = "lstm", **changes) -> Seq2Seq:
    torch.manual_seed(0)
    values = dict(
        src_vocab_size=11,
        tgt_vocab_size=13,
        emb_size=6,
        hidden_size=7,
        encoder_layers=2,
        decoder_layers=2,
        cell=cell,
        attention=attention,
        bidirectional=attention != "dot",
        local_window=1,
        dropout=0.0,
    )
    config = Seq2SeqConfig(**{**values, **changes})
    return Seq2Seq(config).eval()


VARIANTS = [(a, c) for a in ATTENTIONS for c in ("lstm", "gru")]


@pytest.mark.parametrize(("attention", "cell"), VARIANTS)
def test_shapes_and_attention_rows_sum_to_one(attention, cell):
    logits, weights = tiny(attention, cell)(SRC, LENGTHS, TGT_IN)
    assert logits.shape == (2, 4, 13)
    assert weights.shape == (2, 4, 5)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 4))


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_padding_gets_no_weight_and_changes_nothing(attention):
    model = tiny(attention)
    out = model(SRC, LENGTHS, TGT_IN)
    assert out.attention[1, :, 3:].abs().max() == 0
    other_padding = SRC.clone()
    other_padding[1, 3:] = 9
    other = model(other_padding, LENGTHS, TGT_IN)
    torch.testing.assert_close(out.logits[1], other.logits[1])
    longer = torch.cat([SRC, torch.zeros(2, 3, dtype=torch.long)], dim=1)
    padded = model(longer, LENGTHS, TGT_IN)
    torch.testing.assert_close(out.logits, padded.logits)


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_rows_are_independent_of_the_batch(attention):
    model = tiny(attention)
    both = model(SRC, LENGTHS, TGT_IN)
    alone = model(SRC[1:, :3], LENGTHS[1:], TGT_IN[1:])
    torch.testing.assert_close(both.logits[1:], alone.logits)


@pytest.mark.parametrize("attention", ["bahdanau", "general", "local-p"])
def test_step_by_step_matches_teacher_forcing(attention):
    model = tiny(attention)
    logits, weights = model(SRC, LENGTHS, TGT_IN)
    state = model.encode(SRC, LENGTHS)
    for t in range(TGT_IN.size(1)):
        step_log_probs, step_weights, state = model.step(TGT_IN[:, t], state)
        torch.testing.assert_close(step_log_probs, logits[:, t].log_softmax(-1))
        torch.testing.assert_close(step_weights, weights[:, t])


def test_local_windows_only_cover_nearby_real_positions():
    local_m = tiny("local-m")
    _, weights = local_m(SRC, LENGTHS, TGT_IN)
    # step t sees [t - 1, t + 1] clipped to the sentence: row 1 has 3 real tokens
    assert weights[0, 0, 2:].abs().max() == 0
    assert weights[0, 2, [0, 4]].abs().max() == 0
    assert weights[1, 3, :1].abs().max() == 0
    local_p = tiny("local-p")
    _, weights = local_p(SRC, LENGTHS, TGT_IN)
    assert ((weights > 0).sum(-1) <= 3).all()


def test_tied_embeddings_share_one_matrix():
    model = tiny("general", emb_size=7, tie_embeddings=True)
    assert model.output_layer.weight is model.decoder.embed.weight


def test_state_select_reorders_rows():
    model = tiny("bahdanau")
    state = model.encode(SRC, LENGTHS).select(torch.tensor([1, 1, 0]))
    assert state.memory.shape[0] == 3 and state.hidden[0].shape[1] == 3
    torch.testing.assert_close(state.mask[0], state.mask[1])


@pytest.mark.parametrize("copy", [False, True])
@pytest.mark.parametrize("attention", ATTENTIONS)
def test_beams_sharing_their_sentence_decode_as_copies_would(attention, copy):
    model = tiny(attention, src_vocab_size=13, copy=copy)
    state = model.encode(SRC, LENGTHS)
    shared = state.expand(3)  # three beams per sentence, one memory
    copied = state.select(torch.arange(2).repeat_interleave(3))  # six memories
    assert shared.memory is state.memory and copied.memory.size(0) == 6
    tokens = torch.tensor([4, 5, 6, 7, 8, 9])
    index = torch.tensor([1, 0, 0, 5, 3, 4])  # beams move within their sentence
    with torch.no_grad():
        for _ in range(3):
            mine, mine_weights, shared = model.step(tokens, shared)
            reference, reference_weights, copied = model.step(tokens, copied)
            torch.testing.assert_close(mine, reference)
            torch.testing.assert_close(mine_weights, reference_weights)
            shared, copied = shared.reorder(index), copied.select(index)
        assert shared.memory is state.memory
        # the first sentence leaves: the second's rows and its memory stay
        kept = shared.keep(torch.tensor([4, 3, 3]), torch.tensor([1]))
        alone = copied.select(torch.tensor([4, 3, 3]))
        mine, _, _ = model.step(tokens[:3], kept)
        reference, _, _ = model.step(tokens[:3], alone)
    assert kept.memory.size(0) == 1
    torch.testing.assert_close(mine, reference)
