"""The service watching itself: the scheduler's heartbeats and the health they add up to."""
