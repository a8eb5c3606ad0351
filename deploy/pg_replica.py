#!/usr/bin/env python3
"""A real PostgreSQL primary and streaming replica on this machine, for tests and benchmarks.

    python deploy/pg_replica.py start   [--dir D] [--primary-port 55432] [--standby-port 55433]
    python deploy/pg_replica.py status  [--dir D]
    python deploy/pg_replica.py stop    [--dir D] [--standby-only]
    python deploy/pg_replica.py destroy [--dir D]

``start`` makes a primary cluster of its own (``initdb``, replication allowed from 127.0.0.1 with
trust, as the machine's own cluster is set up), copies it with ``pg_basebackup -R`` into a standby
that streams from it on another port, starts both and waits until the standby answers in recovery.
It prints the two URLs to put in ``DATABASE_URL`` and ``DATABASE_REPLICA_URL``. Run again, it
starts what is stopped and leaves what runs alone. The machine's own PostgreSQL (5432) is never
touched: its ``pg_hba.conf`` allows no replication connections, and a test must not change it.

PostgreSQL refuses to run as root: as root the clusters belong to the ``postgres`` account (the
Debian package's) and its commands run through ``runuser``. Only the standard library is used, so
the script runs before the project is installed.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_DIR = Path(tempfile.gettempdir()) / "yichuang-pg-replica"


def pg_bin(name: str) -> str:
    """The PostgreSQL server program ``name``: on PATH, else the newest Debian install."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    if not candidates:
        raise SystemExit(f"{name} not found: install PostgreSQL's server package (postgresql)")
    return candidates[-1]


def _version_key(path: str) -> int:
    try:
        return int(path.split("/")[4])
    except (IndexError, ValueError):
        return 0


def as_owner(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL command as the clusters' owner (``postgres`` when we are root)."""
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, text=True, capture_output=True, **kwargs)  # type: ignore[call-overload,no-any-return]


def give_to_owner(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def running(data: Path) -> bool:
    if not (data / "PG_VERSION").exists():
        return False
    result = subprocess.run(
        (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
        + [pg_bin("pg_ctl"), "status", "-D", str(data)],
        capture_output=True,
        text=True,
    )
    return result.returncode == 0


def start_cluster(data: Path, port: int) -> None:
    if running(data):
        return
    log = data / "server.log"
    as_owner(
        [
            pg_bin("pg_ctl"),
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(data),
            "-l",
            str(log),
            "-o",
            f"-p {port} -k {data} -c listen_addresses=127.0.0.1",
        ]
    )


def psql(port: int, sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        [pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database, "-Atc", sql],
        check=True,
        text=True,
        capture_output=True,
    )
    return result.stdout.strip()


def start(root: Path, primary_port: int, standby_port: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    give_to_owner(root)
    primary, standby = root / "primary", root / "standby"
    if not (primary / "PG_VERSION").exists():
        print(f"initdb {primary}", flush=True)
        primary.mkdir(exist_ok=True)
        give_to_owner(primary)
        as_owner(
            [
                pg_bin("initdb"),
                "-D",
                str(primary),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
            ]
        )
        with open(primary / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(
                "\n# yichuang deploy/pg_replica.py: a primary that streams to one standby\n"
                "wal_level = replica\nmax_wal_senders = 4\nwal_keep_size = 256MB\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = on\n"
                "shared_buffers = 128MB\n"
            )
        with open(primary / "pg_hba.conf", "a", encoding="utf-8") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
    start_cluster(primary, primary_port)
    if not (standby / "PG_VERSION").exists():
        print(f"pg_basebackup → {standby}", flush=True)
        standby.mkdir(exist_ok=True)
        os.chmod(standby, 0o700)
        give_to_owner(standby)
        as_owner(
            [
                pg_bin("pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary_port),
                "-U",
                "postgres",
                "-D",
                str(standby),
                "-R",  # standby.signal and primary_conninfo: a streaming standby
                "-X",
                "stream",
                "-c",
                "fast",
            ]
        )
    start_cluster(standby, standby_port)
    deadline = time.monotonic() + 60
    while True:
        try:
            if psql(standby_port, "select pg_is_in_recovery()") == "t":
                break
        except subprocess.CalledProcessError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the standby did not come up in recovery within 60 s: see standby/server.log")
        time.sleep(0.2)
    streaming = psql(primary_port, "select count(*) from pg_stat_replication where state = 'streaming'")
    print(f"primary  postgres://postgres@127.0.0.1:{primary_port}/<database>")
    print(f"standby  postgres://postgres@127.0.0.1:{standby_port}/<database>  (streaming: {streaming})")


def stop(root: Path, standby_only: bool) -> None:
    names = ["standby"] if standby_only else ["standby", "primary"]
    for name in names:
        data = root / name
        if running(data):
            as_owner([pg_bin("pg_ctl"), "stop", "-m", "fast", "-w", "-D", str(data)])
            print(f"stopped {name}")


def status(root: Path) -> int:
    code = 0
    for name in ("primary", "standby"):
        state = "running" if running(root / name) else "stopped"
        code |= state != "running"
        print(f"{name:<8} {state}  {root / name}")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop", "status", "destroy"])
    parser.add_argument("--dir", type=Path, default=Path(os.environ.get("PG_REPLICA_DIR", DEFAULT_DIR)))
    parser.add_argument("--primary-port", type=int, default=int(os.environ.get("PG_PRIMARY_PORT", 55432)))
    parser.add_argument("--standby-port", type=int, default=int(os.environ.get("PG_STANDBY_PORT", 55433)))
    parser.add_argument("--standby-only", action="store_true", help="stop: only the standby")
    args = parser.parse_args(argv)
    if args.command == "start":
        start(args.dir, args.primary_port, args.standby_port)
    elif args.command == "stop":
        stop(args.dir, args.standby_only)
    elif args.command == "status":
        return status(args.dir)
    else:
        stop(args.dir, standby_only=False)
        shutil.rmtree(args.dir, ignore_errors=True)
        print(f"removed {args.dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
