"""Run every benchmark (`make bench`) and write each one's section of docs/benchmarks.md.

`--quick` runs small sizes (a smoke test of the scripts); `--only a,b` runs some of them.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import time
from pathlib import Path

from bench.common import RESULTS, update_section

log = logging.getLogger("bench")


def discover() -> list[str]:
    """Benchmark modules: bench/bench_*.py, in name order."""
    return sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the scripts work")
    parser.add_argument("--only", help="comma-separated module names (e.g. bench_api,bench_queue)")
    args = parser.parse_args()
    logging.basicConfig(level="INFO", format="%(asctime)s %(message)s")
    names = args.only.split(",") if args.only else discover()
    failed = []
    for name in names:
        started = time.monotonic()
        log.info("bench.start %s", name)
        try:
            module = importlib.import_module(f"bench.{name}")
            section = getattr(module, "NAME", name.removeprefix("bench_"))
            update_section(section, module.run(quick=args.quick))
        except Exception:
            log.exception("bench.failed %s", name)
            failed.append(name)
        log.info("bench.done %s in %.0f s", name, time.monotonic() - started)
    log.info("results in %s", RESULTS)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
