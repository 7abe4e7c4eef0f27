"""The fault drills against real processes: `python -m bench.drills` (see __main__)."""
