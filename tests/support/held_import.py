"""A test handler module whose import waits while the file named by DATAOPS_TEST_HOLD_FILE exists.

Registered as a handler, it makes a worker's capability probe (which imports every handler) stay
running for as long as a test wants; `<hold file>.reached` says the import got there.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

_HOLD = os.environ.get("DATAOPS_TEST_HOLD_FILE")
if _HOLD:
    Path(f"{_HOLD}.reached").touch()
while _HOLD and Path(_HOLD).exists():
    time.sleep(0.05)


async def run(_: Any) -> dict[str, Any]:
    return {"ok": True}
