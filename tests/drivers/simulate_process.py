"""Runs ``ketaconsole simulate`` and ``ketaconsole probe`` as real subprocesses for CLI tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

COMMAND = [sys.executable, "-m", "ketaconsole"]


@contextmanager
def simulated_device(slug: str, *args: str) -> Iterator[str]:
    """Start ``ketaconsole simulate SLUG``; yield the address it prints; stop it after."""
    process = subprocess.Popen([*COMMAND, "simulate", slug, *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        address = process.stdout.readline().strip()
        if not address:
            error = process.stderr.read() if process.stderr else ""
            raise AssertionError(f"simulate printed no address; stderr: {error}")
        yield address
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def probe(slug: str, address: str, *args: str,
          timeout: float = 30.0) -> tuple[int, list[dict[str, Any]], str]:
    """Run ``ketaconsole probe``; return its exit code, JSON records and stderr."""
    done = subprocess.run([*COMMAND, "probe", slug, address, *args], capture_output=True,
                          text=True, timeout=timeout, check=False)
    records = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, records, done.stderr
