"""The plateau schedule reacts to every validation, not to epoch ends."""

from types import SimpleNamespace

import torch
from torch.optim.lr_scheduler import LambdaLR, ReduceLROnPlateau

from s2s_hub.training.system import Seq2SeqSystem

TINY = {"src_vocab_size": 16, "tgt_vocab_size": 16, "emb_size": 4, "hidden_size": 4}


def system_with(scheduler, val_loss: float) -> Seq2SeqSystem:
    system = Seq2SeqSystem(TINY, "reverse")
    system._trainer = SimpleNamespace(
        callback_metrics={"val_loss": torch.tensor(val_loss)},
        lr_scheduler_configs=[SimpleNamespace(scheduler=scheduler)],
    )
    return system


def test_plateau_halves_the_rate_after_patience_validations_without_a_new_low():
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    plateau = ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    system = system_with(plateau, val_loss=2.0)
    rates = []
    for _ in range(4):
        system._step_plateau()
        rates.append(optimizer.param_groups[0]["lr"])
    # the first validation sets the low; the next two do not beat it
    assert rates == [1.0, 1.0, 0.5, 0.5]
    system.lr_scheduler_step(plateau, metric=5.0)  # Lightning's epoch-end call
    assert optimizer.param_groups[0]["lr"] == 0.5


def test_other_schedules_are_still_stepped_by_lightning():
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    halving = LambdaLR(optimizer, lambda step: 0.5**step)
    system = system_with(halving, val_loss=2.0)
    system._step_plateau()
    assert optimizer.param_groups[0]["lr"] == 1.0
    system.lr_scheduler_step(halving, metric=None)
    assert optimizer.param_groups[0]["lr"] == 0.5
