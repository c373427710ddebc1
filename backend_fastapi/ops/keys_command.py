"""`dataops keys create|list|revoke`: a team's API keys, straight on the database like the other
ops commands (no API needed, so the first admin key can be made before anyone can log in).

`create` prints the new key once, on stdout, alone on its line (scripts can capture it); only its
hash is stored. A key revoked here stops working within seconds in running API processes.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from backend_fastapi.apikeys import Scope, hash_key, name_problem, new_key, shown_prefix
from backend_fastapi.settings import Settings

_RATE = re.compile(r"^\s*(\d+)\s*(?:/\s*min(?:ute)?)?\s*$")


def rate_per_minute(text: str) -> int:
    """`60/min` (or `60`) as requests per minute."""
    match = _RATE.match(text)
    if match is None or int(match.group(1)) < 1:
        raise argparse.ArgumentTypeError(f"expected requests a minute such as 60/min, not {text!r}")
    return int(match.group(1))


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return int(text)


def add_parser(sub: Any) -> None:
    """The `keys` subcommand's arguments."""
    p = sub.add_parser("keys", help="create, list or revoke API keys")
    keys_sub = p.add_subparsers(dest="action", required=True)
    p_create = keys_sub.add_parser("create", help="create a key and print it (shown only this once)")
    p_create.add_argument("--name", required=True, help="unique; recorded on every job the key queues")
    p_create.add_argument("--scope", required=True, choices=[s.value for s in Scope])
    p_create.add_argument("--rate", type=rate_per_minute, metavar="N/min", help="requests a minute")
    p_create.add_argument("--daily-jobs", type=positive, metavar="N", help="jobs a UTC day")
    keys_sub.add_parser("list", help="every key, newest first (never the key itself)")
    keys_sub.add_parser("revoke", help="revoke a key by name or id").add_argument("key")
    p.set_defaults(func=cmd_keys)


async def _keys(args: argparse.Namespace, settings: Settings) -> int:
    from backend_fastapi.schemas.common import iso
    from backend_fastapi.store import key_rows, open_database

    db = await open_database(settings)
    out = sys.stdout
    try:
        now = await db.now()
        if args.action == "create":
            problem = name_problem(args.name)
            if problem:
                sys.stderr.write(f"dataops keys: {problem}\n")
                return 2
            key = new_key()
            row = await db.write(
                lambda c: key_rows.insert(
                    c,
                    name=args.name,
                    prefix=shown_prefix(key),
                    key_hash=hash_key(key),
                    scope=args.scope,
                    rate_per_minute=args.rate,
                    daily_jobs=args.daily_jobs,
                    now=now,
                )
            )
            if row is None:
                sys.stderr.write(f"dataops keys: a key named {args.name!r} exists (or existed).\n")
                return 1
            sys.stderr.write(f"Created key {row.name!r} ({row.scope}). It is shown only this once:\n")
            out.write(key + "\n")
            return 0
        if args.action == "revoke":
            revoked = await db.write(lambda c: key_rows.revoke(c, args.key, now))
            if revoked is None:
                sys.stderr.write(f"dataops keys: no key with name or id {args.key!r}.\n")
                return 1
            out.write(f"Revoked {revoked.name!r}; running API processes refuse it within seconds.\n")
            return 0
        rows = await db.fetch(key_rows.list_all)
        out.write(
            f"{'NAME':24}  {'SCOPE':5}  {'PREFIX':12}  {'RATE/MIN':>8}  {'JOBS/DAY':>8}  {'CREATED':24}  "
            "REVOKED\n"
        )
        for row in rows:
            out.write(
                f"{row.name:24}  {row.scope:5}  {row.prefix:12}  {row.rate_per_minute or '-':>8}  "
                f"{row.daily_jobs or '-':>8}  {iso(row.created_at):24}  "
                f"{iso(row.revoked_at) if row.revoked_at else ''}\n"
            )
        return 0
    finally:
        await db.close()


def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    return asyncio.run(_keys(args, settings))
