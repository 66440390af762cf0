"""Prefect flows and the `podsift` CLI.

Importing this package sets podsift's Prefect defaults before Prefect itself is imported:
nothing leaves the machine unasked (Prefect's server analytics call an outside host on start-up).
"""

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# faster-whisper's default model fetch goes to the Hugging Face hub; podsift's default model is
# bundled, so keep the hub client from phoning home for telemetry.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
# Prefect's temporary (ephemeral) API server imports its whole server stack and checks its
# database migrations on start; on a busy 2-core machine that exceeds Prefect's 20 s default.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
