#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""sigedge and sigedgectl end to end, TAP output.

Usage: test_daemon.py SIGEDGE SIGEDGECTL

Starts sigedge on 127.0.0.1 with a free high port, a configuration file and a
temporary control socket; queries it with kdig; checks the control commands;
reloads changed and broken zone files through SIGHUP and `sigedgectl zone
reload`; and checks that SIGTERM exits 0 and removes the socket.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from testlib import Tap, free_port, wait_for  # noqa: E402

SRCDIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

tap = Tap()
ok = tap.ok
diag = tap.diag


class Server:
    def __init__(self, sigedge, ctl_path, port, sock, log):
        self.sigedge, self.ctl_path, self.port, self.sock = sigedge, ctl_path, port, sock
        self.log = log
        self.proc = None

    def kdig(self, name, rtype="SOA", *extra):
        cmd = ["kdig", "@127.0.0.1", "-p", str(self.port), name, rtype,
               "+timeout=2", "+retry=1", *extra]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout

    def serial(self, zone):
        out = self.kdig(zone, "SOA", "+short").split()
        return int(out[2]) if len(out) >= 3 else None

    def ctl(self, *args, sock=None):
        r = subprocess.run([self.ctl_path, "-s", sock or self.sock, *args],
                           capture_output=True, text=True, timeout=30)
        return r.returncode, r.stdout, r.stderr

    def logtext(self):
        with open(self.log) as f:
            return f.read()


def set_serial(path, old, new):
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace(str(old), str(new), 1))


def main():
    if len(sys.argv) != 3:
        print("1..0 # SKIP usage: test_daemon.py SIGEDGE SIGEDGECTL")
        return 0
    if not shutil.which("kdig"):
        print("1..0 # SKIP kdig (knot-dnsutils) is not installed")
        return 0
    sigedge, ctlbin = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])

    tmp = tempfile.mkdtemp(prefix="sigedge-test-daemon-")
    com = os.path.join(tmp, "example.com.zone")
    org = os.path.join(tmp, "example.org.zone")
    shutil.copy(os.path.join(SRCDIR, "zones", "example.com.zone"), com)
    shutil.copy(os.path.join(SRCDIR, "tests", "zones", "example.org.zone"), org)
    port = free_port()
    sock = os.path.join(tmp, "run", "control.sock")  # "run" does not exist yet
    conf = os.path.join(tmp, "sigedge.conf")
    with open(conf, "w") as f:
        f.write(f"""# test configuration
server: {{
  listen = ["127.0.0.1:{port}"];
  workers = 2;
  udp-max-payload = 1232;
  log-level = "debug";
}};
zones = (
  {{ name = "example.com"; file = "example.com.zone"; }},
  {{ name = "example.org"; file = "example.org.zone"; }}
);
""")

    srv = Server(sigedge, ctlbin, port, sock, os.path.join(tmp, "sigedge.log"))

    r = subprocess.run([sigedge, "--config", conf, "--check"], capture_output=True, text=True)
    ok(r.returncode == 0, "--check accepts the configuration", r.stderr)
    # A multi-signer zone whose store cannot be written is refused at start, not at its first UPDATE.
    missing = os.path.join(tmp, "no-such-dir")
    r = subprocess.run([sigedge, "--config", conf, "--check", "--statedir", missing,
                        "--multi-signer", "example.com=2"], capture_output=True, text=True)
    ok(r.returncode != 0 and f"state directory {missing}: No such file or directory" in r.stderr,
       "a multi-signer zone with a missing state directory is refused", r.stderr)

    logf = open(srv.log, "w")
    srv.proc = subprocess.Popen([sigedge, "--config", conf, "--control", sock],
                                stdout=logf, stderr=subprocess.STDOUT)
    try:
        run_checks(srv, tmp, com, org, conf)
    finally:
        if srv.proc.poll() is None:
            srv.proc.kill()
            srv.proc.wait()
        logf.close()
        if tap.failed:
            diag("sigedge log:\n" + srv.logtext())
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


def run_checks(srv, tmp, com, org, conf):
    started = wait_for(lambda: srv.proc.poll() is not None or
                       (os.path.exists(srv.sock) and srv.ctl("status")[0] == 0))
    if not ok(started and srv.proc.poll() is None, "sigedge starts and answers on its control socket",
              srv.logtext()):
        return
    ok(re.search(r"info: serving 2 zones on 127\.0\.0\.1:%d with 2 workers" % srv.port,
                 srv.logtext()), "start-up log line names zones, address and workers")
    mode = os.stat(srv.sock).st_mode & 0o777
    ok(mode == 0o600, f"control socket has mode 0600 (got {mode:o})")

    # Answers over UDP and TCP.
    serial0 = srv.serial("example.com")
    ok(serial0 is not None, f"kdig gets the example.com SOA (serial {serial0})")
    www = srv.kdig("www.example.com", "A", "+short").split()
    ok("192.0.2.80" in www, "A record of www.example.com over UDP", www)
    www = srv.kdig("www.example.com", "A", "+short", "+tcp").split()
    ok("192.0.2.80" in www, "A record of www.example.com over TCP", www)
    ok(srv.serial("example.org") == 7, "the second zone is served too")
    out = srv.kdig("www.example.net", "A")
    ok("status: REFUSED" in out, "a name outside every zone is REFUSED", out)

    # status, zone list, stats.
    rc, out, err = srv.ctl("status")
    ok(rc == 0, "sigedgectl status exits 0", err)
    for want in ("version: ", "uptime: ", "backend: socket", "workers: 2",
                 f"listen: 127.0.0.1:{srv.port}", "zones: 2", f"pid: {srv.proc.pid}"):
        ok(want in out, f"status shows '{want}'", out)

    rc, out, err = srv.ctl("zone", "list")
    ok(rc == 0, "sigedgectl zone list exits 0", err)
    line = next((l for l in out.splitlines() if l.startswith("example.com ")), "")
    ok(f"serial={serial0}" in line and f"file={com}" in line and "nodes=" in line
       and "loaded-at=" in line, "zone list: name, serial, nodes, loaded-at, file", out)
    ok(re.search(r"^example\.org serial=7 ", out, re.M), "zone list has example.org", out)

    rc, out, err = srv.ctl("stats")
    ok(rc == 0, "sigedgectl stats exits 0", err)
    stats = dict(l.split(": ", 1) for l in out.splitlines() if ": " in l)
    ok(int(stats.get("rx", 0)) >= 5, f"stats rx counts the queries (rx {stats.get('rx')})", out)
    ok(int(stats.get("tcp", 0)) >= 1 and int(stats.get("refused", 0)) >= 1,
       "stats count TCP and REFUSED", out)
    rc, out, err = srv.ctl("stats", "--workers")
    ok(rc == 0 and "worker.0.rx: " in out and "worker.1.rx: " in out,
       "stats --workers shows each worker", out + err)
    rc, out, err = srv.ctl("stats", "--bogus")
    ok(rc == 1 and "unknown argument" in err, "stats rejects an unknown argument", out + err)

    rc, out, err = srv.ctl("no", "such", "command")
    ok(rc == 1 and "unknown command" in err, "unknown command: exit 1, message on stderr",
       out + err)
    rc, out, err = srv.ctl("zone", "reload", "nonexistent.example")
    ok(rc == 1 and "unknown zone" in err, "reload of an unknown zone is an error", out + err)
    for args in (("generate", "example.com"), ("retire", "example.com", "12345")):
        rc, out, err = srv.ctl("key", *args)
        ok(rc == 1 and "without a key directory" in err,
           f"key {args[0]} without --keydir: exit 1 saying why", out + err)
    rc, out, err = srv.ctl("status", sock=os.path.join(tmp, "nothere.sock"))
    ok(rc == 2 and "nothere.sock" in err, "no daemon: exit 2 naming the socket", out + err)

    # SIGHUP reloads a changed zone.
    serial1 = serial0 + 1
    set_serial(com, serial0, serial1)
    srv.proc.send_signal(signal.SIGHUP)
    ok(wait_for(lambda: srv.serial("example.com") == serial1, 5),
       f"after SIGHUP the new serial {serial1} is served")
    ok(f"zone example.com: reloaded serial {serial1}" in srv.logtext(), "SIGHUP reload is logged")

    # sigedgectl zone reload NAME.
    serial2 = serial1 + 1
    set_serial(com, serial1, serial2)
    rc, out, err = srv.ctl("zone", "reload", "example.com")
    ok(rc == 0 and f"example.com: reloaded serial {serial2}" in out,
       "zone reload example.com reports the new serial", out + err)
    ok("example.org" not in out, "only the named zone is reloaded", out)
    ok(srv.serial("example.com") == serial2, f"new serial {serial2} is served at once")
    rc, out, err = srv.ctl("zone", "list")
    ok(f"example.com serial={serial2} " in out, "zone list shows the new serial", out)

    # A broken zone file keeps the previous version.
    with open(com) as f:
        nlines = len(f.read().splitlines())
    with open(com, "a") as f:
        f.write("broken IN A 192.0.2.300\n")
    bad_line = nlines + 1
    rc, out, err = srv.ctl("zone", "reload", "example.com")
    ok(rc == 1, "reload of a broken zone exits 1", out + err)
    ok(f"example.com: error: {com}:{bad_line}: " in out and "(previous version kept)" in out,
       f"the error names the file and line {bad_line}", out)
    ok("failed to load" in err, "the summary goes to stderr", err)
    ok(srv.serial("example.com") == serial2, f"old serial {serial2} still served")

    rc, out, err = srv.ctl("zone", "reload")
    ok(rc == 1 and "example.org: reloaded serial 7" in out and "example.com: error:" in out,
       "reload of all zones: the good one reloads, the broken one keeps its version", out + err)

    srv.proc.send_signal(signal.SIGHUP)
    ok(wait_for(lambda: srv.logtext().count(f"{com}:{bad_line}:") >= 3, 5),
       "SIGHUP with a broken zone logs the file and line")
    ok(re.search(r"error: zone example\.com: .*previous version \(serial %d\) kept" % serial2,
                 srv.logtext()), "the log says the previous version is kept")
    ok(srv.serial("example.com") == serial2, "old serial still served after SIGHUP")
    ok(srv.proc.poll() is None, "sigedge is still running")

    r = subprocess.run([srv.sigedge, "--config", conf, "--check"], capture_output=True, text=True)
    ok(r.returncode == 1 and f"sigedge: zone example.com: {com}:{bad_line}: " in r.stderr,
       "--check reports the broken zone with file and line, exit 1", r.stderr)

    # SIGTERM: clean exit, socket removed.
    srv.proc.send_signal(signal.SIGTERM)
    try:
        rc = srv.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = None
    ok(rc == 0, f"SIGTERM: exit status 0 (got {rc})")
    ok(not os.path.exists(srv.sock), "SIGTERM removes the control socket")
    ok("info: SIGTERM: shutting down" in srv.logtext(), "shutdown is logged")


if __name__ == "__main__":
    sys.exit(main())
