"""Request and response models, split by role: ``…Create`` in, ``…Public`` / ``…Reviewer`` out."""
