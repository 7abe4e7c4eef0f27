"""Who is on call: rotations, overrides, shifts on each rotation's wall clock, hand-off notices."""
