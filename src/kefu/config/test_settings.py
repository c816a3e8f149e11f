"""Settings for the test suite: the real settings, with a throw-away data directory and the
task queue run in-process (tests that need a real queue build their own Huey instance)."""

import os
import tempfile

os.environ.setdefault("KEFU_DATA_DIR", tempfile.mkdtemp(prefix="kefu-test-"))
os.environ.setdefault("SECRET_KEY", "kefu-test-secret-key-not-for-production-use")

from kefu.config.settings import *  # noqa: F403
from kefu.config.settings import HUEY

HUEY = {**HUEY, "immediate": True}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DEMO_PERCENT = 2
