"""The ``s2s-hub`` command line."""
