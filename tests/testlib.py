# SPDX-License-Identifier: BSD-3-Clause
"""Helpers shared by the Python integration tests (run with /usr/bin/python3).

Tests import it with:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
    import testlib
"""

import os
import socket
import subprocess
import sys
import time


def skip(reason):
    """Skip the whole test, loudly (TAP plan 1..0 with the reason)."""
    print(f'1..0 # SKIP {reason}')
    sys.exit(0)


def run(args, cwd=None, timeout=30):
    """Run a program; its CompletedProcess, stdout and stderr together as text."""
    return subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout)


def enter_netns(script, env_var):
    """Re-execute script (with this process's arguments) in a fresh network namespace
    (`unshare -n`, so only loopback exists and port 53 is free), with env_var set to 1
    to tell the child; skip loudly when not root or unshare cannot work. Never returns."""
    if os.geteuid() != 0:
        skip('needs root for a private network namespace (unshare -n) and port 53')
    probe = run(['unshare', '-n', 'true'])
    if probe.returncode != 0:
        skip('unshare -n fails: ' + probe.stdout.strip())
    env = dict(os.environ, **{env_var: '1'})
    os.execvpe('unshare', ['unshare', '-n', '--', '/usr/bin/python3',
                           os.path.abspath(script)] + sys.argv[1:], env)


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


def unbound_conf(tmp, interface, anchors, stubs, log, extra=()):
    """Write a validating unbound's configuration into tmp and return its path.

    It listens on interface port 53 (IPv4 only, one thread, in the
    foreground's directory tmp), trusts the DS records in anchors, sends
    each zone of stubs ((zone, address) pairs) to that address on port 53,
    logs validation failures and SERVFAILs to log, and adds the lines of
    extra to its server section.
    """
    anchor_path = os.path.join(tmp, 'anchors.ds')
    with open(anchor_path, 'w') as f:
        f.write(''.join(ds + '\n' for ds in anchors))
    server = [
        'interface: %s' % interface, 'port: 53', 'do-ip6: no',
        'access-control: 127.0.0.0/8 allow', 'num-threads: 1', 'username: ""', 'chroot: ""',
        'directory: "%s"' % tmp, 'pidfile: "%s/unbound.pid"' % tmp, 'use-syslog: no',
        'logfile: "%s"' % log, 'verbosity: 1', 'val-log-level: 2', 'log-servfail: yes',
        'module-config: "validator iterator"', 'target-fetch-policy: "0 0 0 0 0"',
        'harden-referral-path: no', 'trust-anchor-file: "%s"' % anchor_path, *extra,
    ]
    path = os.path.join(tmp, 'unbound.conf')
    with open(path, 'w') as f:
        f.write('server:\n' + ''.join('  %s\n' % line for line in server))
        f.write('remote-control:\n  control-enable: no\n')
        for zone, addr in stubs:
            f.write('stub-zone:\n  name: "%s"\n  stub-addr: %s@53\n' % (zone, addr))
    return path
