"""The projection from attentional vectors to vocabulary logits."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class OutputLayer(nn.Linear):
    """``nn.Linear`` that multiplies by a cached (in, out) weight copy in inference.

    Decoding one sentence is a product of a few rows against the 8,000 x 256 weight,
    read from memory at every step. MKL reads a contiguous (in, out) matrix faster
    than the transposed view ``nn.Linear`` hands it: on this project's 2-core
    benchmark machine, single-sentence greedy decoding ran 18% faster and beam 5 up
    to 22% (``bench/README.md``). With autograd on (training) it is ``nn.Linear``.
    The copy is rebuilt whenever the weight moves or changes in place, and at every
    switch between training and evaluation: the fused Adam kernel updates weights
    without bumping their version counter, and a copy kept across training steps
    made validation score the weights of its first round (perplexity 2-3x too high).
    """

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__(in_features, out_features)
        self._cache_key: tuple[int, int] | None = None
        self._transposed: Tensor | None = None

    def train(self, mode: bool = True) -> OutputLayer:
        # only a real switch: a Predictor's eval() on an evaluating model keeps it
        if mode != self.training:
            self._cache_key = None
            self._transposed = None
        return super().train(mode)

    def forward(self, x: Tensor) -> Tensor:
        if torch.is_grad_enabled():
            return super().forward(x)
        rows = x.reshape(-1, self.in_features)
        logits = torch.addmm(self.bias, rows, self._weight_in_out())
        return logits.view(*x.shape[:-1], self.out_features)

    def _weight_in_out(self) -> Tensor:
        key = (self.weight.data_ptr(), self.weight._version)
        if key != self._cache_key:
            self._transposed = self.weight.detach().t().contiguous()
            self._cache_key = key
        return self._transposed
