#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""sigedge with a key directory, end to end, TAP output.

Usage: test_keydir.py SIGEDGE SIGEDGECTL

Makes a KSK and a ZSK for example.com with ldns-keygen, starts sigedge with
server.keydir in its configuration file (example.org has no keys), checks
`sigedgectl key list`, that kdig +dnssec gets the DNSKEY RRset with the KSK's
RRSIG (verified with dnspython) and the CDS, that a broken key file makes
`zone reload` and SIGHUP report the file and keep the previous keys, that a
repaired one gives a new generation, and that a broken key file stops
start-up and --check with an error naming it.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from testlib import Tap, free_port, stop, wait_for  # noqa: E402

SRCDIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

tap = Tap()
ok = tap.ok
diag = tap.diag


def keygen(keydir, *args):
    """ldns-keygen in keydir; returns the base name (Kzone.+AAA+TTTTT)."""
    r = subprocess.run(["ldns-keygen", *args], cwd=keydir, capture_output=True, text=True,
                       check=True)
    return r.stdout.strip()


class Server:
    def __init__(self, sigedge, ctl_path, tmp):
        self.sigedge, self.ctl_path = sigedge, ctl_path
        self.port = free_port()
        self.sock = os.path.join(tmp, "control.sock")
        self.log = os.path.join(tmp, "sigedge.log")
        self.proc = None

    def kdig(self, name, rtype, *extra):
        cmd = ["kdig", "@127.0.0.1", "-p", str(self.port), name, rtype,
               "+timeout=2", "+retry=1", *extra]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout

    def ctl(self, *args):
        r = subprocess.run([self.ctl_path, "-s", self.sock, *args],
                           capture_output=True, text=True, timeout=30)
        return r.returncode, r.stdout, r.stderr

    def logtext(self):
        with open(self.log) as f:
            return f.read()


def generation(out, zone):
    m = re.search(r"^%s generation=(\d+) " % re.escape(zone), out, re.M)
    return int(m.group(1)) if m else None


def verify_dnskey(port, ksk_tag):
    """Check the DNSKEY RRset's RRSIGs with dnspython; None when it is not usable."""
    try:
        import dns.dnssec
        import dns.message
        import dns.name
        import dns.query
        import dns.rdatatype
    except ImportError:
        return None
    q = dns.message.make_query("example.com", "DNSKEY", want_dnssec=True)
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=3)
    name = dns.name.from_text("example.com")
    keys = r.find_rrset(r.answer, name, dns.rdataclass.IN, dns.rdatatype.DNSKEY)
    sigs = r.find_rrset(r.answer, name, dns.rdataclass.IN, dns.rdatatype.RRSIG,
                        dns.rdatatype.DNSKEY)
    if [s.key_tag for s in sigs] != [ksk_tag]:
        return False
    try:
        dns.dnssec.validate(keys, sigs, {name: keys})
    except dns.dnssec.ValidationFailure:
        return False
    except Exception as e:  # no cryptography module: not a verdict
        diag(f"dnspython cannot validate: {e}")
        return None
    return True


def main():
    if len(sys.argv) != 3:
        print("1..0 # SKIP usage: test_keydir.py SIGEDGE SIGEDGECTL")
        return 0
    for tool, pkg in (("kdig", "knot-dnsutils"), ("ldns-keygen", "ldnsutils")):
        if not shutil.which(tool):
            print(f"1..0 # SKIP {tool} ({pkg}) is not installed")
            return 0
    sigedge, ctlbin = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])

    tmp = tempfile.mkdtemp(prefix="sigedge-test-keys-")
    keydir = os.path.join(tmp, "keys")
    os.mkdir(keydir)
    shutil.copy(os.path.join(SRCDIR, "zones", "example.com.zone"), tmp)
    shutil.copy(os.path.join(SRCDIR, "tests", "zones", "example.org.zone"), tmp)
    ksk = keygen(keydir, "-a", "ECDSAP256SHA256", "-k", "example.com")
    zsk = keygen(keydir, "-a", "ECDSAP256SHA256", "example.com")
    srv = Server(sigedge, ctlbin, tmp)
    conf = os.path.join(tmp, "sigedge.conf")
    with open(conf, "w") as f:
        f.write(f"""server: {{
  listen = "127.0.0.1:{srv.port}";
  workers = 2;
  keydir = "keys";
}};
zones = (
  {{ name = "example.com"; file = "example.com.zone"; denial = "nsec"; }},
  {{ name = "example.org"; file = "example.org.zone"; }}
);
""")

    r = subprocess.run([sigedge, "--config", conf, "--check"], capture_output=True, text=True)
    ok(r.returncode == 0, "--check loads the keys", r.stderr)

    logf = open(srv.log, "w")
    srv.proc = subprocess.Popen([sigedge, "--config", conf, "--control", srv.sock],
                                stdout=logf, stderr=subprocess.STDOUT)
    try:
        run_checks(srv, tmp, keydir, conf, ksk, zsk)
    finally:
        stop(srv.proc)
        logf.close()
        if tap.failed:
            diag("sigedge log:\n" + srv.logtext())
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


def run_checks(srv, tmp, keydir, conf, ksk, zsk):
    started = wait_for(lambda: srv.proc.poll() is not None or
                       (os.path.exists(srv.sock) and srv.ctl("status")[0] == 0))
    if not ok(started and srv.proc.poll() is None, "sigedge starts with the key directory",
              srv.logtext()):
        return
    ok(re.search(r"info: zone example\.com: signed with 2 keys, generation \d+", srv.logtext()),
       "start-up logs the signed zone")

    ksk_tag, zsk_tag = int(ksk.split("+")[-1]), int(zsk.split("+")[-1])
    rc, out, err = srv.ctl("key", "list")
    ok(rc == 0, "sigedgectl key list exits 0", err)
    gen0 = generation(out, "example.com")
    ok(gen0 is not None and "example.com generation=%d denial=nsec" % gen0 in out,
       "key list: the zone's generation and denial method", out)
    for tag, flags, role, base in ((ksk_tag, 257, "KSK", ksk), (zsk_tag, 256, "ZSK", zsk)):
        want = (f"  tag={tag} algorithm=13 (ECDSAP256SHA256) flags={flags} role={role} "
                f"file={os.path.join(keydir, base)}.private")
        ok(want in out.splitlines(), f"key list shows the {role}", out)
    ok(re.search(r"^example\.org unsigned$", out, re.M), "key list: example.org is unsigned", out)
    rc, out, err = srv.ctl("key", "list", "example.org")
    ok(rc == 0 and "example.org unsigned" in out and "example.com" not in out,
       "key list NAME shows that zone only", out)
    rc, out, err = srv.ctl("key", "list", "nonexistent.example")
    ok(rc == 1 and "unknown zone" in err, "key list of an unknown zone is an error", out + err)

    out = srv.kdig("example.com", "DNSKEY", "+dnssec")
    ok(len(re.findall(r"\tDNSKEY\t25[67] 3 13 ", out)) == 2, "kdig +dnssec: both DNSKEYs", out)
    ok(re.search(r"\tRRSIG\tDNSKEY 13 2 3600 \d+ \d+ %d example\.com\. " % ksk_tag, out),
       "kdig +dnssec: the DNSKEY RRset's RRSIG by the KSK", out)
    verdict = verify_dnskey(srv.port, ksk_tag)
    if verdict is None:
        diag("dnspython validation skipped")
    else:
        ok(verdict, "dnspython validates the DNSKEY RRset with the KSK's RRSIG")
    out = srv.kdig("example.com", "CDS", "+dnssec")
    ok(re.search(r"\tCDS\t%d 13 2 " % ksk_tag, out), "CDS of the KSK is published", out)
    out = srv.kdig("example.org", "DNSKEY", "+dnssec")
    ok("status: NOERROR" in out and "\tDNSKEY\t" not in out and "\tRRSIG\t" not in out,
       "the zone without keys is served unsigned", out)

    # A broken key file: the zone keeps its keys.
    zsk_priv = os.path.join(keydir, zsk + ".private")
    with open(zsk_priv) as f:
        good = f.read()
    with open(zsk_priv, "w") as f:
        f.write(good.splitlines()[0] + "\n")
    rc, out, err = srv.ctl("zone", "reload", "example.com")
    ok(rc == 1, "zone reload with a broken key file exits 1", out + err)
    ok(f"example.com: error: keys: {zsk_priv}" in out and "(previous keys kept)" in out,
       "the reload report names the key file and keeps the keys", out)
    rc, out, err = srv.ctl("key", "list", "example.com")
    ok(generation(out, "example.com") == gen0 and f"tag={zsk_tag} " in out,
       "key list: same generation and keys", out)
    out = srv.kdig("example.com", "DNSKEY", "+dnssec")
    ok(len(re.findall(r"\tDNSKEY\t25[67] 3 13 ", out)) == 2 and "\tRRSIG\t" in out,
       "the previous DNSKEY RRset is still served, signed", out)

    srv.proc.send_signal(signal.SIGHUP)
    ok(wait_for(lambda: re.search(r"error: zone example\.com: keys: %s.*previous keys kept"
                                  % re.escape(zsk_priv), srv.logtext()), 5),
       "SIGHUP logs the broken key file; previous keys kept")
    ok(srv.proc.poll() is None, "sigedge is still running")

    r = subprocess.run([srv.sigedge, "--config", conf, "--check"], capture_output=True, text=True)
    ok(r.returncode == 1 and f"sigedge: zone example.com: keys: {zsk_priv}" in r.stderr,
       "--check names the broken key file, exit 1", r.stderr)
    port2 = free_port()
    r = subprocess.run([srv.sigedge, "--listen", f"127.0.0.1:{port2}",
                        "--zone", "example.com=" + os.path.join(tmp, "example.com.zone"),
                        "--keydir", keydir, "--control", os.path.join(tmp, "second.sock")],
                       capture_output=True, text=True, timeout=30)
    ok(r.returncode == 1 and f"sigedge: zone example.com: keys: {zsk_priv}" in r.stderr,
       "start-up with a broken key file exits 1 naming the file", r.stderr)

    # Repaired: a new key table.
    with open(zsk_priv, "w") as f:
        f.write(good)
    rc, out, err = srv.ctl("zone", "reload", "example.com")
    ok(rc == 0 and re.search(r"^example\.com: keys: 2, generation \d+$", out, re.M),
       "reload with the repaired file loads the keys", out + err)
    rc, out, err = srv.ctl("key", "list", "example.com")
    gen1 = generation(out, "example.com")
    ok(gen1 is not None and gen0 is not None and gen1 > gen0,
       f"a new generation ({gen1} after {gen0})", out)

    # Without its key files the zone is served unsigned.
    for base in (ksk, zsk):
        for ext in (".key", ".private"):
            os.rename(os.path.join(keydir, base + ext), os.path.join(tmp, base + ext))
    rc, out, err = srv.ctl("zone", "reload", "example.com")
    ok(rc == 0 and "example.com: keys: none (unsigned)" in out, "keys removed: unsigned", out)
    out = srv.kdig("example.com", "DNSKEY", "+dnssec")
    ok("\tDNSKEY\t" not in out and "status: NOERROR" in out, "no DNSKEY served any more", out)

    srv.proc.send_signal(signal.SIGTERM)
    try:
        rc = srv.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = None
    ok(rc == 0, f"SIGTERM: exit status 0 (got {rc})")


if __name__ == "__main__":
    sys.exit(main())
