"""Training: the Lightning system, losses, schedules, checkpoints and the run."""
