"""A local emulator of the X API v2 endpoints the helpdesk uses."""

from helpdesk.x.sandbox.app import create_sandbox_app
from helpdesk.x.sandbox.server import SandboxServer, make_sandbox_server, run_sandbox
from helpdesk.x.sandbox.state import (
    BRAND_ID,
    BRAND_NAME,
    BRAND_USERNAME,
    SandboxSettings,
    SandboxState,
)

__all__ = [
    "BRAND_ID",
    "BRAND_NAME",
    "BRAND_USERNAME",
    "SandboxServer",
    "SandboxSettings",
    "SandboxState",
    "create_sandbox_app",
    "make_sandbox_server",
    "run_sandbox",
]
