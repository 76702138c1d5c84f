#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""sigedge's DPDK backend end to end over a veth pair between two network namespaces.

Usage: test_dpdk_veth.py SIGEDGE SIGEDGECTL

Root only. Creates two network namespaces joined by a veth pair: the server
side `vs` is left to DPDK's net_af_packet (no address, ARP off, IPv6 off, strict
rp_filter, so the server namespace's own kernel answers nothing that arrives on
it); the client side `vc` has 10.53.0.2/24 and fd53::2/64. sigedge serves
example.com, signed online (ldns-keygen KSK and ZSK, algorithm 13), on 10.53.0.1
and fd53::1 with one worker. The test itself moves into the client namespace
and checks from there:

- ICMP echo to 10.53.0.1 is answered; the port's MAC is vs's, its TAP sigedge0;
- kdig over UDP (IPv4 and IPv6): positive, NXDOMAIN, DO=1 with RRSIGs, DNSKEY;
  the worker counters (answered, signed, nxdomain) count exactly these queries;
- the same queries over TCP (they cross the kernel path: DPDK port -> TAP ->
  the kernel path's socket worker -> DPDK port), counted as frames for the
  kernel and answered there, none by the DPDK worker;
- an unbound validating resolver in the client namespace (trust anchor: the DS
  of the KSK) gives AD to signed answers and logs no SERVFAIL or bogus;
- a ZSK rollover (sigedgectl key generate, activate, retire) while two loads
  run: DO=1 queries straight to sigedge (none may be lost; every RRSIG must
  validate with the DNSKEY RRset last served before it) and unique names
  through unbound (every answer AD);
- net_af_xdp on the same veth, if it starts: the UDP queries again.

The client sends with transmit checksum offload off (ethtool -K vc tx off): a
veth hands af_packet frames whose UDP/TCP checksum is only partial (the peer
kernel never filled it in), which sigedge, verifying checksums on input,
rightly drops; on a wire checksums are complete. The namespaces and every
process are removed at the end, also on failure or SIGTERM. TAP output.
"""

import ctypes
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

try:
    import dns.dnssec
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype
except ImportError:
    dns = None

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import testlib  # noqa: E402
from testlib import Tap, stop, tail, wait_for  # noqa: E402

TOOLS = ['ip', 'ethtool', 'kdig', 'unbound', 'ldns-keygen', 'ldns-key2ds']
SRV4, CLI4 = '10.53.0.1', '10.53.0.2'
SRV6, CLI6 = 'fd53::1', 'fd53::2'
RESOLVER = '127.0.0.1'
ZONE_NAME = 'example.com.'
ZONE = """$ORIGIN example.com.
$TTL 300
@ IN SOA ns1 hostmaster 2024010101 3600 900 604800 300
@ IN NS ns1
ns1 IN A 10.53.0.1
www IN A 192.0.2.80
www IN AAAA 2001:db8::80
"""
EAL = ['--no-huge', '-m', '512', '--no-pci', '--no-shconf', '--no-telemetry', '-l', '0-1',
       '--log-level', 'lib.eal:error']
CLONE_NEWNET = 0x40000000
# unbound keeps nothing longer than this (the DNSKEY RRset included): the
# rollover waits this long between publishing the new ZSK and activating it.
RESOLVER_MAX_TTL = 2

tap = Tap()
ok = tap.ok
diag = tap.diag


def skip(reason):
    print('1..0 # SKIP ' + reason)
    sys.exit(0)


def tap_skip(name, reason):
    tap.count += 1
    print('ok %d - %s # SKIP %s' % (tap.count, name, reason), flush=True)


def run(args, timeout=30, cwd=None):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, cwd=cwd)


def must(args):
    r = run(args)
    if r.returncode != 0:
        raise RuntimeError('%s: %s' % (' '.join(args), r.stdout.strip()))
    return r.stdout


class Namespaces:
    """The server and client namespaces, joined by the veth pair vs/vc."""

    def __init__(self):
        self.srv = 'sigedge-vs-%d' % os.getpid()
        self.cli = 'sigedge-vc-%d' % os.getpid()
        self.made = []

    def create(self):
        for ns in (self.srv, self.cli):
            must(['ip', 'netns', 'add', ns])
            self.made.append(ns)
        s, c = ['ip', '-n', self.srv], ['ip', '-n', self.cli]
        must(s + ['link', 'add', 'vs', 'type', 'veth', 'peer', 'name', 'vc', 'netns', self.cli])
        must(s + ['link', 'set', 'vs', 'arp', 'off'])
        must(['ip', 'netns', 'exec', self.srv, 'sysctl', '-q', 'net.ipv6.conf.vs.disable_ipv6=1',
              'net.ipv4.conf.all.rp_filter=1', 'net.ipv4.conf.vs.rp_filter=1'])
        must(s + ['link', 'set', 'lo', 'up'])
        must(s + ['link', 'set', 'vs', 'up'])
        must(c + ['addr', 'add', CLI4 + '/24', 'dev', 'vc'])
        must(c + ['addr', 'add', CLI6 + '/64', 'dev', 'vc', 'nodad'])
        must(['ip', 'netns', 'exec', self.cli, 'ethtool', '-K', 'vc', 'tx', 'off'])
        must(c + ['link', 'set', 'lo', 'up'])
        must(c + ['link', 'set', 'vc', 'up'])

    def vs_mac(self):
        out = must(['ip', '-n', self.srv, '-o', 'link', 'show', 'vs'])
        return re.search(r'link/ether ([0-9a-f:]{17})', out).group(1)

    def vs_tx_packets(self):
        out = json.loads(must(['ip', '-n', self.srv, '-s', '-j', 'link', 'show', 'vs']))
        return out[0]['stats64']['tx']['packets']

    def enter_client(self):
        """Move this process (its only thread) into the client namespace."""
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open('/run/netns/' + self.cli, os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), 'setns ' + self.cli)
        finally:
            os.close(fd)

    def remove(self):
        for ns in reversed(self.made):
            run(['ip', 'netns', 'del', ns])
        self.made = []


class Sigedge:
    """sigedge --dpdk on one vdev in the server namespace."""

    def __init__(self, args, ns, tmp, port, vdev, zone, keydir, tag):
        sigedge, self.ctl_path = args
        self.sock = os.path.join(tmp, 'control-%s.sock' % tag)
        self.log = os.path.join(tmp, 'sigedge-%s.log' % tag)
        cmd = ['ip', 'netns', 'exec', ns.srv, sigedge, '--dpdk', '--dpdk-port', port,
               '--listen', SRV4, '--listen', '[%s]' % SRV6, '--zone', 'example.com=' + zone,
               '--keydir', keydir, '--control', self.sock, '--foreground', '--'] + EAL + \
              ['--vdev', vdev]
        with open(self.log, 'w') as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)

    def ctl(self, *args):
        r = subprocess.run([self.ctl_path, '-s', self.sock, *args], capture_output=True,
                           text=True, timeout=30)
        return r.returncode, r.stdout + r.stderr

    def ready(self):
        return self.proc.poll() is not None or (os.path.exists(self.sock) and
                                                self.ctl('status')[0] == 0)

    def stats(self):
        rc, out = self.ctl('stats')
        return {k: int(v) for k, v in re.findall(r'^(\S+): (\d+)$', out, re.M)} if rc == 0 else {}

    def stop(self):
        """SIGTERM; the exit status (None when it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                stop(self.proc)
                return None
        return self.proc.returncode


def keygen(keydir, *args):
    """A P-256 key for example.com in keydir; its path without extension and its tag."""
    r = run(['ldns-keygen', '-a', 'ECDSAP256SHA256', *args, 'example.com'], cwd=keydir)
    if r.returncode != 0:
        raise RuntimeError('ldns-keygen: ' + r.stdout)
    base = os.path.join(keydir, r.stdout.strip().splitlines()[-1])
    if os.path.exists(base + '.ds'):
        os.unlink(base + '.ds')
    os.chmod(base + '.private', 0o600)
    return base, int(base.rsplit('+', 1)[1])


def ping(addr, count=3):
    """ICMP echo requests to addr; the number of matching replies."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(1)
    got = 0
    try:
        for seq in range(1, count + 1):
            msg = struct.pack('!BBHHH', 8, 0, 0, os.getpid() & 0xffff, seq) + b'sigedge-veth'
            c = sum(struct.unpack('!%dH' % (len(msg) // 2), msg))
            c = (c & 0xffff) + (c >> 16)
            c = (c & 0xffff) + (c >> 16)
            msg = msg[:2] + struct.pack('!H', ~c & 0xffff) + msg[4:]
            s.sendto(msg, (addr, 0))
            end = time.monotonic() + 1
            while time.monotonic() < end:
                try:
                    data, src = s.recvfrom(2048)
                except socket.timeout:
                    break
                icmp = data[(data[0] & 15) * 4:]
                if src[0] == addr and icmp[0] == 0 and \
                        struct.unpack('!HH', icmp[4:8]) == (os.getpid() & 0xffff, seq):
                    got += 1
                    break
    finally:
        s.close()
    return got


# kdig cases: (label, name, type, DO, expected status, expected answer line, RRSIG expected)
KDIG_CASES = [
    ('positive', 'www.example.com', 'A', False, 'NOERROR', r'www\.example\.com\.\s+300\s+IN\s+A\s+192\.0\.2\.80', False),
    ('NXDOMAIN', 'nope.example.com', 'A', False, 'NXDOMAIN', None, False),
    ('DO=1 with RRSIG', 'www.example.com', 'A', True, 'NOERROR', r'www\.example\.com\.\s+300\s+IN\s+A\s+192\.0\.2\.80', True),
    ('DNSKEY, DO=1', 'example.com', 'DNSKEY', True, 'NOERROR', r'example\.com\.\s+\d+\s+IN\s+DNSKEY\s+257 ', True),
    ('positive AAAA', 'www.example.com', 'AAAA', False, 'NOERROR', r'www\.example\.com\.\s+300\s+IN\s+AAAA\s+2001:db8::80', False),
]


def kdig(server, name, rtype, do, tcp):
    args = ['kdig', '@' + server, name, rtype, '+retry=0', '+timeout=2', '+norecurse']
    if do:
        args.append('+dnssec')
    if tcp:
        args.append('+tcp')
    return run(args).stdout


def kdig_checks(server, tcp, what):
    """Every KDIG_CASE against server; the number of DO=1 queries and NXDOMAINs sent."""
    for label, name, rtype, do, status, line, rrsig in KDIG_CASES:
        out = kdig(server, name, rtype, do, tcp)
        why = []
        if 'status: %s;' % status not in out:
            why.append('status is not ' + status)
        if not re.search(r'^;; Flags: qr aa[ ;]', out, re.M):
            why.append('no AA')
        if line and not re.search(line, out):
            why.append('no answer matching ' + line)
        if bool(re.search(r'\sIN\s+RRSIG\s+%s ' % rtype, out)) != rrsig:
            why.append('RRSIG %s expected' % ('is' if rrsig else 'is not'))
        ok(not why, '%s %s: %s %s %s' % (what, server, label, name, rtype),
           '\n'.join(why) + '\n' + out)
    return sum(1 for c in KDIG_CASES if c[3]), sum(1 for c in KDIG_CASES if c[4] == 'NXDOMAIN')


def delta(after, before, key):
    return after.get(key, 0) - before.get(key, 0)


def unbound_conf(tmp, anchor, log):
    return testlib.unbound_conf(tmp, RESOLVER, [anchor], [('example.com', SRV4)], log,
                                ['cache-max-ttl: %d' % RESOLVER_MAX_TTL,
                                 'cache-max-negative-ttl: %d' % RESOLVER_MAX_TTL])


def resolve(name, rdtype, timeout=3):
    """name through unbound, RD and DO; the reply, or the failure as a string."""
    q = dns.message.make_query(name, rdtype, want_dnssec=True, payload=1232)
    try:
        return dns.query.udp(q, RESOLVER, timeout=timeout)
    except (OSError, dns.exception.DNSException) as e:
        return '%s: %s' % (type(e).__name__, e)


def resolved_ok(r, rcode, data=None):
    """Problems with an answer from unbound: rcode, AD, the A data."""
    if isinstance(r, str):
        return [r]
    why = []
    if r.rcode() != rcode:
        why.append('rcode %s' % dns.rcode.to_text(r.rcode()))
    if not r.flags & dns.flags.AD:
        why.append('no AD')
    if data is not None and sorted(rd.to_text() for rrs in r.answer
                                   if rrs.rdtype == dns.rdatatype.A for rd in rrs) != data:
        why.append('A data differs from %s' % data)
    return why


def log_failures(path):
    with open(path, errors='replace') as f:
        return [line for line in f if 'SERVFAIL' in line or 'validation failure' in line
                or 'bogus' in line.lower()]


class DirectLoad(threading.Thread):
    """DO=1 queries straight to sigedge, one at a time, until stopped: www A,
    a unique name in ten (a fresh signature each) and a DNSKEY in fifty. Every
    reply is kept with the DNSKEY RRset last served before it."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop_evt = threading.Event()
        self.sent = self.lost = 0
        self.replies = []           # (wire, DNSKEY rrset or None)
        self.keys = None
        self.key_tags = set()
        self.sig_tags = set()
        self.error = None

    def run(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect((SRV4, 53))
        s.settimeout(2)
        name = dns.name.from_text('www.example.com.')
        try:
            while not self.stop_evt.is_set():
                i = self.sent
                if i % 50 == 0:
                    q = dns.message.make_query(ZONE_NAME, 'DNSKEY', want_dnssec=True)
                elif i % 10 == 5:
                    q = dns.message.make_query('u%d.load.example.com.' % i, 'A', want_dnssec=True)
                else:
                    q = dns.message.make_query(name, 'A', want_dnssec=True)
                q.flags &= ~dns.flags.RD
                q.id = i & 0xffff
                s.send(q.to_wire())
                self.sent += 1
                while True:
                    try:
                        wire = s.recv(4096)
                    except socket.timeout:
                        self.lost += 1
                        break
                    if len(wire) >= 2 and struct.unpack('!H', wire[:2])[0] == q.id:
                        self.note(q, wire)
                        break
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = repr(e)
        finally:
            s.close()

    def note(self, q, wire):
        r = dns.message.from_wire(wire)
        if q.question[0].rdtype == dns.rdatatype.DNSKEY:
            self.keys = r.get_rrset(r.answer, dns.name.from_text(ZONE_NAME), dns.rdataclass.IN,
                                    dns.rdatatype.DNSKEY)
            if self.keys is not None:
                self.key_tags = {dns.dnssec.key_id(k) for k in self.keys}
        for rrs in r.answer + r.authority:
            if rrs.rdtype == dns.rdatatype.RRSIG:
                for sig in rrs:
                    if sig.type_covered != dns.rdatatype.DNSKEY:
                        self.sig_tags.add(sig.key_tag)
        self.replies.append((wire, self.keys))


def verify_replies(replies):
    """Each reply's RRSIGs against the DNSKEY RRset served before it; the failures."""
    bad = []
    for wire, keys in replies:
        r = dns.message.from_wire(wire)
        if r.rcode() != dns.rcode.NOERROR:
            bad.append('rcode %s: %s' % (dns.rcode.to_text(r.rcode()), r.question[0]))
            continue
        if keys is None:
            keys = r.get_rrset(r.answer, dns.name.from_text(ZONE_NAME), dns.rdataclass.IN,
                               dns.rdatatype.DNSKEY)
        if keys is None:
            bad.append('no DNSKEY RRset seen before %s' % r.question[0])
            continue
        sections = r.answer + r.authority
        sigs = [x for x in sections if x.rdtype == dns.rdatatype.RRSIG]
        data = [x for x in sections if x.rdtype not in (dns.rdatatype.RRSIG, dns.rdatatype.OPT)]
        if not sigs or not data:
            bad.append('unsigned: %s' % r.question[0])
            continue
        for rrset in data:
            sig = [x for x in sigs if x.name == rrset.name and x.covers == rrset.rdtype]
            try:
                dns.dnssec.validate(rrset, sig[0], {keys.name: keys})
            except (IndexError, dns.dnssec.ValidationFailure) as e:
                bad.append('%s %s: %s (served keys %s)' % (
                    rrset.name, dns.rdatatype.to_text(rrset.rdtype), e or 'no RRSIG',
                    sorted(dns.dnssec.key_id(k) for k in keys)))
    return bad


class ResolverLoad(threading.Thread):
    """Unique names (and www A in ten) through unbound until stopped; every answer
    must be AD (a unique name is a compact-denial NOERROR)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop_evt = threading.Event()
        self.sent = 0
        self.failures = []

    def run(self):
        while not self.stop_evt.is_set():
            i = self.sent
            self.sent += 1
            if i % 10 == 0:
                r, data = resolve('www.example.com.', 'A'), ['192.0.2.80']
            else:
                r, data = resolve('r%d.swap.example.com.' % i, 'A'), []
            why = resolved_ok(r, dns.rcode.NOERROR, data)
            if why:
                self.failures.append('query %d: %s' % (i, ', '.join(why)))


def rollover_under_load(d, ulog, old_zsk):
    """The ZSK rollover while both loads run."""
    direct, resolver = DirectLoad(), ResolverLoad()
    direct.start()
    resolver.start()
    try:
        t0 = time.monotonic()
        wait_for(lambda: direct.sent >= 1000 and resolver.sent >= 50, 15)
        rc, out = d.ctl('key', 'generate', 'example.com', '--zsk', '--activate', '+3600')
        m = re.search(r'^tag=(\d+) algorithm=13 .*state=published', out, re.M)
        if not ok(rc == 0 and m, 'under load: key generate --zsk publishes a new ZSK', out):
            return
        new = int(m.group(1))
        seen = wait_for(lambda: new in direct.key_tags, 5)
        ok(seen, 'under load: the new ZSK %d is in the DNSKEY RRset served' % new,
           sorted(direct.key_tags))
        time.sleep(RESOLVER_MAX_TTL + 0.5)
        rc, out = d.ctl('key', 'activate', 'example.com', str(new))
        ok(rc == 0 and 'state=active' in out, 'under load: key activate %d' % new, out)
        rc, out = d.ctl('key', 'retire', 'example.com', str(old_zsk))
        ok(rc == 0 and re.search(r'state=retired', out), 'under load: key retire %d' % old_zsk,
           out)
        signs = wait_for(lambda: new in direct.sig_tags, 5)
        ok(signs, 'under load: answers are signed by the new ZSK %d' % new, sorted(direct.sig_tags))
        time.sleep(1)
        rc, out = d.ctl('key', 'list', 'example.com')
        ok(re.search(r'tag=%d .*role=ZSK state=active' % new, out) and
           re.search(r'tag=%d .*state=retired' % old_zsk, out),
           'key list: the new ZSK active, the old one retired', out)
    finally:
        direct.stop_evt.set()
        resolver.stop_evt.set()
        direct.join(10)
        resolver.join(10)
    took = time.monotonic() - t0
    diag('load during the rollover: %d queries to sigedge, %d through unbound in %.1f s'
         % (direct.sent, resolver.sent, took))
    ok(direct.error is None and direct.lost == 0 and direct.sent >= 3000,
       'under load: every one of %d DO=1 queries answered' % direct.sent,
       'lost %d, error %s' % (direct.lost, direct.error))
    bad = verify_replies(direct.replies)
    ok(not bad and old_zsk in direct.sig_tags,
       'under load: every RRSIG validates with the DNSKEY RRset served before it '
       '(old ZSK %d and new ZSK %s seen signing)' % (old_zsk, sorted(direct.sig_tags)),
       '\n'.join(bad[:20]))
    ok(resolver.sent >= 100 and not resolver.failures,
       'under load: %d answers through unbound, every one AD' % resolver.sent,
       '\n'.join(resolver.failures[:20]))
    failures = log_failures(ulog)
    ok(not failures, 'unbound logged no SERVFAIL or validation failure during the rollover',
       ''.join(failures[:20]))


def af_packet_checks(args, ns, tmp, zone, keydir, zsk):
    mac = ns.vs_mac()
    d = Sigedge(args, ns, tmp, 'net_af_packet0', 'net_af_packet0,iface=vs', zone, keydir,
                'af_packet')
    procs = [d.proc]
    try:
        up = wait_for(d.ready, 30) and d.proc.poll() is None
        if not ok(up, 'sigedge --dpdk starts on net_af_packet (vs)', tail(d.log)):
            return
        rc, status = d.ctl('status')
        ok(re.search(r'^port: net_af_packet0 id=0 driver=net_af_packet mac=%s .* tap=sigedge0$'
                     % mac, status, re.M) and 'backend: dpdk' in status and
           re.search(r'^dpdk-kernel-path: sigedge0 prefix 24/64, 1 worker$', status, re.M) and
           re.search(r'^workers: 2$', status, re.M),
           'status: backend dpdk, the port has the MAC of vs (%s), its TAP is sigedge0, '
           'one DPDK worker and the kernel path\'s' % mac, status)

        ok(ping(SRV4) == 3, 'ICMP echo to %s answered (3 of 3)' % SRV4)

        s0 = d.stats()
        do4, nx4 = kdig_checks(SRV4, False, 'UDP')
        do6, nx6 = kdig_checks(SRV6, False, 'UDP')
        s1 = d.stats()
        n = 2 * len(KDIG_CASES)
        ok(delta(s1, s0, 'dpdk.answered') == n and delta(s1, s0, 'signed') == do4 + do6 and
           delta(s1, s0, 'nxdomain') == nx4 + nx6 and delta(s1, s0, 'dpdk.tx-failed') == 0,
           'stats: %d UDP queries answered by the worker, %d signed, %d NXDOMAIN'
           % (n, do4 + do6, nx4 + nx6),
           {k: delta(s1, s0, k) for k in s1 if delta(s1, s0, k)})

        kdig_checks(SRV4, True, 'TCP')
        kdig_checks(SRV6, True, 'TCP')
        s2 = d.stats()
        ok(delta(s2, s1, 'dpdk.exception') >= n and delta(s2, s1, 'kernel-path.to-kernel') >= n
           and delta(s2, s1, 'tcp') == n and delta(s2, s1, 'dpdk.answered') == 0,
           'stats: the %d TCP queries crossed the kernel path (dpdk.exception, '
           'kernel-path.to-kernel) and were answered there (tcp), not by the DPDK worker' % n,
           {k: delta(s2, s1, k) for k in s2 if delta(s2, s1, k)})

        ulog = os.path.join(tmp, 'unbound-log.txt')
        with open(os.path.join(tmp, 'unbound.out'), 'w') as out:
            unbound = subprocess.Popen(['unbound', '-d', '-c', unbound_conf(
                tmp, must(['ldns-key2ds', '-n', '-2', zsk['ksk'] + '.key']).strip(), ulog)],
                stdout=out, stderr=subprocess.STDOUT)
        procs.append(unbound)
        up = wait_for(lambda: unbound.poll() is not None or
                      not isinstance(resolve('example.com.', 'SOA', timeout=0.5), str), 10)
        if not ok(up and unbound.poll() is None, 'unbound validating resolver in the client '
                  'namespace', tail(ulog) + tail(os.path.join(tmp, 'unbound.out'))):
            return
        for label, name, rtype, rcode, data in (
                ('positive', 'www.example.com.', 'A', dns.rcode.NOERROR, ['192.0.2.80']),
                ('positive AAAA', 'www.example.com.', 'AAAA', dns.rcode.NOERROR, None),
                ('compact denial', 'nope.example.com.', 'A', dns.rcode.NOERROR, []),
                ('DNSKEY', 'example.com.', 'DNSKEY', dns.rcode.NOERROR, None),
                ('SOA', 'example.com.', 'SOA', dns.rcode.NOERROR, None)):
            r = resolve(name, rtype)
            why = resolved_ok(r, rcode, data)
            ok(not why, 'unbound: %s %s %s validated (AD)' % (label, name, rtype),
               '\n'.join(why) + '\n' + (r if isinstance(r, str) else r.to_text()))
        failures = log_failures(ulog)
        ok(not failures, 'unbound logged no SERVFAIL or validation failure', ''.join(failures))

        rollover_under_load(d, ulog, zsk['zsk'])

        st = d.stats()
        ok(st.get('dpdk.answered', 0) >= st.get('udp', 0) > 0 and st.get('signed', 0) > 0 and
           st.get('dpdk.tx-failed', 1) == 0 and st.get('dpdk.no-mbuf', 1) == 0,
           'stats: answered, signed, no TX failure or mbuf shortage',
           {k: v for k, v in st.items() if v})
        rc = d.stop()
        ok(rc == 0, 'sigedge exits 0 on SIGTERM', tail(d.log))
    finally:
        for p in reversed(procs):
            stop(p)


def af_xdp_checks(args, ns, tmp, zone, keydir):
    """The UDP checks on net_af_xdp, or a visible skip when it cannot serve here."""
    d = Sigedge(args, ns, tmp, 'net_af_xdp0', 'net_af_xdp0,iface=vs', zone, keydir, 'af_xdp')
    try:
        up = wait_for(d.ready, 30) and d.proc.poll() is None
        if not up:
            why = ' '.join(line.strip() for line in tail(d.log, 6).splitlines())
            diag('net_af_xdp does not start here: ' + why)
            tap_skip('net_af_xdp: UDP queries', 'net_af_xdp does not start here')
            return
        ok(True, 'sigedge --dpdk starts on net_af_xdp (vs)')
        vs_tx = ns.vs_tx_packets()
        out = kdig(SRV4, 'www.example.com', 'A', True, False)
        if 'status: NOERROR' not in out:
            st = d.stats()
            diag('net_af_xdp does not deliver replies here: sigedge answered %d, the port sent '
                 '%d, but vs transmitted %d frames (kernel %s)' % (
                     st.get('dpdk.answered', 0), st.get('port.net_af_xdp0.tx-packets', 0),
                     ns.vs_tx_packets() - vs_tx, os.uname().release))
            tap_skip('net_af_xdp: UDP queries', 'net_af_xdp took the reply but it did not '
                     'leave vs')
        else:
            kdig_checks(SRV4, False, 'af_xdp UDP')
            kdig_checks(SRV6, False, 'af_xdp UDP')
        ok(d.stop() == 0, 'sigedge on net_af_xdp exits 0 on SIGTERM', tail(d.log))
    finally:
        stop(d.proc)


def main():
    if len(sys.argv) != 3:
        print('usage: test_dpdk_veth.py SIGEDGE SIGEDGECTL', file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        skip('needs root for network namespaces, a veth pair and DPDK af_packet')
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        skip('missing tools: ' + ' '.join(missing))
    if dns is None:
        skip('python3-dnspython is not installed')
    probe = run(['ip', 'netns', 'list'])
    if probe.returncode != 0:
        skip('ip netns does not work: ' + probe.stdout.strip())

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    tmp = tempfile.mkdtemp(prefix='sigedge-dpdk-veth-')
    ns = Namespaces()
    t0 = time.monotonic()
    try:
        zone = os.path.join(tmp, 'example.com.zone')
        with open(zone, 'w') as f:
            f.write(ZONE)
        keydir = os.path.join(tmp, 'keys')
        os.mkdir(keydir)
        ksk, _ = keygen(keydir, '-k')
        _, zsk = keygen(keydir)
        ns.create()
        ns.enter_client()
        af_packet_checks(sys.argv[1:3], ns, tmp, zone, keydir, {'ksk': ksk, 'zsk': zsk})
        af_xdp_checks(sys.argv[1:3], ns, tmp, zone, keydir)
        diag('elapsed %.1f s' % (time.monotonic() - t0))
        return tap.done()
    finally:
        ns.remove()
        if tap.failed or os.environ.get('SIGEDGE_VETH_KEEP'):
            diag('files kept in ' + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
