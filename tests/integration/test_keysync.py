# SPDX-License-Identifier: BSD-3-Clause
"""Two sigedge signers of example.com in multi-signer model 2, end to end (TAP).

Usage: test_keysync.py SIGEDGE SIGEDGECTL

sigedge A and B on 127.0.0.1 (free ports), each with a KSK and a ZSK made by
dnssec-keygen (ECDSAP256SHA256) in its own key directory, are each other's
peer; A also has a peer "c" (TSIG, neither pushed to nor polled) that only
this test speaks for. Short timings: dnskey-ttl 2, retry-min 1, retry-max 2.

Part one (TSIG between A and B, both pushing, B also polling A,
poll-interval 1, every TTL of the zone 2 s):
  1. initial sync: each serves both ZSKs and CDS for both KSKs, A's DNSKEY
     RRset is signed by A's KSK, `keysync status` says in-sync, the store
     files hold the other's records with the peer's name as origin;
  2. a ZSK rollover at A: the new ZSK signs only once B serves it and the
     DNSKEY TTL has passed; the old one, retired and removed, stays
     published while its signatures may be cached, then leaves A and B;
  3. bad UPDATEs to A's keysync address (wrong TSIG key, wrong MAC, an hour
     off, unsigned, SIG(0) by an unknown key, a non-apex owner, other types,
     deleting A's own key or a key only c gave): refused with the right
     rcode, and neither the store file nor the served DNSKEY RRset changes;
     valid UPDATEs from b and c add and delete keys, and what c withdraws
     leaves both signers (B took it from A's RRset);
  4. SIGKILL of A during a burst of UPDATEs from c: the store file is one
     of the states the burst passes through and holds every acknowledged
     one; restarted, A serves its own keys plus the store's imports exactly,
     and is in sync with B again; the same for a SIGKILL right after a key
     change, whose key then reaches B.
Part two (SIG(0) between A and B, A's poll-interval 60, DNSKEY TTL 10):
  1. initial sync over SIG(0), and a ZSK made at once does not sign while
     the keys A started with are still within their DNSKEY TTL;
  3. SIG(0) UPDATEs by b's key with nsupdate;
  5. a key change at B: B's NOTIFY makes A check B at once, far before its
     poll interval.
Set KEYSYNC_KEEP=1 to keep the directory (logs, stores) of a failed run.
"""
import base64
import difflib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import testlib  # noqa: E402

if len(sys.argv) != 3:
    print('usage: test_keysync.py SIGEDGE SIGEDGECTL', file=sys.stderr)
    sys.exit(2)
SIGEDGE, SIGEDGECTL = (os.path.abspath(p) for p in sys.argv[1:3])
SRCDIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
ZONEFILE = os.path.join(SRCDIR, 'zones', 'example.com.zone')

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
    import dns.tsig
    import dns.tsigkeyring
    import dns.update
except ImportError as e:
    print(f'1..0 # SKIP dnspython is not usable: {e}')
    sys.exit(0)
for prog in ('dnssec-keygen', 'nsupdate'):
    if shutil.which(prog) is None:
        print(f'1..0 # SKIP {prog} (bind9 / bind9-dnsutils) is not installed')
        sys.exit(0)

ZONE = dns.name.from_text('example.com.')
TTL = 2
GATE_TTL = 10  # the DNSKEY TTL of part two
tap = testlib.Tap()
ok, diag = tap.ok, tap.diag

SECRET_AB = base64.b64encode(b'a and b share this key, 32 bytes').decode()
SECRET_C = base64.b64encode(b'c has a key of its own, 32 bytes').decode()
TSIG_ERRORS = {16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME'}
SECRET_BAD = base64.b64encode(b'not the secret of any peer at al').decode()


def rd(text, rtype='DNSKEY'):
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype), text)


def tag(key):
    return dns.dnssec.key_id(key)


def keygen(keydir, ksk):
    """A dnssec-keygen ECDSAP256SHA256 key for example.com in keydir: (base path, DNSKEY rdata)."""
    args = ['dnssec-keygen', '-q', '-K', keydir, '-a', 'ECDSAP256SHA256'] + (['-f', 'KSK'] if ksk else [])
    base = subprocess.run(args + ['example.com'], capture_output=True, text=True, timeout=30,
                          check=True).stdout.strip()
    os.chmod(os.path.join(keydir, base + '.private'), 0o600)
    with open(os.path.join(keydir, base + '.key')) as f:
        rr = [ln for ln in f.read().splitlines() if ln and not ln.startswith(';')][0].split()
    i = rr.index('DNSKEY')
    return os.path.join(keydir, base), rd(' '.join(rr[i + 1:]))


def sig0_keygen(d):
    """A SIG(0) key pair (KEY RR, for nsupdate) in d/bind and its DNSKEY-form copy in d/own."""
    bind_dir, own_dir = os.path.join(d, 'bind'), os.path.join(d, 'own')
    os.makedirs(bind_dir, exist_ok=True)
    os.makedirs(own_dir, exist_ok=True)
    base = subprocess.run(['dnssec-keygen', '-q', '-K', bind_dir, '-a', 'ECDSAP256SHA256', '-T', 'KEY',
                           '-n', 'ZONE', 'example.com'], capture_output=True, text=True, timeout=30,
                          check=True).stdout.strip()
    with open(os.path.join(bind_dir, base + '.key')) as f:
        rr = [ln for ln in f.read().splitlines() if ln and not ln.startswith(';')][0].split()
    with open(os.path.join(own_dir, base + '.key'), 'w') as f:
        f.write(' '.join(rr[:2] + ['DNSKEY'] + rr[3:]) + '\n')
    shutil.copy(os.path.join(bind_dir, base + '.private'), os.path.join(own_dir, base + '.private'))
    os.chmod(os.path.join(own_dir, base + '.private'), 0o600)
    return os.path.join(bind_dir, base + '.private'), os.path.join(own_dir, base)


def fake_zsk():
    return rd('256 3 13 ' + base64.b64encode(os.urandom(64)).decode())


class Signer:
    """One sigedge with its key directory, state directory and configuration file."""

    def __init__(self, name, tmp):
        self.name = name
        self.dir = os.path.join(tmp, name)
        self.keydir = os.path.join(self.dir, 'keys')
        self.statedir = os.path.join(self.dir, 'state')
        for d in (self.keydir, self.statedir):
            os.makedirs(d)
        self.port, self.ksport = testlib.free_port(), testlib.free_port()
        self.sock = os.path.join(self.dir, 'control.sock')
        self.conf = os.path.join(self.dir, 'sigedge.conf')
        self.log = os.path.join(self.dir, 'sigedge.log')
        self.store = os.path.join(self.statedir, 'example.com.keysync')
        self.proc = None
        # The zone with every TTL at 2 s, so that an old key's signatures expire in 2 s.
        self.zonefile = os.path.join(self.dir, 'example.com.zone')
        with open(ZONEFILE) as f:
            text = f.read()
        text = text.replace('$TTL 3600', f'$TTL {TTL}').replace('sip      300', f'sip      {TTL}')
        text = re.sub(r'300 \)( *; minimum)', rf'{TTL} )\1', text)
        with open(self.zonefile, 'w') as f:
            f.write(text)
        self.ksk = keygen(self.keydir, True)[1]
        self.zsk = keygen(self.keydir, False)[1]

    def configure(self, peers, poll_interval, dnskey_ttl=TTL):
        """peers: libconfig peer groups (strings)."""
        with open(self.conf, 'w') as f:
            f.write(f'''server: {{
    listen = "127.0.0.1:{self.port}";
    workers = 1;
    control = "{self.sock}";
    keydir = "{self.keydir}";
    statedir = "{self.statedir}";
    keysync-listen = "127.0.0.1:{self.ksport}";
    log-level = "debug";
}};
zones = (
    {{ name = "example.com"; file = "{self.zonefile}"; dnskey-ttl = {dnskey_ttl};
      multi-signer = {{
          model = 2; poll-interval = {poll_interval}; retry-min = 1; retry-max = 2;
          delay = 0; timeout-ms = 500;
          peers = ( {", ".join(peers)} );
      }}; }}
);
''')

    def start(self):
        self.logf = open(self.log, 'a')
        self.logf.write(f'---- start {time.strftime("%H:%M:%S")}\n')
        self.logf.flush()
        self.proc = subprocess.Popen([SIGEDGE, '-c', self.conf], stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        up = testlib.wait_for(lambda: self.proc.poll() is not None or
                              (os.path.exists(self.sock) and self.ctl('status')[0] == 0), 10)
        if not up or self.proc.poll() is not None:
            raise RuntimeError(f'sigedge {self.name} did not start:\n{testlib.tail(self.log)}')

    def stop(self):
        testlib.stop(self.proc)
        self.proc = None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None
        if os.path.exists(self.sock):
            os.unlink(self.sock)

    def ctl(self, *args):
        r = subprocess.run([SIGEDGECTL, '-s', self.sock, '-t', '10', *args], capture_output=True,
                           text=True, timeout=20)
        return r.returncode, r.stdout, r.stderr

    def query(self, qtype, qname=ZONE, dnssec=True):
        q = dns.message.make_query(qname, qtype, want_dnssec=dnssec)
        for _ in range(3):
            try:
                r = dns.query.udp(q, '127.0.0.1', port=self.port, timeout=1)
                if r.flags & dns.flags.TC:
                    r = dns.query.tcp(q, '127.0.0.1', port=self.port, timeout=2)
                return r
            except (dns.exception.Timeout, OSError):
                continue
        return None

    def rrset(self, qtype, covers=None, qname=ZONE):
        """The answer's RRset of qtype (or the RRSIGs covering covers), None without one."""
        r = self.query(qtype if covers is None else covers, qname)
        if r is None:
            return None
        rt = dns.rdatatype.from_text(qtype if covers is None else 'RRSIG')
        cv = dns.rdatatype.from_text(covers) if covers else dns.rdatatype.NONE
        for rrs in r.answer:
            if rrs.rdtype == rt and rrs.covers == cv:
                return rrs
        return None

    def keys(self):
        rrs = self.rrset('DNSKEY')
        return set(rrs) if rrs is not None else set()

    def sig_tags(self, qtype='SOA'):
        rrs = self.rrset(qtype, covers=qtype)
        return sorted(r.key_tag for r in rrs) if rrs is not None else []

    def store_bytes(self):
        try:
            with open(self.store, 'rb') as f:
                return f.read()
        except OSError:
            return None

    def status(self):
        return self.ctl('keysync', 'status', 'example.com')[1]

    def peer_line(self, peer):
        m = re.search(rf'^  peer {re.escape(peer)} .*$', self.status(), re.M)
        return m.group(0) if m else ''

    def logtext(self):
        with open(self.log, errors='replace') as f:
            return f.read()


def parse_store(data):
    """The store file: {'imported'|'contributed': {(rdata, type): set of origins}}, None if malformed."""
    out = {'imported': {}, 'contributed': {}}
    section = None
    try:
        for line in data.decode().splitlines():
            if not line.strip() or line.startswith(';'):
                continue
            if line.strip() in ('$imported', '$contributed'):
                section = line.strip()[1:]
                continue
            f = line.split()
            if section is None or dns.name.from_text(f[1]) != ZONE or f[3] != 'IN':
                return None
            r = rd(' '.join(f[5:]), f[4])
            out[section][r] = set(f[0].split(','))
    except Exception:
        return None
    return out


def imported_from(store, peer, rtype='DNSKEY'):
    return {r for r, o in store['imported'].items()
            if peer in o and r.rdtype == dns.rdatatype.from_text(rtype)}


def cds_of(ksk):
    return dns.dnssec.make_ds(ZONE, ksk, 'SHA256')


def cds_set(signer):
    rrs = signer.rrset('CDS')
    return {(r.key_tag, r.algorithm, r.digest_type, r.digest) for r in rrs} if rrs else set()


def cds_key(ds):
    return (ds.key_tag, ds.algorithm, ds.digest_type, ds.digest)


def update_msg(keyname=None, secret=None, alg=dns.tsig.HMAC_SHA256):
    u = dns.update.UpdateMessage(ZONE)
    if keyname:
        u.use_tsig(dns.tsigkeyring.from_text({keyname: (alg, secret)}), keyname=keyname)
    return u


def send(signer, msg, at=None):
    """Send an UPDATE over TCP to the signer's keysync address; the reply's rcode, or None."""
    if at is not None:
        with mock.patch('time.time', return_value=at):  # the TSIG's time signed
            wire = msg.to_wire()
    else:
        wire = msg.to_wire()
    try:
        with socket.create_connection(('127.0.0.1', signer.ksport), timeout=3) as s:
            s.sendall(len(wire).to_bytes(2, 'big') + wire)
            buf = b''
            while len(buf) < 2 or len(buf) < 2 + int.from_bytes(buf[:2], 'big'):
                chunk = s.recv(65535)
                if not chunk:
                    return None
                buf += chunk
        reply = buf[2:2 + int.from_bytes(buf[:2], 'big')]
    except OSError:
        return None
    return reply


def skip_name(wire, pos):
    while True:
        n = wire[pos]
        if n & 0xc0 == 0xc0:
            return pos + 2
        pos += 1 + n
        if n == 0:
            return pos


def reply_codes(reply):
    """(rcode, TSIG error) of a raw reply; the TSIG error is None without a TSIG RR."""
    if reply is None or len(reply) < 12:
        return (None, None)
    rcode = reply[3] & 0x0f
    err = None
    try:
        counts = [int.from_bytes(reply[i:i + 2], 'big') for i in range(4, 12, 2)]
        pos = 12
        for _ in range(counts[0]):
            pos = skip_name(reply, pos) + 4
        for _ in range(sum(counts[1:])):
            pos = skip_name(reply, pos)
            rtype = int.from_bytes(reply[pos:pos + 2], 'big')
            rdlen = int.from_bytes(reply[pos + 8:pos + 10], 'big')
            rdata = reply[pos + 10:pos + 10 + rdlen]
            pos += 10 + rdlen
            if rtype == dns.rdatatype.TSIG:
                q = skip_name(rdata, 0) + 8
                q += 2 + int.from_bytes(rdata[q:q + 2], 'big') + 2
                err = int.from_bytes(rdata[q:q + 2], 'big')
    except IndexError:
        return (rcode, 'malformed')
    return (rcode, err)


def nsupdate(signer, private, lines):
    """nsupdate -k private to the signer's keysync address; its output."""
    script = (f'server 127.0.0.1 {signer.ksport}\nzone example.com.\n'
              + ''.join(line + '\n' for line in lines) + 'send\n')
    r = subprocess.run(['nsupdate', '-v', '-t', '3', '-r', '0', '-k', private], input=script,
                       capture_output=True, text=True, timeout=20)
    return r.returncode, r.stdout + r.stderr


def run(tmp):
    a, b = Signer('a', tmp), Signer('b', tmp)
    procs = [a, b]
    try:
        part_one(tmp, a, b)
    finally:
        for s in procs:
            s.stop()
    for s in procs:
        if os.path.exists(s.store):
            os.unlink(s.store)
    a2, b2 = Signer('a2', tmp), Signer('b2', tmp)
    try:
        part_two(tmp, a2, b2)
    finally:
        for s in (a2, b2):
            s.stop()


def tsig_peer(name, addr, keyname, secret, push=True, poll=True):
    return (f'{{ name = "{name}"; address = "{addr}"; tsig = "hmac-sha256:{keyname}:{secret}"; '
            f'push = {"true" if push else "false"}; poll = {"true" if poll else "false"}; }}')


def wait_synced(a, b, timeout=10):
    def synced():
        for x, y in ((a, b), (b, a)):
            k = x.keys()
            if not {x.ksk, x.zsk, y.zsk} <= k:
                return False
            if not {cds_key(cds_of(x.ksk)), cds_key(cds_of(y.ksk))} <= cds_set(x):
                return False
        return True
    return testlib.wait_for(synced, timeout)


def part_one(tmp, a, b):
    c_port = testlib.free_port()  # nobody listens there: c is neither pushed to nor polled
    # Both push; B also polls A (one way: two peers polling each other could keep alive
    # keys each took from the other), so B takes c's keys from A's RRset as a relay.
    a.configure([tsig_peer('b', f'127.0.0.1:{b.ksport}', 'ab-key', SECRET_AB, poll=False),
                 tsig_peer('c', f'127.0.0.1:{c_port}', 'c-key', SECRET_C, push=False, poll=False)], 1)
    b.configure([tsig_peer('a', f'127.0.0.1:{a.ksport}', 'ab-key', SECRET_AB)], 1)
    a.start()
    b.start()

    # ---- 1. initial sync
    t0 = time.monotonic()
    synced = wait_synced(a, b, 10)
    ok(synced, f'initial sync: both serve both ZSKs and CDS of both KSKs ({time.monotonic() - t0:.1f} s)',
       f'A serves {sorted(tag(k) for k in a.keys())}, B serves {sorted(tag(k) for k in b.keys())}; '
       f'A ksk {tag(a.ksk)} zsk {tag(a.zsk)}, B ksk {tag(b.ksk)} zsk {tag(b.zsk)}\n'
       + testlib.tail(a.log) + testlib.tail(b.log))
    for x, y in ((a, b), (b, a)):
        keys = x.keys()
        ok(y.ksk not in keys, f'{x.name} does not import {y.name}\'s KSK (model 2)',
           sorted(tag(k) for k in keys))
        dk, sig = x.rrset('DNSKEY'), x.rrset('DNSKEY', covers='DNSKEY')
        try:
            dns.dnssec.validate(dk, sig, {ZONE: dns.rrset.from_rdata(ZONE, TTL, x.ksk)})
            valid = True
        except Exception as e:
            valid = e
        ok(valid is True, f'{x.name}\'s DNSKEY RRset verifies with {x.name}\'s KSK', valid)
        ok(sig is not None and sorted(r.key_tag for r in sig) == [tag(x.ksk)],
           f'{x.name}\'s DNSKEY RRset is signed by its KSK alone',
           sig and sorted(r.key_tag for r in sig))
        ok(dk is not None and dk.ttl == TTL, f'{x.name}\'s DNSKEY TTL is {TTL}', dk and dk.ttl)
        soa_sig = x.sig_tags('SOA')
        ok(soa_sig == [tag(x.zsk)], f'{x.name}\'s SOA is signed by its own ZSK alone', soa_sig)
    line = testlib.wait_for(lambda: 'in-sync' in a.peer_line('b') and 'in-sync' in b.peer_line('a'), 5)
    ok(line, 'keysync status: A has b in-sync, B has a in-sync',
       a.status() + b.status())
    for x, peer, y in ((a, 'b', b), (b, 'a', a)):
        st = parse_store(x.store_bytes() or b'')
        ok(st is not None and y.zsk in imported_from(st, peer)
           and cds_key(cds_of(y.ksk)) in {cds_key(r) for r in imported_from(st, peer, 'CDS')},
           f'{x.name}\'s store file lists {peer}\'s ZSK and CDS with origin {peer}',
           (x.store_bytes() or b'(missing)').decode(errors='replace'))

    # ---- 2. ZSK rollover at A, gated on B serving the new key and the DNSKEY TTL
    time.sleep(TTL + 1)  # past the gate of the keys A started with
    old = tag(a.zsk)
    rc, out, err = a.ctl('key', 'generate', 'example.com', '--zsk')
    m = re.search(r'tag=(\d+)', out)
    ok(rc == 0 and m, 'sigedgectl key generate example.com --zsk at A', out + err)
    new = int(m.group(1)) if m else -1
    t_gen = time.monotonic()
    samples = []      # (time, SOA RRSIG tags at A)
    b_absent = t_gen  # last time B was seen without the new ZSK
    b_has = None
    end = t_gen + 20
    while time.monotonic() < end:
        now = time.monotonic()
        samples.append((now, a.sig_tags('SOA'), a.sig_tags('A')))
        if b_has is None:
            if new in {tag(k) for k in b.keys()}:
                b_has = time.monotonic()
            else:
                b_absent = time.monotonic()
        if b_has and samples[-1][1] == [new] and now > b_has + TTL + 1:
            break
        time.sleep(0.1)
    ok(b_has is not None, f'B serves A\'s new ZSK {new} ({(b_has or 0) - t_gen:.1f} s after generate)',
       testlib.tail(b.log))
    early = [(round(t - t_gen, 2), s1, s2) for t, s1, s2 in samples
             if (new in s1 or new in s2) and t < b_absent + TTL]
    ok(not early, f'A signs with the new ZSK only after B serves it and {TTL} s more', early)
    before = [s for s in samples if s[0] < b_absent + TTL]
    ok(before and all(s1 == [old] and s2 == [old] for _, s1, s2 in before),
       'until then A signs SOA and A RRsets with the old ZSK alone',
       [(round(t - t_gen, 2), s1, s2) for t, s1, s2 in before if s1 != [old] or s2 != [old]][:10])
    first_new = next((t for t, s1, _ in samples if new in s1), None)
    ok(first_new is not None, 'then A signs with the new ZSK'
       + (f' ({first_new - t_gen:.1f} s after generate, B had it at {b_has - t_gen:.1f} s)'
          if first_new and b_has else ''),
       samples[-3:])
    ok(testlib.wait_for(lambda: a.sig_tags('SOA') == [old, new] or a.sig_tags('SOA') == [new, old], 5),
       'A signs with both ZSKs while the old one is active', a.sig_tags('SOA'))

    rc, out, err = a.ctl('key', 'retire', 'example.com', str(old))
    ok(rc == 0, f'key retire {old} at A', out + err)
    ok(testlib.wait_for(lambda: a.sig_tags('SOA') == [new] and a.sig_tags('A') == [new], 5),
       'A signs SOA and A with the new ZSK alone once the old one is retired',
       (a.sig_tags('SOA'), a.sig_tags('A')))
    rc, out, err = a.ctl('key', 'remove', 'example.com', str(old))
    ok(rc == 0, f'key remove {old} at A', out + err)
    ok(old in {tag(k) for k in a.keys()} and old in {tag(k) for k in b.keys()},
       'right after its removal the old ZSK is still served by A and B (its signatures may be cached)')
    ok(testlib.wait_for(lambda: old not in {tag(k) for k in a.keys()}, 5),
       'A no longer serves the old ZSK', sorted(tag(k) for k in a.keys()))
    ok(testlib.wait_for(lambda: old not in {tag(k) for k in b.keys()}, 8),
       'B drops A\'s old ZSK', sorted(tag(k) for k in b.keys()))
    ok(new in {tag(k) for k in b.keys()} and tag(b.zsk) in {tag(k) for k in b.keys()},
       'B still serves A\'s new ZSK and its own', sorted(tag(k) for k in b.keys()))
    a.zsk = next((k for k in a.keys() if tag(k) == new), a.zsk)
    ok(testlib.wait_for(lambda: 'in-sync' in a.peer_line('b'), 5), 'A has b in-sync again', a.status())

    # ---- 3. bad input to A's keysync address
    bad_input(tmp, a, b)

    # ---- 4. SIGKILL during a burst of UPDATEs, then restart
    kill_restart(a, b)


def wait_stable(signer, quiet=2.5, timeout=10):
    """Wait until the signer's store file and DNSKEY RRset stay the same for quiet seconds."""
    end = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < end:
        now = (signer.store_bytes(), frozenset(signer.keys()))
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return True
        time.sleep(0.2)
    return False


def bad_input(tmp, a, b):
    # The valid adds first: c (never polled) and b (polled: checked at once).
    # c gives a ZSK and a SEP key; B (polling A) may take over the ZSK, but has no use for
    # the SEP key, so that one stays c's alone.
    kc = fake_zsk()
    kck = rd('257 3 13 ' + base64.b64encode(os.urandom(64)).decode())
    u = update_msg('c-key', SECRET_C)
    u.add(ZONE, TTL, kc)
    u.add(ZONE, TTL, kck)
    codes = reply_codes(send(a, u))
    st = parse_store(a.store_bytes() or b'')
    ok(codes[0] == dns.rcode.NOERROR and st is not None and {kc, kck} <= imported_from(st, 'c'),
       'UPDATE from c (TSIG) adding a ZSK and a SEP key: NOERROR, in the store with origin c',
       (codes, st))
    ok(kc in a.keys(), 'A serves c\'s ZSK', sorted(tag(k) for k in a.keys()))
    # A and B poll each other every second: let what that changes settle before comparing.
    wait_stable(a)
    st = parse_store(a.store_bytes() or b'')
    ok(st is not None and kck in st['imported'] and st['imported'][kck] == {'c'},
       'c\'s SEP key is c\'s alone in A\'s store', a.store_bytes())

    refused = []
    kwrong = fake_zsk()
    u = update_msg('no-such-key', SECRET_AB)
    u.add(ZONE, TTL, kwrong)
    refused.append(('wrong TSIG key name', u, None, (dns.rcode.NOTAUTH, dns.rcode.BADKEY)))
    u = update_msg('ab-key', SECRET_BAD)
    u.add(ZONE, TTL, kwrong)
    refused.append(('right TSIG key name, wrong secret', u, None, (dns.rcode.NOTAUTH, dns.rcode.BADSIG)))
    u = update_msg('ab-key', SECRET_AB)
    u.add(ZONE, TTL, kwrong)
    refused.append(('TSIG time an hour ago', u, time.time() - 3600, (dns.rcode.NOTAUTH, dns.rcode.BADTIME)))
    u = update_msg('ab-key', SECRET_AB)
    u.add(ZONE, TTL, kwrong)
    refused.append(('TSIG time an hour ahead', u, time.time() + 3600, (dns.rcode.NOTAUTH, dns.rcode.BADTIME)))
    u = update_msg()
    u.add(ZONE, TTL, kwrong)
    refused.append(('unsigned', u, None, (dns.rcode.NOTAUTH, None)))
    u = update_msg('ab-key', SECRET_AB)
    u.add(dns.name.from_text('www', ZONE), TTL, kwrong)
    refused.append(('DNSKEY at www (not the apex)', u, None, (dns.rcode.REFUSED, 0)))
    u = update_msg('ab-key', SECRET_AB)
    u.add(ZONE, TTL, rd('192.0.2.9', 'A'))
    refused.append(('an A record at the apex', u, None, (dns.rcode.REFUSED, 0)))
    u = update_msg('ab-key', SECRET_AB)
    u.add(ZONE, TTL, kwrong)
    u.add(ZONE, TTL, rd('"x"', 'TXT'))
    refused.append(('a DNSKEY with a TXT record at the apex', u, None, (dns.rcode.REFUSED, 0)))
    u = update_msg('ab-key', SECRET_AB)
    u.delete(ZONE, a.zsk)
    refused.append(('b deleting A\'s own ZSK', u, None, (dns.rcode.REFUSED, 0)))
    u = update_msg('ab-key', SECRET_AB)
    u.delete(ZONE, kck)
    refused.append(('b deleting a key only c gave', u, None, (dns.rcode.REFUSED, 0)))
    u = update_msg('c-key', SECRET_C)
    u.delete(ZONE, b.zsk)
    refused.append(('c deleting b\'s ZSK', u, None, (dns.rcode.REFUSED, 0)))

    for what, msg, at, want in refused:
        before_store, before_keys = a.store_bytes(), a.keys()
        codes = reply_codes(send(a, msg, at))
        time.sleep(0.2)
        ok(codes == want or (want[1] is None and codes[0] == want[0]),
           f'{what}: {dns.rcode.to_text(want[0])}'
           + (f' (TSIG error {TSIG_ERRORS[want[1]]})' if want[1] else ''),
           f'got rcode {codes[0]}, TSIG error {codes[1]}\n' + testlib.tail(a.log, 3))
        after_store = a.store_bytes()
        ok(after_store == before_store and a.keys() == before_keys,
           f'{what}: store file and served DNSKEY RRset unchanged',
           f'served before {sorted(tag(k) for k in before_keys)} after {sorted(tag(k) for k in a.keys())}\n'
           + ''.join(difflib.unified_diff((before_store or b'').decode().splitlines(True),
                                          (after_store or b'').decode().splitlines(True))))

    # SIG(0) by a key no peer has.
    priv, _ = sig0_keygen(os.path.join(tmp, 'stranger'))
    before_store, before_keys = a.store_bytes(), a.keys()
    rc, out = nsupdate(a, priv, [f'update add example.com. {TTL} IN DNSKEY {kwrong.to_text()}'])
    ok(rc != 0 and 'NOTAUTH' in out, 'SIG(0) by an unknown key: NOTAUTH', out)
    time.sleep(0.2)
    ok(a.store_bytes() == before_store and a.keys() == before_keys,
       'SIG(0) by an unknown key: store file and served DNSKEY RRset unchanged')
    ok(kwrong not in a.keys(), 'no refused UPDATE got its key served')

    # b adds and deletes a key; b is polled every second, so look at once.
    kb = fake_zsk()
    u = update_msg('ab-key', SECRET_AB)
    u.add(ZONE, TTL, kb)
    codes = reply_codes(send(a, u))
    st = parse_store(a.store_bytes() or b'')
    ok(codes[0] == dns.rcode.NOERROR and st is not None and kb in imported_from(st, 'b'),
       'UPDATE from b adding a ZSK: NOERROR, in the store (persisted before the reply) with origin b',
       (codes, a.store_bytes()))
    u = update_msg('ab-key', SECRET_AB)
    u.delete(ZONE, kb)
    codes = reply_codes(send(a, u))
    st = parse_store(a.store_bytes() or b'')
    ok(codes[0] == dns.rcode.NOERROR and st is not None and kb not in imported_from(st, 'b'),
       'UPDATE from b deleting it: NOERROR, gone from the store', (codes, a.store_bytes()))
    ok(testlib.wait_for(lambda: kb not in a.keys(), 3), 'and no longer served')
    # c withdraws its keys: one by its RDATA, then the whole RRset (only what c gave goes).
    u = update_msg('c-key', SECRET_C)
    u.delete(ZONE, kc)
    codes = reply_codes(send(a, u))
    ok(codes[0] == dns.rcode.NOERROR
       and kc not in imported_from(parse_store(a.store_bytes()) or {'imported': {}}, 'c'),
       'UPDATE from c deleting its ZSK: NOERROR, c\'s claim gone from the store', codes)
    kc2 = fake_zsk()
    u = update_msg('c-key', SECRET_C)
    u.add(ZONE, TTL, kc2)
    ok(reply_codes(send(a, u))[0] == dns.rcode.NOERROR and kc2 in a.keys(), 'c adds another ZSK')
    u = update_msg('c-key', SECRET_C)
    u.delete(ZONE, 'DNSKEY')
    codes = reply_codes(send(a, u))
    keys = a.keys()
    st = parse_store(a.store_bytes() or b'') or {'imported': {}}
    ok(codes[0] == dns.rcode.NOERROR and not imported_from(st, 'c') and {a.ksk, a.zsk, b.zsk} <= keys,
       'UPDATE from c deleting the DNSKEY RRset: NOERROR, c\'s claims gone, A\'s and b\'s keys stay',
       (codes, sorted(tag(k) for k in keys)))
    # B polls A (and imports c's keys from A's RRset): c's withdrawn keys must die out
    # everywhere, not come back to A from B.
    gone = testlib.wait_for(lambda: not ({kc, kc2, kck} & (a.keys() | b.keys())), 6)
    ok(gone, 'c\'s withdrawn ZSKs leave A and B for good (not re-imported from each other)',
       f'A serves {sorted(tag(k) for k in {kc, kc2} & a.keys())}, '
       f'B serves {sorted(tag(k) for k in {kc, kc2} & b.keys())} of c\'s {tag(kc)}, {tag(kc2)}\n'
       + (a.store_bytes() or b'').decode())


def kill_restart(a, b):
    burst = [fake_zsk() for _ in range(40)]
    acked = []
    stop_flag = threading.Event()

    def sender():
        for k in burst:
            if stop_flag.is_set():
                return
            u = update_msg('c-key', SECRET_C)
            u.add(ZONE, TTL, k)
            codes = reply_codes(send(a, u))
            if codes[0] == dns.rcode.NOERROR:
                acked.append(k)
            elif codes[0] is None:
                return

    th = threading.Thread(target=sender)
    th.start()
    testlib.wait_for(lambda: len(acked) >= 8, 10)
    a.kill9()
    stop_flag.set()
    th.join(10)
    n_acked = len(acked)
    data = a.store_bytes()
    st = parse_store(data or b'')
    ok(st is not None, f'after SIGKILL ({n_acked} of {len(burst)} UPDATEs acknowledged) the store parses',
       data)
    got = imported_from(st, 'c') if st else set()
    prefix = next((i for i in range(len(burst) + 1) if set(burst[:i]) == got), None)
    ok(prefix is not None and prefix >= n_acked,
       'the store is a state the burst passed through, with every acknowledged UPDATE',
       f'store holds {len(got)} of c\'s keys, prefix {prefix}, acknowledged {n_acked}')
    a.start()
    own = {a.ksk, a.zsk}
    expect = own | imported_from(st, 'b') | imported_from(st, 'c')
    served = a.keys()
    ok(served == expect, 'restarted A serves its own keys and the store\'s imports exactly',
       f'served {len(served)}, expected {len(expect)}; extra {sorted(tag(k) for k in served - expect)}, '
       f'missing {sorted(tag(k) for k in expect - served)}')
    ok(st is not None and parse_store(a.store_bytes() or b'') is not None
       and imported_from(parse_store(a.store_bytes()), 'c') == got,
       'the store still holds c\'s keys after the restart')
    ok(testlib.wait_for(lambda: 'in-sync' in a.peer_line('b') and 'in-sync' in b.peer_line('a'), 10)
       and wait_synced(a, b, 5), 'restarted A and B are in sync again', a.status() + b.status())

    # SIGKILL right after a key change, while A pushes the new ZSK to B.
    rc, out, err = a.ctl('key', 'generate', 'example.com', '--zsk')
    a.kill9()
    m = re.search(r'tag=(\d+)', out)
    ok(rc == 0 and m, 'key generate at A, then SIGKILL at once', out + err)
    new = int(m.group(1)) if m else -1
    st = parse_store(a.store_bytes() or b'')
    ok(st is not None, 'the store parses', a.store_bytes())
    a.start()
    served = a.keys()
    st = st or {'imported': {}}
    expect = {a.ksk, a.zsk} | imported_from(st, 'b') | imported_from(st, 'c')
    ok(served - expect == {next((k for k in served if tag(k) == new), None)} and expect <= served,
       'restarted A serves its keys (the new ZSK too) and the store\'s imports exactly',
       f'new {new}; extra {sorted(tag(k) for k in served - expect)}, '
       f'missing {sorted(tag(k) for k in expect - served)}')
    ok(testlib.wait_for(lambda: new in {tag(k) for k in b.keys()}, 8)
       and testlib.wait_for(lambda: 'in-sync' in a.peer_line('b'), 5),
       'B gets the new ZSK after the restart, and A has b in-sync', a.status() + b.status())


def sig0_peer(name, addr, own, peer, push=True, poll=True):
    return (f'{{ name = "{name}"; address = "{addr}"; sig0-key = "{own}"; sig0-peer = "{peer}.key"; '
            f'push = {"true" if push else "false"}; poll = {"true" if poll else "false"}; }}')


def part_two(tmp, a, b):
    a_priv, a_own = sig0_keygen(os.path.join(a.dir, 'sig0'))
    b_priv, b_own = sig0_keygen(os.path.join(b.dir, 'sig0'))
    a.configure([sig0_peer('b', f'127.0.0.1:{b.ksport}', a_own, b_own, poll=False)], 60, GATE_TTL)
    b.configure([sig0_peer('a', f'127.0.0.1:{a.ksport}', b_own, a_own)], 2, GATE_TTL)
    a.start()
    b.start()
    t0 = time.monotonic()
    ok(wait_synced(a, b, 10), f'SIG(0): initial sync ({time.monotonic() - t0:.1f} s)',
       f'A serves {sorted(tag(k) for k in a.keys())}, B serves {sorted(tag(k) for k in b.keys())}\n'
       + testlib.tail(a.log) + testlib.tail(b.log))
    ok(testlib.wait_for(lambda: 'in-sync' in a.peer_line('b') and 'in-sync' in b.peer_line('a'), 5),
       'SIG(0): keysync status in-sync on both sides', a.status() + b.status())

    # A new ZSK made while the keys A started with are still within their own gate (their
    # DNSKEY TTL of GATE_TTL s since B got them has not passed): it must not sign at once.
    old = tag(a.zsk)
    rc, out, err = a.ctl('key', 'generate', 'example.com', '--zsk')
    m = re.search(r'tag=(\d+)', out)
    t_gen = time.monotonic()
    ok(rc == 0 and m, f'key generate at A {t_gen - t0:.1f} s after the initial sync', out + err)
    seen = []
    while time.monotonic() < t_gen + 2:
        seen.append(a.sig_tags('SOA'))
        time.sleep(0.2)
    ok(all(s == [old] for s in seen), 'the new ZSK does not sign within the DNSKEY TTL '
       f'({GATE_TTL} s) after B got it; the ZSK A started with signs alone', (seen, a.status()))

    # SIG(0) UPDATE by b's key with nsupdate; another peer's (A's own) key it cannot delete.
    kb = fake_zsk()
    before_store, before_keys = a.store_bytes(), a.keys()
    rc, out = nsupdate(a, b_priv, [f'update delete example.com. IN DNSKEY {a.zsk.to_text()}'])
    ok('REFUSED' in out, 'SIG(0) UPDATE by b deleting A\'s own ZSK: REFUSED', out)
    ok(a.store_bytes() == before_store and a.keys() == before_keys,
       'and the store file and served DNSKEY RRset are unchanged')
    rc, out = nsupdate(a, b_priv, [f'update add example.com. {TTL} IN DNSKEY {kb.to_text()}'])
    st = parse_store(a.store_bytes() or b'')
    ok(rc == 0 and st is not None and kb in imported_from(st, 'b'),
       'SIG(0) UPDATE by b adding a ZSK: NOERROR, stored with origin b', out)
    ok(kb in a.keys(), 'and served by A')

    # ---- 5. NOTIFY: a key change at B makes A check B at once (poll interval 60)
    time.sleep(1.5)
    log_mark = len(a.logtext())
    before = a.peer_line('b')
    rc, out, err = b.ctl('key', 'generate', 'example.com', '--zsk', '--activate', '+3600')
    m = re.search(r'tag=(\d+)', out)
    ok(rc == 0 and m, 'key generate at B (published now, active in an hour)', out + err)
    new = int(m.group(1)) if m else -1
    t_gen = time.time()
    got = testlib.wait_for(lambda: 'NOTIFY from peer b' in a.logtext()[log_mark:], 5)
    ok(got, 'A takes B\'s NOTIFY and checks b at once', a.logtext()[log_mark:][-2000:])

    def last_ok():
        m2 = re.search(r'last-ok (\S+)Z', a.peer_line('b'))
        return time.mktime(time.strptime(m2.group(1), '%Y-%m-%dT%H:%M:%S')) - time.timezone if m2 else 0
    ok(testlib.wait_for(lambda: last_ok() >= int(t_gen), 5),
       'A\'s last-ok check of b is after the key change, far before the 60 s poll interval',
       f'before: {before}\nafter: {a.peer_line("b")}')
    ok(testlib.wait_for(lambda: new in {tag(k) for k in a.keys()}, 5), f'A serves B\'s new ZSK {new}')


def main():
    tmp = tempfile.mkdtemp(prefix='keysync-')
    try:
        run(tmp)
    except Exception as e:
        import traceback
        ok(False, f'test aborted: {e}', traceback.format_exc())
    finally:
        keep = tap.failed and os.environ.get('KEYSYNC_KEEP')
        if keep:
            diag(f'kept {tmp}')
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(tap.done())


main()
