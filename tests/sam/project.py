"""Where the SAM tier's inputs live in the project."""

from __future__ import annotations

from stacks.project import PROJECT_ROOT

ROOT = PROJECT_ROOT
TEMPLATE = ROOT / "template.yaml"
FUNCTIONS_DIR = ROOT / "functions"
MAKEFILE = FUNCTIONS_DIR / "Makefile"
EVENTS_DIR = ROOT / "events"
ENV_FILE = EVENTS_DIR / "env.json"
LOCAL_RESOURCES_SCRIPT = EVENTS_DIR / "local_resources.py"
DEBUG_DOC = ROOT / "README.md"  # its section "Debug one function"
