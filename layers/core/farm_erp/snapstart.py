"""Lambda SnapStart runtime hooks: what a snapshot must not carry, and how a restored container starts clean.

With SnapStart (template parameter `SnapStart`), Lambda runs a function's init once when a version is published,
snapshots the memory, and starts every new container of that version from the snapshot, possibly days later and
many times over. Whatever init left behind is then shared by all those containers and as old as the snapshot:

- the database connection: its socket is dead after a restore (and one server session must never be shared);
- the JWT signing keys read from Secrets Manager: a restored container must see a rotated key, and a snapshot
  should hold no key material;
- the `random` module's state (every restored container would draw the same numbers). The dummy password hash
  is a published constant, so it needs nothing.

The IAM database token is not cached: `db.conninfo()` signs a fresh one for every connection with the credentials
the environment holds at that moment (Lambda gives a restored container new ones), so the first connection after a
restore uses a token of that moment. Nothing reconnects in the hooks: the first request does, lazily, as always.

`register()` hands the hooks to the runtime's `snapshot_restore_py`, which exists only in Lambda (with or without
SnapStart: without it the hooks are never called); elsewhere they are plain functions, which the tests call.
"""

from __future__ import annotations

import random

from farm_erp import settings
from farm_erp.db import database

_registered = False


def before_snapshot() -> None:
    """Drop what must not be shared by restored containers; they rebuild it lazily on first use."""
    database.close()
    settings.signing_keys.cache_clear()


def after_restore() -> None:
    """A restored container: new randomness, and no connection or key carried over even if init made one again."""
    random.seed()  # from os.urandom: every restored container would otherwise draw the same numbers
    before_snapshot()


def register() -> bool:
    """Hand the hooks to the Lambda runtime, once per process, at the end of init. False outside Lambda (the
    runtime's `snapshot_restore_py` is absent) or when already registered."""
    global _registered
    if _registered:
        return False
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    _registered = True
    return True
