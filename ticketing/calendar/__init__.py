"""The business calendar as staff edit it: closures and holidays worked."""
