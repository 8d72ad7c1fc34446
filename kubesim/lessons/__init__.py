"""Per-lesson helpers: scenario builders and the exercise checks each lesson's notebooks call."""
