"""What a model must offer to be decoded: an encoder call and a one-token step.

Every search method drives a model through these two calls only, so any seq2seq
model (RNN or not) that implements them can be decoded, and tests can script one.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from torch import Tensor

from s2s_hub.search.candidates import Candidates


class SearchState(Protocol):
    """Whatever the decoder carries between steps: an RNN's hidden state or a
    Transformer's key/value cache, encoder outputs, source mask. Searches never
    look inside it; they only pick rows of it."""

    def reorder(self, index: Tensor) -> SearchState:
        """The state of the rows at ``index``, in that order, where the index only
        moves rows among those of their own source sentence (beam search after
        every step; a row may repeat), so per-sentence parts (encoder outputs)
        stay as they are.

        Args:
            index: row numbers, shape (rows,), dtype long.
        """
        ...

    def expand(self, count: int) -> SearchState:
        """Each row repeated ``count`` times, consecutively: beam search's start,
        where every sentence gets its beams."""
        ...

    def keep(self, rows: Tensor, sentences: Tensor) -> SearchState:
        """The rows at ``rows`` (each sentence's together, in ``sentences``'
        order), when the sentences not in ``sentences`` leave the batch.

        Args:
            rows: row numbers, shape (rows',), dtype long.
            sentences: the sentences kept, numbered by their place in the batch
                as it is now, shape (sentences',), dtype long.
        """
        ...


class Decodable(Protocol):
    """A model that can be decoded one token at a time."""

    @property
    def pad_id(self) -> int: ...

    @property
    def bos_id(self) -> int: ...

    @property
    def eos_id(self) -> int: ...

    def encode(self, src: Tensor, src_lengths: Tensor) -> SearchState:
        """Read a padded batch of sources.

        Args:
            src: token ids, shape (batch, src_len), dtype long, padded with pad_id.
            src_lengths: real length of each source, shape (batch,).
        """
        ...

    def step(
        self, prev_tokens: Tensor, state: SearchState
    ) -> tuple[Tensor, Tensor, SearchState]:
        """Feed one token per row and predict the next.

        Args:
            prev_tokens: the previous token of each row, shape (rows,), dtype long;
                bos_id at the first step. A row that ended is fed its eos and then
                pad_id while other rows go on; its outputs are ignored.
            state: the state returned by ``encode`` or the last ``step``.

        Returns:
            Float32 log-probabilities of shape (rows, vocab), attention weights over
            source positions of shape (rows, src_len), and the new state.
        """
        ...


@runtime_checkable
class RanksCandidates(Protocol):
    """A ``Decodable`` whose step can also make beam search's choice itself.

    Beam search needs only each sentence's best few extensions
    (``search.candidates``); a model served by ONNX Runtime ranks them in its
    step graph, where ranking them in torch cost a tenth of a step and more
    (issue 34).
    """

    def step_candidates(
        self, prev_tokens: Tensor, state: SearchState, scores: Tensor, count: int
    ) -> tuple[Candidates, Tensor, SearchState]:
        """``step``, returning in place of all log-probabilities the choice
        ``top_candidates(scores, log_probs, count, eos_id)`` makes of them, for
        beams whose summed log-probabilities are ``scores`` (live, beam)."""
        ...
