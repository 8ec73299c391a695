"""The useful work of training one target token, counted from the architecture.

A multiply-add is 2 FLOPs; only matrix products are counted (element-wise gates,
softmax and tanh are memory-bound and small). With H the hidden size, E the embedding
size, M = 2H the encoder output size (bidirectional), G = 4H the LSTM gate width
(3H for GRU), V the vocabulary, L_e / L_d the layers and, measured on the training
data, r = source tokens per target token, S = source positions a target token
attends over (sum_i S_i T_i / sum_i T_i) and T = target tokens per sentence:

=====================  =====================================================
encoder (per target)   r * sum_layers dirs * 2G (in + H); in = E, then M
attention keys         r * 2MH (W_k h_s or W_a h_s, projected once)
bridge                 2MH / T (once per sentence)
decoder RNN            2G (E + X) + L_d * 2GH + (L_d - 1) * 2GH, with X the
                       rest of layer 0's input: H (input feed) + M (context,
                       Bahdanau wiring only)
attention scores       additive: 2H^2 (W_q s) + 2HS (v . tanh); general: 2HS
attention context      2MS (weights @ memory)
attentional vector     2(H + M)H (tanh(W_c [s; c]))
output layer           2HV (only real target tokens; padding is not useful)
=====================  =====================================================

A Transformer (``arch: transformer``, width D, feed-forward width F) counts, per
target token, with S_e = source positions a source token attends over and S_d =
target positions a target token attends over (causal: (T_i + 1) / 2 on average):

========================  ===================================================
encoder layers            r * L_e * (8D^2 (Q, K, V, out) + 4DF + 4D S_e)
decoder self-attention    L_d * (8D^2 + 4D S_d)
decoder source attention  L_d * (4D^2 (Q, out) + r * 4D^2 (K, V) + 4DS)
decoder feed-forward      L_d * 4DF
output layer              2DV
========================  ===================================================

Training costs three forward passes: the backward pass computes the gradients with
respect to both inputs and weights, each as large as the forward product.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from s2s_hub.model import Seq2SeqConfig
from s2s_hub.model.cells import GATES

TRAINING_PASSES = 3


@dataclass(frozen=True)
class LengthStats:
    """Source/target lengths of the training data (eos included on both sides),
    per target token: source tokens, source positions a target token attends over,
    source positions a source token attends over (a Transformer's encoder), target
    positions a target token attends over (its causal decoder); and target tokens
    per sentence."""

    source_per_target: float
    attended_positions: float
    target_length: float
    source_self_positions: float = 0.0
    target_self_positions: float = 0.0

    @classmethod
    def measure(
        cls, source_lengths: Sequence[int], target_lengths: Sequence[int]
    ) -> LengthStats:
        sources = [int(n) for n in source_lengths]
        targets = [int(n) for n in target_lengths]
        target_total = sum(targets)
        attended = sum(s * t for s, t in zip(sources, targets, strict=True))
        source_total = sum(sources)
        return cls(
            source_per_target=source_total / target_total,
            attended_positions=attended / target_total,
            target_length=target_total / len(targets),
            source_self_positions=sum(s * s for s in sources) / source_total,
            target_self_positions=sum(t * (t + 1) / 2 for t in targets) / target_total,
        )


def forward_flops(
    config: Seq2SeqConfig, lengths: LengthStats, context_into_rnn: bool | None = None
) -> dict[str, float]:
    """Forward FLOPs per target token, by component (see the module docstring).

    Args:
        context_into_rnn: whether the context vector is part of the decoder RNN's
            input; default: as our model wires ``config.attention`` (Bahdanau
            only). Joey NMT never does (``False``).
    """
    if config.arch == "transformer":
        return transformer_forward_flops(config, lengths)
    if context_into_rnn is None:
        context_into_rnn = config.attention == "bahdanau"
    h, e, v = config.hidden_size, config.emb_size, config.tgt_vocab_size
    m, g = config.encoder_output_size, GATES[config.cell] * config.hidden_size
    directions = 2 if config.bidirectional else 1
    encoder = sum(
        directions * 2 * g * ((e if layer == 0 else m) + h)
        for layer in range(config.encoder_layers)
    )
    extra = (h if config.input_feeding else 0) + (m if context_into_rnn else 0)
    layers = config.decoder_layers
    positions = lengths.attended_positions
    if config.is_local:
        positions = min(positions, 2 * config.local_window + 1)
    additive = config.attention in ("bahdanau", "concat")
    keyed = config.attention != "dot"
    return {
        "encoder": lengths.source_per_target * encoder,
        "attention keys": lengths.source_per_target * 2 * m * h * keyed,
        "bridge": 2 * m * h / lengths.target_length,
        "decoder rnn": 2 * g * (e + extra) + (2 * layers - 1) * 2 * g * h,
        "attention scores": 2 * h * h * additive + 2 * h * positions,
        "attention context": 2 * m * positions,
        "attentional vector": 2 * (h + m) * h,
        "output layer": 2 * h * v,
    }


def transformer_forward_flops(
    config: Seq2SeqConfig, lengths: LengthStats
) -> dict[str, float]:
    """A Transformer's forward FLOPs per target token, by component."""
    d, f, v = config.hidden_size, config.ff_size, config.tgt_vocab_size
    r = lengths.source_per_target
    layers = config.decoder_layers
    encoder_layer = 8 * d * d + 4 * d * f + 4 * d * lengths.source_self_positions
    return {
        "encoder layers": r * config.encoder_layers * encoder_layer,
        "decoder self-attention": layers
        * (8 * d * d + 4 * d * lengths.target_self_positions),
        "decoder source attention": layers
        * (4 * d * d + r * 4 * d * d + 4 * d * lengths.attended_positions),
        "decoder feed-forward": layers * 4 * d * f,
        "output layer": 2 * d * v,
    }


def training_flops_per_token(
    config: Seq2SeqConfig, lengths: LengthStats, context_into_rnn: bool | None = None
) -> float:
    """FLOPs of one trained target token: forward and backward."""
    forward = forward_flops(config, lengths, context_into_rnn)
    return TRAINING_PASSES * sum(forward.values())
