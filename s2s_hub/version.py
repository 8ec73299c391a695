"""The package's version, in a module of its own so that the files that record it
(``config.json``, the model card) need not import the package's entry point, and the
build reads it from here (``[tool.hatch.version]``)."""

__version__ = "0.1.0"
