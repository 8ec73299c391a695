"""Where serving keeps what it measures or builds once per model and machine.

Both the timings of ``precision="auto"`` and the ONNX graphs exported for a model
folder that ships none live under ``$XDG_CACHE_HOME/s2s-hub/`` (default
``~/.cache/s2s-hub/``), keyed by the model's fingerprint, so a changed model is
measured and exported afresh while an unchanged one is not, and by ``REVISION``,
so a new release does the same for every model.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from s2s_hub.files import CONFIG_FILE, WEIGHTS_FILE

CACHE_ENV = "XDG_CACHE_HOME"
#: what the code makes of a model: raised with every change to the exported
#: graphs or to the paths auto times, so that no cache entry outlives the code
#: that wrote it (2: additive attention's score as one product in the graphs;
#: 3: the RNN step folded, ``folding``; 4: beam search's candidates chosen in
#: the step graph)
REVISION = 4


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/s2s-hub``, or ``~/.cache/s2s-hub``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache") / "s2s-hub"


def fingerprint(folder: Path) -> str:
    """SHA-256 of the folder's config and weights: what the model computes.

    One auto load asks for it once per candidate it times and again when it
    loads the choice; the weights are hashed once per version of the files
    (path, size and modification time)."""
    files = [folder / name for name in (CONFIG_FILE, WEIGHTS_FILE)]
    return _digest(
        tuple((str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns) for f in files)
    )


@functools.cache
def _digest(files: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for path, _, _ in files:
        with open(path, "rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
