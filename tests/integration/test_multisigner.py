#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Multi-signer model 2 end to end: three providers of one zone under a validating resolver.

Usage: test_multisigner.py SIGEDGE SIGEDGECTL

Runs in a fresh network namespace (it re-executes itself under `unshare -n`;
root only), so only loopback exists and every server can use port 53, which
NS and glue records imply. The hierarchy:

  127.0.0.2   sigedge P: the parent zone example. (single signer, its own KSK
              and ZSK), holding the delegation of ms.example. (NS and DS) and
              the addresses of the providers' name servers ns-a/ns-b/ns-c;
  127.0.0.11  sigedge A (keysync on 127.0.0.11:5300),
  127.0.0.12  sigedge B (keysync on 127.0.0.12:5300),
  127.0.0.13  knotd C (tests/integration/knotpeer.py, Knot DNS 3.2): the
              providers of ms.example., each with its own algorithm 13 KSK
              and ZSK (RFC 8901 model 2), all with NSEC denial (sigedge's
              minimally covering NSEC, Knot's pre-computed chain);
  127.0.0.3   unbound, validating, with the DS of example.'s KSK as its trust
              anchor and example. as a stub zone at P.

A and B push their records to each other (push, no poll: polling a leaving
peer would import its keys again); towards C they push and poll (Knot 3.2
cannot push; its ZSK and CDS come in by polling).

Queries flow through every step, from threads: to unbound (random names that
do not exist, names and types that exist, NODATA, DNSKEY; unbound's cache
TTLs are 2 s, so it keeps going back to the providers) and straight to each
running provider with DO set. The steps:
  1. initial sync: the parent lists A's NS and DS only; once A and B serve
     both ZSKs the parent adds B's DS, then B's NS (the join procedure);
  2. ZSK rollover at A: a new ZSK signs once B serves it (the gate); the old
     one is retired and removed, and leaves A and B;
  3. KSK rollover at B (double signature): a new KSK, its DS at the parent,
     then B's old KSK goes, then its DS;
  4. adding C: knotd starts, A and B are restarted one at a time with C as a
     peer (their stores keep what they had); once all three serve all three
     ZSKs, the parent adds C's DS, then C's NS;
  5. removing B: the parent removes B's NS, then B's DS; B leaves the group
     (keysync leave), its ZSK leaves A and C; B stops and A is restarted
     without it.
Checks: no SERVFAIL (and no timeout, no answer without AD) from unbound and
no validation failure in its log (val-log-level 2); at least 10,000 queries;
unbound's infrastructure cache shows it queried every provider in service;
after each step the ZSKs each provider serves; and a monitor thread that
keeps checking, for the providers in service, that the signed answers of
each verify with the DNSKEY RRset of each (see monitor()). The monitor is
the sharp check: unbound, handed data that does not verify, tries the other
providers before it gives up, so a single provider out of step rarely
reaches its clients or its log (seen here: B still in the parent's NS set
after it left went unnoticed by unbound for 6 s, not by the monitor).

The child zone's NS RRset names all three providers throughout: the
providers keep NS records out of the authority section of their answers
(checked), so unbound follows the parent's delegation only, and the parent
alone decides which providers it reaches. TAP output; about 60 s.
SIGEDGE_MULTISIGNER_KEEP=1 keeps the temp dir.
"""

import base64
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))
sys.path.insert(0, HERE)
import testlib  # noqa: E402
from testlib import Tap, run, skip, stop, tail, wait_for  # noqa: E402

try:
    import dns.dnssec
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype
    import dns.rrset
    from knotpeer import KnotPeer
except ImportError as e:
    dns, IMPORT_ERROR = None, e

NETNS_ENV = 'SIGEDGE_MULTISIGNER_NETNS'
TOOLS = ['unshare', 'ip', 'unbound', 'unbound-control', 'ldns-keygen']

PARENT = 'example.'
ZONE = 'ms.example.'
TTL = 2                  # every TTL: zone data, DNSKEY, DS, NS
WAIT = TTL + 1           # a TTL and a margin: what a cache may still hold
RESOLVER = '127.0.0.3'
P_ADDR = '127.0.0.2'
ADDR = {'a': '127.0.0.11', 'b': '127.0.0.12', 'c': '127.0.0.13'}
KEYSYNC_PORT = 5300
SECRET_AB = base64.b64encode(b'sigedge a and b share this key..').decode()
SECRET_C = base64.b64encode(b'the key knotd c takes updates by').decode()
KNOT_KEY = 'knot-c.'
SYNC = 20.0              # the longest wait for keys to travel
# Names of the child zone and what they hold (the same file at every provider).
NAMES = [('www', 'A'), ('www', 'AAAA'), ('www', 'TXT'), ('mail', 'A'), ('@', 'MX'),
         ('@', 'SOA'), ('@', 'TXT')]
NODATA = [('www', 'MX'), ('mail', 'TXT'), ('@', 'AAAA')]
KEY_TYPES = ('DNSKEY', 'CDS', 'CDNSKEY')




def enter_netns():
    """Re-execute this script under `unshare -n`, or skip when that cannot work."""
    missing = [t for t in TOOLS if not shutil.which(t)]
    if dns is None:
        skip('python3-dnspython or knotpeer.py does not import: %s' % IMPORT_ERROR)
    missing += KnotPeer.missing_tools()
    if missing:
        skip('missing tools: ' + ' '.join(missing))
    testlib.enter_netns(__file__, NETNS_ENV)


def child_zone_text():
    """The content of ms.example. that every provider serves."""
    return ''.join(line + '\n' for line in [
        '$ORIGIN %s' % ZONE, '$TTL %d' % TTL,
        '@ SOA ns-a.%s hostmaster 1 60 60 3600 %d' % (PARENT, TTL),
        '@ NS ns-a.%s' % PARENT, '@ NS ns-b.%s' % PARENT, '@ NS ns-c.%s' % PARENT,
        '@ MX 10 mail', '@ TXT "three signers"',
        'www A 192.0.2.80', 'www AAAA 2001:db8::80', 'www TXT "multi-signer"',
        'mail A 192.0.2.25'])


def ds_text(dnskey):
    """The DS rdata (SHA-256) of a DNSKEY rdata of ms.example., in text."""
    return dns.dnssec.make_ds(ZONE, dnskey, 'SHA256').to_text()


def key_rdata(path):
    """The DNSKEY rdata of a .key file."""
    with open(path) as f:
        words = [w for line in f if not line.startswith(';') for w in line.split()]
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY,
                               ' '.join(words[words.index('DNSKEY') + 1:]))


def keygen(keydir, zone, ksk):
    """An algorithm 13 key made by ldns-keygen in keydir; its DNSKEY rdata."""
    r = run(['ldns-keygen', '-a', 'ECDSAP256SHA256'] + (['-k'] if ksk else []) + [zone],
            cwd=keydir)
    if r.returncode != 0:
        raise RuntimeError('ldns-keygen %s: %s' % (zone, r.stdout))
    base = os.path.join(keydir, r.stdout.strip().splitlines()[-1])
    if os.path.exists(base + '.ds'):
        os.unlink(base + '.ds')
    os.chmod(base + '.private', 0o600)
    return key_rdata(base + '.key')


def tag(rdata):
    return dns.dnssec.key_id(rdata)


def ask(addr, name, rdtype, rd=True, timeout=3.0):
    """One DO query over UDP (TCP after TC) to addr:53; the reply or None on a timeout/error."""
    q = dns.message.make_query(name, rdtype, want_dnssec=True, payload=1232)
    if not rd:
        q.flags &= ~dns.flags.RD
    try:
        return dns.query.udp_with_fallback(q, addr, timeout=timeout)[0]
    except (OSError, dns.exception.DNSException):
        return None


def dnskeys(addr):
    """The apex DNSKEY rdatas a provider serves (a list), or None without an answer."""
    r = ask(addr, ZONE, 'DNSKEY', rd=False, timeout=1.0)
    if r is None or r.rcode() != dns.rcode.NOERROR:
        return None
    return [rd for rrset in r.answer if rrset.rdtype == dns.rdatatype.DNSKEY for rd in rrset]


def zsk_tags(addr):
    keys = dnskeys(addr)
    return None if keys is None else sorted(tag(k) for k in keys if k.flags == 256)


def apex_rrset(addr, rdtype):
    r = ask(addr, ZONE, rdtype, rd=False, timeout=1.0)
    if r is None:
        return None
    t = dns.rdatatype.from_text(rdtype)
    return [rd for rrset in r.answer if rrset.rdtype == t for rd in rrset]


def sig_tags(reply):
    """Key tags of the RRSIGs over zone data (not DNSKEY/CDS/CDNSKEY) in a
    reply's answer and authority sections."""
    skip_types = {dns.rdatatype.from_text(t) for t in KEY_TYPES}
    return {rd.key_tag for section in (reply.answer, reply.authority) for rrset in section
            if rrset.rdtype == dns.rdatatype.RRSIG and rrset.covers not in skip_types
            for rd in rrset}


def signs_with(addr, key_tag):
    """Whether the provider's SOA RRSIG is made by key_tag."""
    r = ask(addr, ZONE, 'SOA', rd=False, timeout=1.0)
    return r is not None and key_tag in sig_tags(r)


class Sigedge:
    """One sigedge with its key dir, state dir, configuration and log."""

    def __init__(self, exe, ctl, tmp, name, addr, zone, zonefile, keysync=False):
        self.exe, self.ctlexe, self.name, self.addr, self.zone = exe, ctl, name, addr, zone
        self.dir = os.path.join(tmp, name)
        self.keydir = os.path.join(self.dir, 'keys')
        self.statedir = os.path.join(self.dir, 'state')
        os.makedirs(self.keydir)
        os.makedirs(self.statedir)
        self.zonefile, self.keysync = zonefile, keysync
        self.sock = os.path.join(self.dir, 'control.sock')
        self.conf = os.path.join(self.dir, 'sigedge.conf')
        self.log = os.path.join(self.dir, 'sigedge.log')
        self.proc = None
        self.ksk = keygen(self.keydir, zone, True)
        self.zsk = keygen(self.keydir, zone, False)
        self.failed_exits = []

    def configure(self, peers=None):
        """Write the configuration: peers (libconfig groups) make the zone multi-signer."""
        ms = ''
        if peers is not None:
            ms = ('multi-signer = { model = 2; poll-interval = 1; retry-min = 1; retry-max = 2; '
                  'delay = 0; timeout-ms = 500;\n        peers = ( %s ); };'
                  % ',\n    '.join(peers))
        keysync = 'keysync-listen = "%s:%d";' % (self.addr, KEYSYNC_PORT) if self.keysync else ''
        with open(self.conf, 'w') as f:
            f.write(f'''server: {{
    listen = "{self.addr}:53"; workers = 1; control = "{self.sock}";
    keydir = "{self.keydir}"; statedir = "{self.statedir}"; {keysync}
    log-level = "debug";
}};
zones = (
    {{ name = "{self.zone}"; file = "{self.zonefile}"; denial = "nsec"; dnskey-ttl = {TTL};
      {ms} }}
);
''')

    def start(self):
        with open(self.log, 'a') as logf:
            logf.write('---- start %s\n' % time.strftime('%H:%M:%S'))
            logf.flush()
            self.proc = subprocess.Popen([self.exe, '-c', self.conf], stdout=logf,
                                         stderr=subprocess.STDOUT)
        up = wait_for(lambda: self.proc.poll() is not None or
                      signs_with(self.addr, tag(self.zsk)) or
                      (ask(self.addr, self.zone, 'SOA', rd=False, timeout=0.3) is not None), 10)
        if not up or self.proc.poll() is not None:
            raise RuntimeError('sigedge %s did not start:\n%s' % (self.name, tail(self.log)))
        return self

    def stop(self):
        if self.proc is None:
            return
        stop(self.proc)
        if self.proc.returncode != 0:
            self.failed_exits.append(self.proc.returncode)
        self.proc = None

    def restart(self, peers):
        self.stop()
        self.configure(peers)
        self.start()

    def ctl(self, *args):
        r = subprocess.run([self.ctlexe, '-s', self.sock, '-t', '10', *args], capture_output=True,
                           text=True, timeout=20)
        return r.returncode, r.stdout + r.stderr

    def logtext(self):
        with open(self.log, errors='replace') as f:
            return f.read()


def sigedge_peer(name, keyname, secret, poll):
    """A libconfig peer group for sigedge A or B towards peer name (a, b or c)."""
    port = 53 if name == 'c' else KEYSYNC_PORT
    return ('{ name = "%s"; address = "%s:%d"; tsig = "hmac-sha256:%s:%s"; push = true; '
            'poll = %s; }' % (name, ADDR[name], port, keyname, secret,
                              'true' if poll else 'false'))


PEER = {  # (who, towards) -> peer group
    ('a', 'b'): sigedge_peer('b', 'ab-key', SECRET_AB, False),
    ('b', 'a'): sigedge_peer('a', 'ab-key', SECRET_AB, False),
    ('a', 'c'): sigedge_peer('c', KNOT_KEY, SECRET_C, True),
    ('b', 'c'): sigedge_peer('c', KNOT_KEY, SECRET_C, True),
}


class Parent:
    """Sigedge P and the delegation of ms.example. in its zone file."""

    def __init__(self, exe, ctl, tmp):
        self.file = os.path.join(tmp, 'example.zone')
        self.serial = 1
        self.ns, self.ds = [], []
        self.write()
        self.server = Sigedge(exe, ctl, tmp, 'p', P_ADDR, PARENT, self.file)
        self.server.configure()
        self.anchor = '%s %d IN DS %s' % (PARENT, TTL, dns.dnssec.make_ds(
            PARENT, self.server.ksk, 'SHA256').to_text())

    def write(self):
        lines = ['$ORIGIN %s' % PARENT, '$TTL %d' % TTL,
                 '@ SOA ns hostmaster %d 60 60 3600 %d' % (self.serial, TTL), '@ NS ns',
                 'ns A %s' % P_ADDR]
        lines += ['ns-%s A %s' % (n, a) for n, a in sorted(ADDR.items())]
        lines += ['ms NS ns-%s' % n for n in self.ns]
        lines += ['ms DS %s' % d for d in self.ds]
        with open(self.file, 'w') as f:
            f.write(''.join(line + '\n' for line in lines))

    def set(self, ns=None, ds=None):
        """Serve a new delegation (lists of provider names and DS rdata texts)."""
        if ns is not None:
            self.ns = list(ns)
        if ds is not None:
            self.ds = list(ds)
        self.serial += 1
        self.write()
        rc, out = self.server.ctl('zone', 'reload', PARENT)
        if rc != 0:
            raise RuntimeError('parent reload: ' + out)
        want = sorted('ns-%s.%s' % (n, PARENT) for n in self.ns)
        if not wait_for(lambda: self.served_ns() == want, 5):
            raise RuntimeError('parent does not serve NS %s: %s' % (want, self.served_ns()))

    def served_ns(self):
        r = ask(P_ADDR, ZONE, 'NS', rd=False, timeout=1.0)
        if r is None:
            return None
        return sorted(rd.target.to_text() for rrset in r.authority + r.answer
                      if rrset.rdtype == dns.rdatatype.NS for rd in rrset)


class State:
    """What the query threads share with the steps: the providers that are
    running (direct queries go to them) and those in service (their keys
    are checked by the monitor), and the counters."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running = set()
        self.service = set()
        self.stop = threading.Event()
        self.counts = {'unbound': 0, 'direct': 0, 'monitor': 0}
        self.per_provider = {n: 0 for n in ADDR}
        self.rcodes = {}
        self.servfail = []
        self.timeouts = []
        self.no_ad = []
        self.wrong = []
        self.direct_errors = []
        self.violations = []
        self.verified = 0
        self.rounds = 0
        self.step = 'start'

    def snapshot(self):
        with self.lock:
            return set(self.running), set(self.service)

    def set_service(self, names):
        """Change the providers in service; returns once the monitor has run
        a whole round with the new set."""
        with self.lock:
            self.service = set(names)
            start = self.rounds
        wait_for(lambda: self.rounds >= start + 2 or self.stop.is_set(), 10)

    def set_running(self, name, up):
        with self.lock:
            (self.running.add if up else self.running.discard)(name)


def random_label():
    return 'nx%08x' % random.getrandbits(32)


def pick_query():
    """(name, type, expected rcode) for the resolver mix."""
    x = random.random()
    if x < 0.4:
        return '%s.%s' % (random_label(), ZONE), 'A', dns.rcode.NXDOMAIN
    if x < 0.7:
        owner, t = random.choice(NAMES)
    elif x < 0.85:
        owner, t = random.choice(NODATA)
    else:
        owner, t = '@', 'DNSKEY'
    return (ZONE if owner == '@' else '%s.%s' % (owner, ZONE)), t, dns.rcode.NOERROR


def unbound_load(state):
    """Queries to unbound until stopped; every reply must validate (AD) with the expected rcode."""
    while not state.stop.is_set():
        name, rdtype, want = pick_query()
        r = ask(RESOLVER, name, rdtype, timeout=4.0)
        with state.lock:
            state.counts['unbound'] += 1
            what = '%s: %s %s' % (state.step, name, rdtype)
            if r is None:
                state.timeouts.append(what)
                continue
            rc = r.rcode()
            state.rcodes[dns.rcode.to_text(rc)] = state.rcodes.get(dns.rcode.to_text(rc), 0) + 1
            if rc == dns.rcode.SERVFAIL:
                state.servfail.append(what)
            elif rc != want:
                state.wrong.append('%s: %s' % (what, dns.rcode.to_text(rc)))
            elif not r.flags & dns.flags.AD:
                state.no_ad.append(what)
        time.sleep(0.015)


def direct_load(state):
    """DO queries straight to each running provider, round robin."""
    while not state.stop.is_set():
        running, _ = state.snapshot()
        if not running:
            time.sleep(0.05)
            continue
        for n in sorted(running):
            name, rdtype, want = pick_query()
            r = ask(ADDR[n], name, rdtype, rd=False, timeout=1.0)
            with state.lock:
                state.counts['direct'] += 1
                state.per_provider[n] += 1
                if r is not None and r.rcode() != want and n in state.running:
                    state.direct_errors.append('%s: %s %s %s at %s' % (
                        state.step, name, rdtype, dns.rcode.to_text(r.rcode()), n))
        time.sleep(0.02)


def signed_rrsets(reply):
    """(RRset, its RRSIG RRset) for every signed RRset of zone data in a
    reply's answer and authority sections."""
    key_types = {dns.rdatatype.from_text(t) for t in KEY_TYPES}
    out = []
    for section in (reply.answer, reply.authority):
        for rrset in section:
            if rrset.rdtype == dns.rdatatype.RRSIG or rrset.rdtype in key_types:
                continue
            sigs = reply.get_rrset(section, rrset.name, rrset.rdclass, dns.rdatatype.RRSIG,
                                   rrset.rdtype)
            if sigs is not None:
                out.append((rrset, sigs))
    return out


def verifies(rrset, sigs, keys):
    """Whether an RRSIG of sigs verifies rrset with a key of keys (DNSKEY rdatas)."""
    keyset = dns.rrset.from_rdata_list(dns.name.from_text(ZONE), TTL, keys)
    try:
        dns.dnssec.validate(rrset, sigs, {keyset.name: keyset})
        return True
    except dns.dnssec.ValidationFailure:
        return False


def monitor(state):
    """The key invariant, for the providers in service: every RRset of zone
    data that any of them serves verifies with the DNSKEY RRset of each of
    them, as a resolver that took the DNSKEY RRset from one provider and
    the data from another would check it. Each round reads every DNSKEY
    RRset, then samples signed answers of every provider (positive, NODATA,
    NXDOMAIN), then reads the DNSKEY RRsets again; an RRset passes for a
    provider when it verifies with either of that provider's two DNSKEY
    RRsets, so a key that is being added or removed during the round is no
    false alarm, while a key that one provider signs with and another
    serves neither before nor after fails."""
    while not state.stop.is_set():
        _, service = state.snapshot()
        queries = 0
        before = {n: dnskeys(ADDR[n]) for n in service}
        queries += len(service)
        samples = []
        for n in service:
            for name, rdtype in ((ZONE, 'SOA'), ('www.' + ZONE, 'A'),
                                 ('%s.%s' % (random_label(), ZONE), 'A'),
                                 ('www.' + ZONE, 'MX')):
                r = ask(ADDR[n], name, rdtype, rd=False, timeout=1.0)
                queries += 1
                if r is not None:
                    samples += [(n, rrset, sigs) for rrset, sigs in signed_rrsets(r)]
        after = {n: dnskeys(ADDR[n]) for n in service}
        queries += len(service)
        bad = []
        checked = 0
        for x in service:
            keysets = [k for k in (before[x], after[x]) if k]
            if not keysets:
                continue  # not answering (restarting): nothing to compare
            for y, rrset, sigs in samples:
                checked += 1
                if not any(verifies(rrset, sigs, keys) for keys in keysets):
                    bad.append('%s %s signed by %s at %s does not verify with %s\'s DNSKEY '
                               'RRset (tags %s, then %s)' % (
                                   rrset.name, dns.rdatatype.to_text(rrset.rdtype),
                                   sorted(s.key_tag for s in sigs), y.upper(), x.upper(),
                                   sorted(tag(k) for k in before[x] or []),
                                   sorted(tag(k) for k in after[x] or [])))
        with state.lock:
            state.counts['monitor'] += queries
            state.verified += checked
            state.violations += ['%s: %s' % (state.step, b) for b in bad]
            state.rounds += 1
        time.sleep(0.2)


def spawn(args, log):
    with open(log, 'w') as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)


def log_failures(path):
    """unbound's log lines that report a SERVFAIL, a validation failure or bogus data."""
    with open(path, errors='replace') as f:
        return [line for line in f if 'SERVFAIL' in line or 'validation failure' in line
                or 'bogus' in line.lower()]


class Test:
    def __init__(self, tap, tmp, sigedge, sigedgectl):
        self.tap, self.tmp = tap, tmp
        self.state = State()
        self.childfile = os.path.join(tmp, 'ms.example.zone')
        with open(self.childfile, 'w') as f:
            f.write(child_zone_text())
        self.parent = Parent(sigedge, sigedgectl, tmp)
        self.a = Sigedge(sigedge, sigedgectl, tmp, 'a', ADDR['a'], ZONE, self.childfile, True)
        self.b = Sigedge(sigedge, sigedgectl, tmp, 'b', ADDR['b'], ZONE, self.childfile, True)
        cdir = os.path.join(tmp, 'c')
        os.mkdir(cdir)
        with open(os.path.join(cdir, ZONE + 'zone'), 'w') as f:
            f.write(child_zone_text())
        self.c = KnotPeer(cdir, zone=ZONE, addr=ADDR['c'], port=53, tsig=(KNOT_KEY, SECRET_C),
                          dnskey_ttl=TTL, zone_max_ttl=TTL, propagation_delay=0)
        self.unbound = None
        self.ulog = os.path.join(tmp, 'unbound-log.txt')
        self.threads = []
        self.t0 = time.monotonic()

    def ok(self, cond, name, detail=None):
        return self.tap.ok(cond, '%s (%.1f s)' % (name, time.monotonic() - self.t0), detail)

    def step(self, text):
        with self.state.lock:
            self.state.step = text
        self.tap.diag('--- %s at %.1f s' % (text, time.monotonic() - self.t0))

    def wait_zsks(self, names, want, when='', timeout=SYNC):
        """Wait until every provider in names serves exactly the ZSK tags want; ok() it."""
        want = sorted(want)
        got = {}

        def done():
            got.update({n: zsk_tags(ADDR[n]) for n in names})
            return all(got[n] == want for n in names)
        t = time.monotonic()
        res = wait_for(done, timeout)
        return self.ok(res, '%s serve ZSKs %s%s (after %.1f s)' % (
            ', '.join(n.upper() for n in names), want, when, time.monotonic() - t),
            '\n'.join('%s serves ZSKs %s' % (n.upper(), got.get(n)) for n in names))

    def wait_cds(self, names, ksks, timeout=SYNC):
        """Wait until every provider in names serves CDS records for exactly the KSKs ksks."""
        want = sorted(ds_text(k) for k in ksks)
        got = {}

        def done():
            for n in names:
                rrs = apex_rrset(ADDR[n], 'CDS')
                got[n] = None if rrs is None else sorted(rd.to_text() for rd in rrs)
            return all(got[n] == want for n in names)
        res = wait_for(done, timeout)
        return self.ok(res, '%s publish the CDS of KSKs %s' % (
            ', '.join(n.upper() for n in names), sorted(tag(k) for k in ksks)),
            '\n'.join('%s: %s' % (n.upper(), got.get(n)) for n in names) + '\nwant %s' % want)

    def start_threads(self):
        for fn in (unbound_load, unbound_load, direct_load, monitor):
            t = threading.Thread(target=fn, args=(self.state,), daemon=True)
            t.start()
            self.threads.append(t)

    def stop_all(self):
        self.state.stop.set()
        for t in self.threads:
            t.join(10)
        for s in (self.a, self.b, self.parent.server):
            s.stop()
        self.c.stop()
        stop(self.unbound)

    def ctl_ok(self, server, *args):
        rc, out = server.ctl(*args)
        self.ok(rc == 0, 'sigedgectl %s at %s' % (' '.join(args), server.name.upper()), out)
        return out

    # ---------------------------------------------------------------------

    def setup(self):
        """P with A's delegation, A and B peers of each other, unbound; the query threads."""
        a, b, st = self.a, self.b, self.state
        self.parent.ns, self.parent.ds = ['a'], [ds_text(a.ksk)]
        self.parent.write()
        self.parent.server.start()
        a.configure([PEER['a', 'b']])
        b.configure([PEER['b', 'a']])
        a.start()
        b.start()
        st.set_running('a', True)
        st.set_running('b', True)
        conf = testlib.unbound_conf(self.tmp, RESOLVER, [self.parent.anchor], [(PARENT, P_ADDR)],
                                    self.ulog, ['do-not-query-localhost: no', 'cache-max-ttl: 2',
                                                'cache-max-negative-ttl: 2',
                                                'aggressive-nsec: no',
                                                'qname-minimisation: no',
                                                'infra-host-ttl: 3', 'infra-keep-probing: yes'])
        with open(conf) as f:
            text = f.read()
        with open(conf, 'w') as f:  # unbound-control over a unix socket, for dump_infra
            f.write(text.replace('control-enable: no', 'control-enable: yes\n  control-interface: '
                                 '"%s/unbound.ctl"\n  control-use-cert: no' % self.tmp))
        self.uconf = conf
        self.unbound = spawn(['unbound', '-d', '-c', conf], os.path.join(self.tmp, 'unbound.out'))
        up = wait_for(lambda: self.unbound.poll() is not None or
                      ask(RESOLVER, 'www.' + ZONE, 'A', timeout=0.5) is not None, 10)
        if not self.ok(up and self.unbound.poll() is None, 'unbound serves on ' + RESOLVER,
                       tail(os.path.join(self.tmp, 'unbound.out')) + tail(self.ulog)):
            return False
        r = ask(RESOLVER, 'www.' + ZONE, 'A')
        self.ok(r is not None and r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AD,
                'unbound validates www.%s A through A' % ZONE, r)
        self.no_authority_ns('a')
        self.no_authority_ns('b')
        self.start_threads()
        st.set_service(['a'])
        return True

    def no_authority_ns(self, name):
        """The provider keeps the child zone's NS RRset out of its answers."""
        r = ask(ADDR[name], 'www.' + ZONE, 'A', rd=False)
        self.ok(r is not None and r.answer and not r.authority,
                '%s answers www.%s A without NS records in the authority section'
                % (name.upper(), ZONE), r)

    def reached(self, names, timeout=8.0):
        """unbound's infrastructure cache lists each provider in names (its
        entries last infra-host-ttl seconds after the last query), in dumps
        taken over up to timeout seconds."""
        seen, dumps = set(), []

        def dump():
            r = run(['unbound-control', '-c', self.uconf, 'dump_infra'])
            dumps.append(r.stdout)
            seen.update(n for n, a in ADDR.items()
                        if re.search(r'^%s %s ' % (re.escape(a), re.escape(ZONE)), r.stdout, re.M))
            return set(names) <= seen
        self.ok(wait_for(dump, timeout),
                'unbound queries %s' % ', '.join(n.upper() for n in names),
                'seen %s; last dump:\n%s' % (sorted(seen), dumps[-1]))

    def in_sync(self, x, peers):
        """`keysync status` at sigedge x lists exactly the peers named in peers, each in-sync."""
        def status():
            out = x.ctl('keysync', 'status', ZONE)[1]
            return sorted(re.findall(r'^  peer (\S+) .*: in-sync', out, re.M)) == sorted(peers)
        self.ok(wait_for(status, 10), 'keysync status at %s: %s in-sync' % (
            x.name.upper(), ', '.join(p.upper() for p in peers)),
            x.ctl('keysync', 'status', ZONE)[1])

    def step1_join_b(self):
        self.step('step 1: initial sync of A and B, B joins')
        a, b = self.a, self.b
        self.wait_zsks('ab', [tag(a.zsk), tag(b.zsk)])
        self.wait_cds('ab', [a.ksk, b.ksk])
        self.in_sync(a, 'b')
        self.in_sync(b, 'a')
        self.state.set_service(['a', 'b'])
        time.sleep(WAIT)  # DNSKEY RRsets cached from before B's ZSK came expire
        self.parent.set(ds=[ds_text(a.ksk), ds_text(b.ksk)])
        time.sleep(WAIT)
        self.parent.set(ns=['a', 'b'])
        self.ok(True, 'the parent serves NS and DS of A and B')
        time.sleep(WAIT)
        self.reached('ab')

    def step2_zsk_rollover_a(self):
        """The new ZSK signs no earlier than a DNSKEY TTL after B serves it,
        and the old one stays in A's and B's DNSKEY RRsets at least a TTL
        (the zone's largest) after A last signed with it. Times are taken
        so that sampling cannot make a late event look early: when B is
        seen without the new key, or A signing with the old one, the time
        the query (or the generate or retire command) was sent; when A is
        seen signing with the new key, or a provider without the old one,
        the time the reply came."""
        self.step('step 2: ZSK rollover at A')
        a, b = self.a, self.b
        t_gen = time.monotonic()
        b_lacks = t_gen   # the last time B was seen without the new ZSK (or it did not exist)
        out = self.ctl_ok(a, 'key', 'generate', ZONE, '--zsk')
        m = re.search(r'tag=(\d+)', out)
        if not m:
            return False
        new, old = int(m.group(1)), tag(a.zsk)
        first_sign = None
        while first_sign is None and time.monotonic() < t_gen + SYNC:
            sent = time.monotonic()
            if new not in (zsk_tags(b.addr) or []):
                b_lacks = sent
            if signs_with(a.addr, new):
                first_sign = time.monotonic()
            time.sleep(0.05)
        self.ok(first_sign is not None, 'A signs with its new ZSK %d (after %.1f s)'
                % (new, (first_sign or time.monotonic()) - t_gen), tail(a.log))
        if first_sign is None:
            return False
        detail = ('B last seen without it %.2f s after generate, A seen signing with it at %.2f s'
                  % (b_lacks - t_gen, first_sign - t_gen))
        self.tap.diag(detail)
        self.ok(first_sign >= b_lacks + TTL,
                'A signs with it only %d s (the DNSKEY TTL) after B serves it' % TTL, detail)
        last_sign = time.monotonic()  # A signs with it until it takes the retire command
        self.ctl_ok(a, 'key', 'retire', ZONE, str(old))
        while time.monotonic() < last_sign + 5:
            sent = time.monotonic()
            if not signs_with(a.addr, old):
                break
            last_sign = sent
        self.ok(not signs_with(a.addr, old), 'A no longer signs with %d' % old)
        self.ctl_ok(a, 'key', 'remove', ZONE, str(old))
        gone = {}
        while len(gone) < 2 and time.monotonic() < last_sign + SYNC:
            for x in (a, b):
                if x.name not in gone and old not in (zsk_tags(x.addr) or [old]):
                    gone[x.name] = time.monotonic()
            time.sleep(0.05)
        detail = ('A last seen signing with the old ZSK %.2f s after generate; it is gone at %s'
                  % (last_sign - t_gen, {n: round(t - t_gen, 2) for n, t in gone.items()}))
        self.tap.diag(detail)
        self.ok(len(gone) == 2 and min(gone.values()) >= last_sign + TTL,
                'the old ZSK stays at A and B until %d s (the largest TTL) after its last '
                'signature' % TTL, detail)
        self.wait_zsks('ab', [new, tag(b.zsk)])
        a.zsk = next(k for k in dnskeys(a.addr) if tag(k) == new)
        time.sleep(1)
        return True

    def step3_ksk_rollover_b(self):
        self.step('step 3: KSK rollover at B')
        a, b = self.a, self.b
        out = self.ctl_ok(b, 'key', 'generate', ZONE, '--ksk')
        m = re.search(r'tag=(\d+)', out)
        if not m:
            return False
        new, old = int(m.group(1)), tag(b.ksk)

        def dnskey_sigs():
            r = ask(b.addr, ZONE, 'DNSKEY', rd=False, timeout=1.0)
            return sorted(rd.key_tag for rrset in (r.answer if r else []) for rd in rrset
                          if rrset.rdtype == dns.rdatatype.RRSIG) if r else None
        self.ok(wait_for(lambda: dnskey_sigs() == sorted([old, new]), 5),
                'B signs its DNSKEY RRset with KSKs %d and %d' % (old, new), dnskey_sigs())
        newkey = next(k for k in dnskeys(b.addr) if tag(k) == new)
        self.wait_cds('ab', [a.ksk, b.ksk, newkey])
        self.parent.set(ds=[ds_text(a.ksk), ds_text(b.ksk), ds_text(newkey)])
        self.ok(True, 'the parent serves the DS of B\'s new KSK %d' % new)
        time.sleep(WAIT)
        self.ctl_ok(b, 'key', 'retire', ZONE, str(old))
        self.ctl_ok(b, 'key', 'remove', ZONE, str(old))
        self.ok(wait_for(lambda: dnskey_sigs() == [new], SYNC)
                and wait_for(lambda: old not in {tag(k) for k in dnskeys(b.addr) or []}, SYNC),
                'B serves and signs its DNSKEY RRset with KSK %d alone' % new, dnskey_sigs())
        time.sleep(WAIT)
        b.ksk = newkey
        self.parent.set(ds=[ds_text(a.ksk), ds_text(b.ksk)])
        self.ok(True, 'the parent no longer serves the DS of B\'s old KSK %d' % old)
        self.wait_cds('ab', [a.ksk, b.ksk])
        time.sleep(WAIT)
        return True

    def step4_add_c(self):
        # C joins the peer lists only now, by a restart of A and of B (their stores
        # keep the keys they hold): a peer that is configured but down would hold
        # back A's ZSK gate in step 2, since a new ZSK signs only once every peer
        # it is pushed to serves it.
        self.step('step 4: C joins')
        a, b, c = self.a, self.b, self.c
        t = time.monotonic()
        c.start()
        self.state.set_running('c', True)
        self.ok(True, 'knotd C serves %s signed (%.1f s)' % (ZONE, time.monotonic() - t))
        ckeys = c.dnskeys()
        cksk = next(k for k in ckeys if k.flags == 257)
        czsk = next(k for k in ckeys if k.flags == 256)
        for x, peers in ((a, [PEER['a', 'b'], PEER['a', 'c']]),
                         (b, [PEER['b', 'a'], PEER['b', 'c']])):
            self.state.set_running(x.name, False)
            x.restart(peers)
            self.state.set_running(x.name, True)
            self.ok(signs_with(x.addr, tag(x.zsk)),
                    '%s restarted with C as a peer, signs with ZSK %d' % (x.name.upper(),
                                                                         tag(x.zsk)))
            time.sleep(1)
        self.wait_zsks('abc', [tag(a.zsk), tag(b.zsk), tag(czsk)])
        self.wait_cds('abc', [a.ksk, b.ksk, cksk])
        self.in_sync(a, 'bc')
        self.in_sync(b, 'ac')
        self.state.set_service(['a', 'b', 'c'])
        time.sleep(WAIT)
        self.parent.set(ds=[ds_text(a.ksk), ds_text(b.ksk), ds_text(cksk)])
        time.sleep(WAIT)
        self.parent.set(ns=['a', 'b', 'c'])
        self.ok(True, 'the parent serves NS and DS of A, B and C')
        self.no_authority_ns('c')
        self.cksk, self.czsk = cksk, czsk
        time.sleep(WAIT + 2)
        self.reached('abc')
        return True

    def step5_remove_b(self):
        self.step('step 5: B leaves')
        a, b = self.a, self.b
        self.parent.set(ns=['a', 'c'])
        time.sleep(WAIT)
        self.state.set_service(['a', 'c'])
        self.parent.set(ds=[ds_text(a.ksk), ds_text(self.cksk)])
        self.ok(True, 'the parent no longer serves NS and DS of B')
        time.sleep(WAIT)
        self.ctl_ok(b, 'keysync', 'leave', ZONE)
        self.wait_zsks('ac', [tag(a.zsk), tag(self.czsk)], ' once B left')
        self.state.set_running('b', False)
        b.stop()
        self.state.set_running('a', False)
        a.restart([PEER['a', 'c']])
        self.state.set_running('a', True)
        self.wait_zsks('ac', [tag(a.zsk), tag(self.czsk)], ', A restarted without B')
        self.wait_cds('ac', [a.ksk, self.cksk])
        self.in_sync(a, 'c')
        time.sleep(WAIT + 2)
        self.reached('ac')
        return True

    def finish(self):
        st = self.state
        st.stop.set()
        for t in self.threads:
            t.join(10)
        total = sum(st.counts.values())
        self.tap.diag('queries: %s; direct per provider: %s; unbound rcodes: %s; '
                      'monitor rounds: %d' % (st.counts, st.per_provider, st.rcodes, st.rounds))
        self.ok(total >= 10000, 'at least 10,000 queries (%d)' % total, st.counts)
        self.ok(not st.servfail, 'no SERVFAIL from unbound (%d)' % len(st.servfail),
                '\n'.join(st.servfail[:20]))
        self.ok(not st.timeouts, 'no unanswered query to unbound (%d)' % len(st.timeouts),
                '\n'.join(st.timeouts[:20]))
        self.ok(not st.no_ad, 'every answer from unbound validated (AD) (%d without)'
                % len(st.no_ad), '\n'.join(st.no_ad[:20]))
        self.ok(not st.wrong, 'every answer from unbound has the expected rcode',
                '\n'.join(st.wrong[:20]))
        self.ok(not st.direct_errors, 'every provider answered direct queries as expected',
                '\n'.join(st.direct_errors[:20]))
        self.ok(all(st.per_provider[n] > 200 for n in ADDR),
                'direct queries reached every provider', st.per_provider)
        self.ok(not st.violations and st.verified > 1000,
                'monitor: every provider\'s signed answers verify with every provider\'s '
                'DNSKEY RRset (%d rounds, %d checks)' % (st.rounds, st.verified),
                '\n'.join(st.violations[:30]))
        failures = log_failures(self.ulog)
        self.ok(not failures, 'unbound logged no SERVFAIL, validation failure or bogus',
                ''.join(failures[:30]))


def main():
    if os.environ.get(NETNS_ENV) != '1':
        enter_netns()
    if len(sys.argv) != 3:
        print('usage: test_multisigner.py SIGEDGE SIGEDGECTL', file=sys.stderr)
        return 2
    sigedge, sigedgectl = (os.path.abspath(p) for p in sys.argv[1:3])
    lo = run(['ip', 'link', 'set', 'lo', 'up'])
    if lo.returncode != 0:
        skip('cannot bring lo up in the namespace: ' + lo.stdout.strip())
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='sigedge-multisigner-')
    test = None
    try:
        test = Test(tap, tmp, sigedge, sigedgectl)
        if test.setup():
            for fn in (test.step1_join_b, test.step2_zsk_rollover_a, test.step3_ksk_rollover_b,
                       test.step4_add_c, test.step5_remove_b):
                if fn() is False:
                    break
            test.finish()
    except Exception as e:  # a broken step: report it, the rest still cleans up
        tap.ok(False, 'the steps run to the end', '%s: %s' % (type(e).__name__, e))
        if test:
            test.state.stop.set()
    finally:
        if test:
            test.stop_all()
            for s in (test.a, test.b, test.parent.server):
                text = s.logtext() if os.path.exists(s.log) else ''
                tap.ok(not s.failed_exits and 'Sanitizer' not in text
                       and 'runtime error' not in text,
                       'sigedge %s exits 0 on SIGTERM, no sanitizer report' % s.name.upper(),
                       'exit statuses %s\n%s' % (s.failed_exits, tail(s.log, 30)))
        tap.diag('elapsed %.1f s' % (time.monotonic() - test.t0) if test else '')
        if os.environ.get('SIGEDGE_MULTISIGNER_KEEP'):
            tap.diag('kept ' + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
