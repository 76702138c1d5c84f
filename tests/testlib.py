# SPDX-License-Identifier: BSD-3-Clause
"""Helpers shared by the Python integration tests (run with /usr/bin/python3).

Tests import it with:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
    import testlib
"""

import socket
import subprocess


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
