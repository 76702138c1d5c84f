# SPDX-License-Identifier: BSD-3-Clause
"""Helpers shared by the Python integration tests (run with /usr/bin/python3).

Tests import it with:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
    import testlib
"""

import socket
import subprocess
import time


def free_port():
    """A port that is free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(('127.0.0.1', 0))
            port = u.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                    t.bind(('127.0.0.1', port))
                return port
            except OSError:
                continue
    raise RuntimeError('no free port on 127.0.0.1')


def tail(path, n=15):
    """The last n lines of a log file, or '' when it cannot be read."""
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return ''.join(f.readlines()[-n:])
    except OSError:
        return ''


def stop(proc, timeout=10):
    """SIGTERM a child process, SIGKILL it if it does not exit in time."""
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for(pred, timeout=10.0):
    """Poll pred() every 0.1 s until it is true or timeout seconds pass; its last value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.1)
    return pred()


class Tap:
    """TAP output: numbered ok / not ok lines, details as comments, the plan last."""

    def __init__(self):
        self.count = 0
        self.failed = 0

    def ok(self, cond, name, detail=None):
        self.count += 1
        print(f"{'ok' if cond else 'not ok'} {self.count} - {name}", flush=True)
        if not cond:
            self.failed += 1
            if detail:
                for line in str(detail).splitlines():
                    print(f"#   {line}")
        return cond

    @staticmethod
    def diag(text):
        for line in str(text).splitlines():
            print(f"# {line}")

    def done(self):
        """Print the plan; the process exit status."""
        print(f"1..{self.count}")
        return 1 if self.failed else 0
