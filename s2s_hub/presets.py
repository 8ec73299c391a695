"""Named presets that task recipes start from, instead of copies of the same dicts."""

from __future__ import annotations

from typing import Any

#: A one-layer bidirectional LSTM with Bahdanau attention and tied decoder
#: embeddings (~7M parameters at an 8k vocabulary): trains to a usable model in
#: under half an hour on 2 CPU cores.
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

#: Training on a CPU within the half hour a bundled checkpoint may take (28 minutes of
#: training, then the export's test run); a task adds its token budget and epoch
#: count. Validation twice an epoch on 4 dev batches keeps checkpoint selection cheap.
CPU_HALF_HOUR: dict[str, Any] = {
    "lr": 0.002,
    "max_time": "00:00:28:00",
    "val_check_interval": 0.5,
    "limit_val_batches": 4,
}
