"""Advocacy's writes: connecting accounts (`connections`), composing shares (`shares`),
posting them (`posting`) and tracked links and their clicks (`links`)."""
