"""Settings for the bench's server: the project's own, plus the floor view (bench/floor.py)."""

from gongwen.settings import *  # noqa: F403
from gongwen.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.floor"
TEMPLATES = [TEMPLATES[0] | {"DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]}]
