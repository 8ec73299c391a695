"""Named presets that task recipes start from, instead of copies of the same dicts."""

from __future__ import annotations

from typing import Any

#: A one-layer bidirectional LSTM with Bahdanau attention and tied decoder
#: embeddings (~7M parameters at an 8k vocabulary): a CPU core takes it through an
#: epoch of the built-in tasks' data in 15-30 minutes (docs/lab-notes.md).
SMALL_BILSTM: dict[str, Any] = {
    "emb_size": 256,
    "hidden_size": 256,
    "encoder_layers": 1,
    "decoder_layers": 1,
    "bidirectional": True,
    "attention": "bahdanau",
    "dropout": 0.2,
    "tie_embeddings": True,
}

#: Training until dev stops improving: validation on the whole dev split every 250
#: steps (the learning curve and the checkpoint choice see every length), a
#: ``last.ckpt`` every 100 steps for ``--resume true``, and a stop after 4
#: validations without a better selection metric. A task adds its token budget.
#: Runs of hours on a CPU are expected; ``--train.max_time`` bounds one sitting.
UNTIL_DEV_STOPS: dict[str, Any] = {
    "lr": 0.002,
    "max_epochs": 40,
    "val_check_interval": 250,
    "limit_val_batches": 1.0,
    "checkpoint_every_n_steps": 100,
    "early_stopping_patience": 4,
}
