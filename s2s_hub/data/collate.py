"""Padding a list of examples into the tensors a teacher-forced decoder needs."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.nn.utils.rnn import pad_sequence

from s2s_hub.data.dataset import Example


@dataclass
class Batch:
    """A padded batch; Lightning moves it to the device through ``to``.

    Attributes:
        src: source ids, shape (batch_size, src_len), padded with ``pad_id``.
        src_lengths: true source lengths, shape (batch_size,). Packing an RNN input
            needs them on the CPU, so call ``.cpu()`` after a move to an accelerator.
        tgt_in: decoder input ``[bos] + target``, shape (batch_size, tgt_len).
        tgt_out: decoder gold ``target + [eos]``, shape (batch_size, tgt_len); pad
            exactly where ``tgt_in`` is pad.
        index: position of each example in its split's pair list, shape
            (batch_size,), to find reference texts and restore input order.
        n_tokens: non-pad tokens of ``tgt_out``, the loss normalizer; a plain int so
            reading it never waits for the device.
    """

    src: Tensor
    src_lengths: Tensor
    tgt_in: Tensor
    tgt_out: Tensor
    index: Tensor
    n_tokens: int

    def to(self, device: torch.device | str) -> Batch:
        """A copy whose tensors live on ``device``."""
        moved = {
            field.name: value.to(device)
            for field in dataclasses.fields(self)
            if isinstance(value := getattr(self, field.name), Tensor)
        }
        return dataclasses.replace(self, **moved)


def collate(examples: Sequence[Example], pad_id: int, bos_id: int) -> Batch:
    """Pads examples whose targets already end in EOS (see ``TokenizedPairs``).

    Bind the ids with ``functools.partial`` to get a DataLoader ``collate_fn``.
    """
    sources, targets, indices = zip(*examples, strict=True)
    src = pad_sequence(sources, batch_first=True, padding_value=pad_id)  # B x S
    tgt_out = pad_sequence(targets, batch_first=True, padding_value=pad_id)  # B x T
    bos = torch.full_like(tgt_out[:, :1], bos_id)  # B x 1
    # Shifting right moves each row's EOS into its first pad slot; re-pad it there.
    tgt_in = torch.cat([bos, tgt_out[:, :-1]], dim=1).masked_fill(
        tgt_out == pad_id, pad_id
    )  # B x T
    return Batch(
        src=src,
        src_lengths=torch.tensor([len(s) for s in sources], dtype=torch.long),
        tgt_in=tgt_in,
        tgt_out=tgt_out,
        index=torch.tensor(indices, dtype=torch.long),
        n_tokens=sum(len(t) for t in targets),
    )
