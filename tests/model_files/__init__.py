"""Model files the tests pass to ``main_data.py --model`` and ``RunRecorder``."""
