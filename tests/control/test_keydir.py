#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""sigedge with a key directory, end to end, TAP output.

Usage: test_keydir.py SIGEDGE SIGEDGECTL

Makes a KSK and a ZSK for example.com with ldns-keygen, starts sigedge with
server.keydir in its configuration file (example.org has no keys), checks
`sigedgectl key list`, that kdig +dnssec gets the DNSKEY RRset with the KSK's
RRSIG (verified with dnspython) and the CDS. Then key management on the
running daemon, judged by kdig: a ZSK rollover with `key generate`, `key
retire` and `key remove` whose times lie a few seconds ahead (the daemon
swaps the key table at each), a KSK revoked by the Revoke time in its key
file (published with the REVOKE bit, self-signed), refused changes, and a
key directory that cannot be written (nothing changes). Then bad keys
(truncated, mismatched, unsupported algorithms 14 and 5, a group-readable
private file): each stops start-up with exit 1 and a message naming the
file and the reason, and on `zone reload` and SIGHUP the zone keeps serving
its previous DNSKEY RRset, signed by the same keys. Last, a repaired file
gives a new generation, and a zone without key files is served unsigned.
"""
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

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


def dnskeys(out):
    """The DNSKEY RRs of kdig output as (flags, key tag) pairs, sorted."""
    keys = []
    for m in re.finditer(r"\tDNSKEY\t(\d+) 3 (\d+) (\S+)", out):
        keys.append((int(m.group(1)), keytag(int(m.group(1)), int(m.group(2)), m.group(3))))
    return sorted(keys)


def keytag(flags, alg, b64):
    """RFC 4034 appendix B."""
    import base64
    rd = bytes([flags >> 8, flags & 0xff, 3, alg]) + base64.b64decode(b64)
    acc = 0
    for i, b in enumerate(rd):
        acc += b << 8 if i % 2 == 0 else b
    return (acc + (acc >> 16)) & 0xffff


def sig_tags(out, rtype):
    """Key tags of the RRSIGs over rtype in kdig output, sorted."""
    return sorted(int(t) for t in re.findall(r"\tRRSIG\t%s \d+ \d+ \d+ \d+ \d+ (\d+) " % rtype, out))


def served(srv):
    """What example.com serves: DNSKEYs, RRSIG DNSKEY tags, RRSIG SOA tags, CDS tags."""
    dk = srv.kdig("example.com", "DNSKEY", "+dnssec")
    soa = srv.kdig("example.com", "SOA", "+dnssec")
    cds = srv.kdig("example.com", "CDS")
    return (dnskeys(dk), sig_tags(dk, "DNSKEY"), sig_tags(soa, "SOA"),
            sorted(int(t) for t in re.findall(r"\tCDS\t(\d+) ", cds)))


def key_line(out, tag):
    m = re.search(r"^  tag=%d .*$" % tag, out, re.M)
    return m.group(0) if m else ""


def generation(out, zone):
    m = re.search(r"^%s generation=(\d+) " % re.escape(zone), out, re.M)
    return int(m.group(1)) if m else None


def verify_dnskey(port, ksk_tag, only_tag=None):
    """
    Check the DNSKEY RRset's RRSIGs with dnspython; None when it is not usable.
    With only_tag: the RRSIG by that key alone, against that DNSKEY alone (a
    previous key, or a revoked one's self-signature); else the RRSIGs must
    be exactly ksk_tag's.
    """
    try:
        import dns.dnssec
        import dns.message
        import dns.name
        import dns.query
        import dns.rdatatype
        import dns.rrset
    except ImportError:
        return None
    q = dns.message.make_query("example.com", "DNSKEY", want_dnssec=True)
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=3)
    name = dns.name.from_text("example.com")
    keys = r.find_rrset(r.answer, name, dns.rdataclass.IN, dns.rdatatype.DNSKEY)
    sigs = r.find_rrset(r.answer, name, dns.rdataclass.IN, dns.rdatatype.RRSIG,
                        dns.rdatatype.DNSKEY)
    trusted = keys
    if only_tag is not None:
        one = [s for s in sigs if s.key_tag == only_tag]
        key = [k for k in keys if dns.dnssec.key_id(k) == only_tag]
        if len(one) != 1 or len(key) != 1:
            return False
        sigs = dns.rrset.from_rdata_list(name, sigs.ttl, one)
        trusted = dns.rrset.from_rdata_list(name, keys.ttl, key)
    elif [s.key_tag for s in sigs] != [ksk_tag]:
        return False
    try:
        dns.dnssec.validate(keys, sigs, {name: trusted})
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
                f"state=active file={os.path.join(keydir, base)}.private")
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

    cache_survives_reload(srv)
    new_zsk = zsk_rollover(srv, keydir, ksk_tag, zsk_tag)
    ksk2 = ksk_revocation(srv, keydir, ksk, ksk_tag, new_zsk)
    if ksk2 is None:
        return
    refusals(srv, keydir, ksk2, new_zsk)
    unsigned_to_signed(srv)
    unwritable(srv, keydir, new_zsk)
    bad_keys(srv, tmp, keydir, ksk2, new_zsk)

    rc, out, err = srv.ctl("key", "retire", "example.com", str(ksk2), "--force")
    ok(rc == 0 and "state=retired" in out, "--force retires the only active KSK", out + err)
    st = served(srv)
    ok(st[2] == [new_zsk] and new_zsk in st[1] and ksk2 not in st[1] and
       (257, ksk2) in st[0], "then the ZSK signs the DNSKEY RRset, the KSK stays published", st)

    # Repaired after a broken file: a new key table.
    zsk_priv = os.path.join(keydir, zsk + ".private")
    with open(zsk_priv) as f:
        good = f.read()
    with open(zsk_priv, "w") as f:
        f.write(good.splitlines()[0] + "\n")
    rc, out, err = srv.ctl("zone", "reload", "example.com")
    ok(rc == 1 and f"example.com: error: keys: {zsk_priv}" in out, "a broken file again", out)
    rc, out, err = srv.ctl("key", "list", "example.com")
    gen_before = generation(out, "example.com")
    with open(zsk_priv, "w") as f:
        f.write(good)
    rc, out, err = srv.ctl("zone", "reload", "example.com")
    ok(rc == 0 and re.search(r"^example\.com: keys: 4, generation \d+$", out, re.M),
       "reload with the repaired file loads the keys", out + err)
    rc, out, err = srv.ctl("key", "list", "example.com")
    gen1 = generation(out, "example.com")
    ok(gen1 is not None and gen_before is not None and gen1 > gen_before,
       f"a new generation ({gen1} after {gen_before})", out)

    # Without its key files the zone is served unsigned.
    for name in os.listdir(keydir):
        os.rename(os.path.join(keydir, name), os.path.join(tmp, name))
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


def counters(srv):
    rc, out, err = srv.ctl("stats")
    return {k: int(v) for k, v in re.findall(r"^([a-z-]+): (\d+)$", out, re.M)}


def cache_survives_reload(srv):
    """
    A reload that leaves the zone-signing keys as they were publishes a new
    key table that signs alike: the signatures cached before stay in use.
    One source port keeps the queries on one worker (and its cache).
    """
    sport = free_port()
    ask = lambda: srv.kdig("www.example.com", "A", "+dnssec", "+notcp", "-b",
                           f"127.0.0.1#{sport}")
    ask()
    before = counters(srv)
    out = ask()
    mid = counters(srv)
    ok("\tRRSIG\tA " in out and mid["sigcache-miss"] == before["sigcache-miss"] and
       mid["sigcache-hit"] > before["sigcache-hit"], "a repeated signed answer is a cache hit",
       (before, mid))
    rc, out, err = srv.ctl("zone", "reload", "example.com")
    ok(rc == 0 and re.search(r"^example\.com: keys: 2, generation \d+$", out, re.M),
       "reload with the same keys: a new key table", out + err)
    out = ask()
    after = counters(srv)
    ok("\tRRSIG\tA " in out and after["sigcache-miss"] == mid["sigcache-miss"] and
       after["sigcache-hit"] > mid["sigcache-hit"],
       "after the swap the cached signature is still used (no new signature)", (mid, after))


def zsk_rollover(srv, keydir, ksk_tag, zsk_tag):
    """Pre-publish a new ZSK, activate it, retire and remove the old one; returns its tag."""
    rc, out, err = srv.ctl("key", "generate", "example.com", "--zsk", "--activate", "+3")
    m = re.search(r"^tag=(\d+) algorithm=13 \(ECDSAP256SHA256\) flags=256 state=published "
                  r"file=(\S+)$", out, re.M)
    ok(rc == 0 and m and re.search(r"^example\.com: generation \d+$", out, re.M),
       "key generate: tag, state, file and the new generation", out + err)
    if not m:
        return 0
    new, path = int(m.group(1)), m.group(2)
    ok(os.path.exists(path) and stat.S_IMODE(os.stat(path).st_mode) == 0o600 and
       os.path.exists(path[:-len(".private")] + ".key"),
       "the new key's files are in the key directory, the private one 0600")
    with open(path) as f:
        text = f.read()
    ok(re.search(r"^Activate: \d{14}$", text, re.M) and re.search(r"^Publish: \d{14}$", text, re.M),
       "its Publish and Activate times are in the private file", text)
    st = served(srv)
    ok(st[0] == sorted([(257, ksk_tag), (256, zsk_tag), (256, new)]),
       "the new ZSK is published at once", st)
    ok(st[2] == [zsk_tag], "before its Activate time it does not sign", st)
    rc, out, err = srv.ctl("key", "list", "example.com")
    ok(re.search(r"role=none state=published created=\d+ publish=\d+ activate=\d+ file=",
                 key_line(out, new)), "key list: published, not active, with its times", out)
    ok(wait_for(lambda: served(srv)[2] == sorted([zsk_tag, new]), 8),
       "at its Activate time both ZSKs sign, no command given", served(srv))
    ok(re.search(r"zone example\.com: key table rebuilt at a key timing event", srv.logtext()),
       "the daemon logs the rebuild at the key event")

    rc, out, err = srv.ctl("key", "retire", "example.com", str(zsk_tag), "now+2")
    ok(rc == 0 and re.search(r"^tag=%d algorithm=13 inactive=\d{14} state=active " % zsk_tag, out,
                             re.M), "key retire with a time ahead", out + err)
    rc, out, err = srv.ctl("key", "remove", "example.com", str(zsk_tag), "+4")
    ok(rc == 0 and "delete=" in out, "key remove with a time ahead", out + err)
    ok(wait_for(lambda: served(srv)[2] == [new], 6), "after Inactive the old ZSK no longer signs",
       served(srv))
    ok((256, zsk_tag) in served(srv)[0], "but is still published")
    ok(wait_for(lambda: served(srv)[0] == sorted([(257, ksk_tag), (256, new)]), 6),
       "after Delete it is no longer published", served(srv))
    rc, out, err = srv.ctl("key", "list", "example.com")
    ok("role=none state=removed" in key_line(out, zsk_tag) and
       "inactive=" in key_line(out, zsk_tag) and "delete=" in key_line(out, zsk_tag),
       "key list: the old ZSK removed, with its times", out)
    ok(all(os.path.exists(os.path.join(keydir, f"Kexample.com.+013+{zsk_tag:05d}{e}"))
           for e in (".key", ".private")), "the removed key's files are kept")
    verdict = verify_dnskey(srv.port, ksk_tag)
    if verdict is not None:
        ok(verdict, "dnspython validates the DNSKEY RRset after the rollover")
    return new


def ksk_revocation(srv, keydir, ksk, ksk_tag, zsk):
    """A second KSK by command, the first revoked by the Revoke time in its file."""
    rc, out, err = srv.ctl("key", "generate", "example.com", "--ksk")
    m = re.search(r"^tag=(\d+) algorithm=13 \(ECDSAP256SHA256\) flags=257 state=active ", out,
                  re.M)
    if not ok(rc == 0 and m, "key generate --ksk: an active KSK", out + err):
        return None
    ksk2 = int(m.group(1))
    st = served(srv)
    ok(st[1] == sorted([ksk_tag, ksk2]) and st[3] == sorted([ksk_tag, ksk2]),
       "both KSKs sign DNSKEY and have a CDS", st)

    priv = os.path.join(keydir, ksk + ".private")
    when = time.strftime("%Y%m%d%H%M%S", time.gmtime(time.time() + 3))
    with open(priv, "a") as f:
        f.write(f"Revoke: {when}\n")
    rc, out, err = srv.ctl("zone", "reload", "example.com")
    ok(rc == 0, "reload reads the Revoke time from the key file", out + err)
    ok(served(srv)[1] == sorted([ksk_tag, ksk2]), "before it the KSK is not revoked")
    rtag = None
    dk = srv.kdig("example.com", "DNSKEY")
    for m2 in re.finditer(r"\tDNSKEY\t257 3 13 (\S+)", dk):
        if keytag(257, 13, m2.group(1)) == ksk_tag:
            rtag = keytag(257 | 0x80, 13, m2.group(1))
    want = sorted([(385, rtag), (257, ksk2), (256, zsk)])
    ok(rtag is not None and wait_for(lambda: served(srv)[0] == want, 6),
       f"at the Revoke time the KSK is published with the REVOKE bit, tag {rtag}", served(srv))
    st = served(srv)
    ok(st[1] == sorted([rtag, ksk2]), "the revoked KSK self-signs the DNSKEY RRset (RFC 5011)",
       st)
    ok(st[3] == [ksk2] and st[2] == [zsk], "no CDS for it; the ZSK signs the zone", st)
    verdict = verify_dnskey(srv.port, None, only_tag=rtag)
    if verdict is not None:
        ok(verdict, "dnspython: the revoked key's self-signature validates")
        ok(verify_dnskey(srv.port, None, only_tag=ksk2), "and the new KSK's")
    rc, out, err = srv.ctl("key", "list", "example.com")
    ok(re.search(r"role=revoked state=revoked revoked-tag=%d .*revoke=\d{14}" % rtag,
                 key_line(out, ksk_tag)), "key list: revoked, with its new tag", out)
    return ksk2


def refusals(srv, keydir, ksk2, zsk):
    """Changes that are refused leave the generation as it was."""
    rc, out, err = srv.ctl("key", "list", "example.com")
    gen = generation(out, "example.com")
    for args, what, needle in (
            (("retire", "example.com", str(ksk2)), "retiring the only active KSK",
             "no active key-signing (SEP) key"),
            (("activate", "example.com", "1"), "an unknown tag", "has no key with tag 1"),
            (("activate", "example.com", str(zsk), "--algorithm", "15"),
             "a tag with another algorithm", "no key with tag"),
            (("publish", "nonexistent.example", "1"), "an unknown zone", "unknown zone"),
            (("activate", "example.com", str(zsk), "yesterday"), "a bad time",
             "expected YYYYMMDDHHMMSS"),
            (("generate", "example.com", "--algorithm", "14"), "an unsupported algorithm",
             "expected 13, 15 or 8"),
            (("generate",), "no zone", "no zone")):
        rc, out, err = srv.ctl("key", *args)
        ok(rc == 1 and needle in err, f"refused: {what}", out + err)
    rc, out, err = srv.ctl("key", "list", "example.com")
    ok(generation(out, "example.com") == gen, "refusals changed nothing", out)
    rc, out, err = srv.ctl("key", "retire", "example.com", str(ksk2), "+3600", "--force")
    ok(rc == 0, "a retirement ahead in time is not refused", out + err)
    rc, out, err = srv.ctl("key", "retire", "example.com", str(ksk2), "20991231000000")
    ok(rc == 0 and "inactive=20991231000000" in out, "a YYYYMMDDHHMMSS time", out + err)
    rc, out, err = srv.ctl("help")
    ok(all(f"key {c} " in out for c in ("generate", "publish", "activate", "retire", "remove")),
       "help lists the key commands", out)


def unsigned_to_signed(srv):
    """A key generated for an unsigned zone with a Publish time ahead signs it from then on."""
    rc, out, err = srv.ctl("key", "generate", "example.org", "--algorithm", "15", "--publish", "+2")
    m = re.search(r"^tag=(\d+) algorithm=15 \(ED25519\) flags=256 state=pending ", out, re.M)
    ok(rc == 0 and m and "example.org: unsigned (no key published)" in out,
       "key generate for an unsigned zone, published later: still unsigned", out + err)
    if not m:
        return
    tag = int(m.group(1))
    out = srv.kdig("example.org", "DNSKEY", "+dnssec")
    ok("\tDNSKEY\t" not in out, "no DNSKEY before its Publish time", out)
    ok(wait_for(lambda: re.search(r"\tRRSIG\tSOA 15 2 \d+ \d+ \d+ %d " % tag,
                                  srv.kdig("example.org", "SOA", "+dnssec")), 6),
       "at its Publish time the zone is signed by it", srv.kdig("example.org", "SOA", "+dnssec"))
    out = srv.kdig("example.org", "DNSKEY", "+dnssec")
    ok(re.search(r"\tRRSIG\tDNSKEY 15 2 \d+ \d+ \d+ %d " % tag, out),
       "a lone key signs its DNSKEY RRset too", out)


def snapshot(keydir):
    files = {}
    for name in sorted(os.listdir(keydir)):
        with open(os.path.join(keydir, name), "rb") as f:
            files[name] = f.read()
    return files


def unwritable(srv, keydir, zsk):
    """A key directory that cannot be written: the served table and the files stay."""
    rc, out, err = srv.ctl("key", "list", "example.com")
    gen, before, files = generation(out, "example.com"), served(srv), snapshot(keydir)
    if os.geteuid() == 0:
        r = subprocess.run(["chattr", "+i", keydir], capture_output=True, text=True)
        if r.returncode != 0:
            diag(f"chattr +i failed ({r.stderr.strip()}): unwritable key directory not tested")
            return
    else:
        os.chmod(keydir, 0o555)
    try:
        rc, out, err = srv.ctl("key", "generate", "example.com")
        ok(rc == 1 and "writing the key" in err and "nothing changed" in err,
           "key generate into an unwritable key directory fails", out + err)
        rc, out, err = srv.ctl("key", "retire", "example.com", str(zsk), "+3600")
        ok(rc == 1 and "writing the key" in err, "key retire fails too", out + err)
        rc, out, err = srv.ctl("key", "list", "example.com")
        ok(generation(out, "example.com") == gen and "inactive=" not in key_line(out, zsk),
           "same generation, the key unchanged", out)
        ok(served(srv) == before, "the same keys are served")
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", keydir])
        else:
            os.chmod(keydir, 0o755)
    ok(snapshot(keydir) == files, "the key files are unchanged")


def bad_keys(srv, tmp, keydir, ksk2, zsk):
    """Acceptance: each bad key stops start-up and leaves a running zone its keys."""
    scratch = os.path.join(tmp, "scratch")
    os.mkdir(scratch)
    other = keygen(scratch, "-a", "ECDSAP256SHA256", "example.com")
    zbase = os.path.join(keydir, f"Kexample.com.+013+{zsk:05d}")
    with open(zbase + ".private") as f:
        zpriv = f.read()

    def truncate():
        with open(zbase + ".private", "w") as f:
            f.write(zpriv.splitlines()[0] + "\n")
        return zbase + ".private"

    def mismatch():
        shutil.copy(os.path.join(scratch, other + ".private"), zbase + ".private")
        return zbase + ".private"

    def restore():
        with open(zbase + ".private", "w") as f:
            f.write(zpriv)
        os.chmod(zbase + ".private", 0o600)

    made = []

    def algorithm(alg, *args):
        def setup():
            made.append(keygen(keydir, "-a", alg, *args, "example.com"))
            return os.path.join(keydir, made[-1] + ".key")
        return setup

    def unmake():
        for ext in (".key", ".private", ".ds"):
            p = os.path.join(keydir, made[-1] + ext)
            if os.path.exists(p):
                os.remove(p)

    def readable():
        os.chmod(zbase + ".private", 0o640)
        return zbase + ".private"

    cases = (
        ("truncated private file", truncate, restore, r"ends without|expected"),
        ("mismatched .key and .private", mismatch, restore,
         r"private key does not match the public key"),
        ("algorithm 14", algorithm("ECDSAP384SHA384"), unmake, r"algorithm 14 is not supported"),
        ("algorithm 5", algorithm("RSASHA1", "-b", "1024"), unmake,
         r"algorithm 5 is not supported"),
        ("group-readable private file", readable, restore, r"mode 0640 .*must be 0600"),
    )
    before = served(srv)
    rc, out, err = srv.ctl("key", "list", "example.com")
    gen = generation(out, "example.com")
    for what, setup, cleanup, reason in cases:
        try:
            path = setup()
        except subprocess.CalledProcessError as e:
            diag(f"{what}: cannot make it ({e}); skipped")
            continue
        try:
            port2 = free_port()
            r = subprocess.run([srv.sigedge, "--listen", f"127.0.0.1:{port2}",
                                "--zone", "example.com=" + os.path.join(tmp, "example.com.zone"),
                                "--keydir", keydir, "--control", os.path.join(tmp, "second.sock")],
                               capture_output=True, text=True, timeout=30)
            ok(r.returncode == 1 and re.search(
                r"sigedge: zone example\.com: keys: %s(:\d+)?: .*(%s)" % (re.escape(path), reason),
                r.stderr), f"{what}: start-up exits 1 naming the file and the reason", r.stderr)

            rc, out, err = srv.ctl("zone", "reload", "example.com")
            ok(rc == 1 and re.search(r"example\.com: error: keys: %s(:\d+)?: .*(%s).*\(previous "
                                     r"keys kept\)" % (re.escape(path), reason), out),
               f"{what}: zone reload reports it and keeps the keys", out + err)
            ok(served(srv) == before, f"{what}: the same DNSKEY RRset and RRSIGs are served",
               served(srv))
            verdict = verify_dnskey(srv.port, None, only_tag=ksk2)
            if verdict is not None:
                ok(verdict, f"{what}: the DNSKEY RRset still validates with the previous KSK")
            mark = len(srv.logtext())
            srv.proc.send_signal(signal.SIGHUP)
            ok(wait_for(lambda: re.search(r"error: zone example\.com: keys: %s.*previous keys kept"
                                          % re.escape(path), srv.logtext()[mark:]), 5),
               f"{what}: SIGHUP logs it and keeps the keys")
            ok(served(srv) == before and srv.proc.poll() is None,
               f"{what}: after SIGHUP the same keys are served", served(srv))
        finally:
            cleanup()
    rc, out, err = srv.ctl("key", "list", "example.com")
    ok(generation(out, "example.com") == gen, "no bad key changed the key table", out)
    rc, out, err = srv.ctl("zone", "reload", "example.com")
    ok(rc == 0 and served(srv)[0] == before[0], "with the files repaired the keys load again",
       out + err)


if __name__ == "__main__":
    sys.exit(main())
