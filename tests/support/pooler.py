"""pgbouncer in transaction mode in front of the embedded PostgreSQL, as RDS Proxy stands in front of Aurora:
a pool of 3 server connections, handed out in turn (server_round_robin), so that anything tied to a session
(a session lock, a prepared statement, a SET) shows up as a failure. `make test-pooler` runs the suite through it."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg

from tests.support.live import free_port

POOL_SIZE = 3


@dataclass
class Pooler:
    port: int
    process: subprocess.Popen[bytes]
    workdir: Path

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def admin(self, command: str) -> None:
        """A command on pgbouncer's console (simple query protocol only); RuntimeError if it refuses."""
        with psycopg.connect(self.url("pgbouncer"), autocommit=True) as conn:
            result = conn.pgconn.exec_(command.encode())
            if result.status not in (psycopg.pq.ExecStatus.COMMAND_OK, psycopg.pq.ExecStatus.TUPLES_OK):
                raise RuntimeError(f"pgbouncer {command!r}: {result.error_message.decode()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)


def binary() -> str | None:
    return shutil.which("pgbouncer") or next((p for p in ("/usr/sbin/pgbouncer",) if os.path.exists(p)), None)


def start(server: Any) -> Pooler:
    """Start pgbouncer for every database of the embedded server (which listens on a unix socket only)."""
    exe = binary()
    if exe is None:
        raise RuntimeError("pgbouncer is not installed (make test-pooler installs it)")
    socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    workdir = Path(tempfile.mkdtemp(prefix="farm-erp-pgbouncer-"))
    workdir.chmod(0o777)  # pgbouncer refuses to run as root: it drops to the server's system user
    port = free_port()
    config = workdir / "pgbouncer.ini"
    config.write_text(
        f"""[databases]
* = host={socket_dir} port=5432 user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = any
admin_users = postgres
pool_mode = transaction
default_pool_size = {POOL_SIZE}
max_client_conn = 500
server_round_robin = 1
ignore_startup_parameters = extra_float_digits
logfile = {workdir}/pgbouncer.log
pidfile = {workdir}/pgbouncer.pid
"""
    )
    config.chmod(0o644)
    user = ["-u", server.system_user] if os.geteuid() == 0 and server.system_user else []
    process = subprocess.Popen([exe, *user, str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pooler = Pooler(port, process, workdir)
    deadline = time.monotonic() + 20
    while True:
        try:
            pooler.admin("SHOW VERSION")
            return pooler
        except (psycopg.OperationalError, RuntimeError):
            if process.poll() is not None or time.monotonic() > deadline:
                log = workdir / "pgbouncer.log"
                text = log.read_text() if log.exists() else ""
                pooler.stop()
                raise RuntimeError(f"pgbouncer did not start: {text}") from None
            time.sleep(0.1)
