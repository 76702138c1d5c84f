#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Malformed input: sigedge must answer FORMERR or stay silent, and keep serving.

Usage: test_malformed.py SIGEDGE_BINARY SOURCE_ROOT

Sends a corpus of malformed UDP datagrams to a running sigedge (one worker,
loopback, port picked at run time) and checks every reply: FORMERR with the
query's ID, or no reply at all where the header cannot be read or QR is
set. After each batch a valid query must still be answered. Then bad TCP
framing (length 0, a length beyond the data, garbage) must leave the
server answering. Last, `sigedge --check` on every broken zone file in
tests/zones/ must fail and name the file and line. TAP output.
"""

import glob
import os
import random
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time

import dns.exception
import dns.message
import dns.rcode

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from testlib import free_port, tail  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ZONE = ('example.com', os.path.join(HERE, 'zones', 'example.com.zone'))
QID = 0x5e1d


def header(qid=QID, flags=0, qd=1, an=0, ns=0, ar=0):
    return struct.pack('!HHHHHH', qid, flags, qd, an, ns, ar)


def wname(name):
    out = b''
    for label in name.rstrip('.').split('.'):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b'\0'


WWW = wname('www.example.com.')
Q_A = struct.pack('!HH', 1, 1)
OPT = b'\0' + struct.pack('!HHIH', 41, 1232, 0, 0)   # root owner, 1232, no options


def opt_rr(owner=b'\0', rdata=b''):
    return owner + struct.pack('!HHIH', 41, 1232, 0, len(rdata)) + rdata


def malformed_corpus():
    """(batch, description, packet, expectation); expectation is 'formerr',
    'silent', or 'formerr|silent' where either is right."""
    c = []
    for n in range(12):
        c.append(('short', 'header of %d octets' % n, header()[:n], 'silent'))
    c.append(('qr', 'QR set on a well-formed query', header(flags=0x8000) + WWW + Q_A, 'silent'))
    c.append(('qr', 'QR set, no question', header(flags=0x8000, qd=0), 'silent'))

    # compression pointers
    c += [
        ('pointer', 'question name points forward',
         header() + b'\xc0\x12' + Q_A + WWW, 'formerr'),
        ('pointer', 'question name points to itself',
         header() + b'\xc0\x0c' + Q_A, 'formerr'),
        ('pointer', 'label then pointer to its own start',
         header() + b'\x01a\xc0\x0c' + Q_A, 'formerr'),
        ('pointer', 'two pointers pointing at each other',
         header() + b'\xc0\x0e\xc0\x0c' + Q_A, 'formerr'),
        ('pointer', 'pointer beyond the end of the message',
         header() + b'\xff\xff' + Q_A, 'formerr'),
        ('pointer', 'pointer to the end of the message',
         header() + b'\x01a\xc0\x14' + Q_A, 'formerr'),
        ('pointer', 'pointer cut in half',
         header() + b'\x01a\xc0', 'formerr'),
        ('pointer', 'OPT owner is a pointer loop',
         header(ar=1) + WWW + Q_A + b'\xc0\x21' + OPT[1:], 'formerr'),
    ]
    # lengths
    long_name = b''.join(bytes([63]) + b'a' * 63 for _ in range(4)) + b'\0'     # 257 octets
    c += [
        ('length', 'name of 257 octets', header() + long_name + Q_A, 'formerr'),
        ('length', 'name of 321 octets',
         header() + b''.join(bytes([63]) + b'b' * 63 for _ in range(5)) + b'\0' + Q_A,
         'formerr'),
        ('length', 'name of 257 octets from 128 one-octet labels',
         header() + b'\x01x' * 128 + b'\0' + Q_A, 'formerr'),
        ('length', 'label length 64 (0x40)', header() + b'\x40' + b'c' * 64 + b'\0' + Q_A,
         'formerr'),
        ('length', 'label type 0x41 (extended label)', header() + b'\x41' + b'\0' * 4 + Q_A,
         'formerr'),
        ('length', 'label type 0x7f', header() + b'\x7f\x00' + Q_A, 'formerr'),
        ('length', 'label type 0x80 (reserved)', header() + b'\x80\x00' + Q_A, 'formerr'),
        ('length', 'label type 0xbf', header() + b'\xbf\x00' + Q_A, 'formerr'),
        ('length', 'label length past the end', header() + b'\x30abc', 'formerr'),
    ]
    # counts and question
    c += [
        ('question', 'QDCOUNT 0', header(qd=0), 'formerr'),
        ('question', 'QDCOUNT 0 with an OPT', header(qd=0, ar=1) + OPT, 'formerr'),
        ('question', 'QDCOUNT 2, one question present', header(qd=2) + WWW + Q_A, 'formerr'),
        ('question', 'QDCOUNT 2, two questions',
         header(qd=2) + WWW + Q_A + wname('mail.example.com.') + Q_A, 'formerr'),
        ('question', 'question without type and class', header() + WWW, 'formerr'),
        ('question', 'question with a type but no class', header() + WWW + b'\x00\x01',
         'formerr'),
        ('question', 'question with one octet of class', header() + WWW + b'\x00\x01\x00',
         'formerr'),
        ('question', 'name without its final root label', header() + WWW[:-1], 'formerr'),
        ('question', 'name cut inside a label', header() + WWW[:6], 'formerr'),
        ('question', 'ARCOUNT 1 but no additional data', header(ar=1) + WWW + Q_A, 'formerr'),
        ('question', 'ANCOUNT 1 but no answer data', header(an=1) + WWW + Q_A, 'formerr'),
        ('question', 'NSCOUNT 3 but no authority data', header(ns=3) + WWW + Q_A, 'formerr'),
    ]
    # OPT
    base = WWW + Q_A
    c += [
        ('opt', 'OPT cut after its type', header(ar=1) + base + b'\0\x00\x29', 'formerr'),
        ('opt', 'OPT cut inside its TTL', header(ar=1) + base + b'\0\x00\x29\x04\xd0\x00',
         'formerr'),
        ('opt', 'OPT RDLENGTH beyond the end',
         header(ar=1) + base + b'\0' + struct.pack('!HHIH', 41, 1232, 0, 20) + b'\x00\x0a',
         'formerr'),
        ('opt', 'OPT option length beyond RDLENGTH',
         header(ar=1) + base + opt_rr(rdata=struct.pack('!HH', 10, 16) + b'\x01' * 8),
         'formerr'),
        ('opt', 'OPT option header cut',
         header(ar=1) + base + opt_rr(rdata=b'\x00\x0a\x00'), 'formerr'),
        ('opt', 'two OPT records', header(ar=2) + base + OPT + OPT, 'formerr'),
        ('opt', 'OPT owned by a non-root name',
         header(ar=1) + base + opt_rr(owner=wname('example.com.')), 'formerr'),
        ('opt', 'OPT owned by a pointer to the question',
         header(ar=1) + base + opt_rr(owner=b'\xc0\x0c'), 'formerr'),
        ('opt', 'OPT in the answer section', header(an=1) + base + OPT, 'formerr'),
        ('opt', 'OPT in the authority section', header(ns=1) + base + OPT, 'formerr'),
    ]
    # random bytes: a readable header (QR=0, opcode QUERY, one question) and
    # a question of noise that dnspython rejects too (trailing data after a
    # readable question is not counted: a server may ignore it)
    rnd = random.Random(20240601)
    made = 0
    while made < 24:
        body = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 120)))
        pkt = header(qid=rnd.randrange(0x10000), flags=rnd.randrange(0x10000) & 0x07ff) + body
        try:
            dns.message.from_wire(pkt)
            continue
        except dns.message.TrailingJunk:
            continue
        except dns.exception.DNSException:
            pass
        c.append(('random', 'random message %d (%d octets)' % (made, len(pkt)), pkt, 'formerr'))
        made += 1
    # oversize: larger than any EDNS buffer a client may announce
    c += [
        ('oversize', 'datagram of 4200 octets (query + junk additional)',
         header(ar=1) + base + b'\0' + struct.pack('!HHIH', 16, 1, 0, 4150) + b'z' * 4150,
         'formerr|silent'),
        ('oversize', 'datagram of 8000 octets of zeros after a header',
         header() + b'\0' * 7988, 'formerr|silent'),
        ('oversize', 'datagram of 65000 octets', header() + b'\xff' * 64988, 'formerr|silent'),
    ]
    return c


def packet_id(pkt):
    return struct.unpack('!H', pkt[:2])[0]


def udp_exchange(port, pkt, wait):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(wait)
        s.sendto(pkt, ('127.0.0.1', port))
        try:
            return s.recv(65535)
        except socket.timeout:
            return None
    finally:
        s.close()


def valid_query():
    return dns.message.make_query('www.example.com.', 'A', want_dnssec=False)


def check_alive_udp(port):
    q = valid_query()
    for _ in range(3):
        r = udp_exchange(port, q.to_wire(), 1.0)
        if r is not None:
            try:
                m = dns.message.from_wire(r)
            except dns.exception.DNSException as e:
                return False, 'unreadable reply: %s' % e
            return m.id == q.id and m.rcode() == dns.rcode.NOERROR and len(m.answer) == 1, \
                'rcode %s, %d answer RRsets' % (dns.rcode.to_text(m.rcode()), len(m.answer))
    return False, 'no reply'


def tcp_send(port, data, read=True):
    s = socket.create_connection(('127.0.0.1', port), timeout=2)
    try:
        s.sendall(data)
        if not read:
            return b''
        buf = b''
        try:
            while True:
                d = s.recv(65535)
                if not d:
                    break
                buf += d
                if len(buf) >= 2 and len(buf) >= 2 + struct.unpack('!H', buf[:2])[0]:
                    break
        except socket.timeout:
            pass
        return buf
    finally:
        s.close()


def check_alive_tcp(port):
    q = valid_query().to_wire()
    try:
        r = tcp_send(port, struct.pack('!H', len(q)) + q)
    except OSError as e:
        return False, str(e)
    if len(r) < 2:
        return False, 'no reply over TCP'
    try:
        m = dns.message.from_wire(r[2:2 + struct.unpack('!H', r[:2])[0]])
    except dns.exception.DNSException as e:
        return False, 'unreadable reply over TCP: %s' % e
    return m.rcode() == dns.rcode.NOERROR and len(m.answer) == 1, \
        'rcode %s over TCP' % dns.rcode.to_text(m.rcode())


def judge(pkt, expect, reply):
    """(ok, what happened)."""
    if reply is None:
        return 'silent' in expect, 'no reply'
    if len(reply) < 12:
        return False, 'reply of %d octets' % len(reply)
    rid, flags = struct.unpack('!HH', reply[:4])
    rcode = flags & 0xf
    what = 'reply ID %#06x, QR=%d, rcode %s' % (rid, flags >> 15, dns.rcode.to_text(rcode))
    ok = ('formerr' in expect and rcode == dns.rcode.FORMERR and flags & 0x8000
          and len(pkt) >= 2 and rid == packet_id(pkt))
    return bool(ok), what


def broken_zones(srcroot):
    """Every broken zone file in tests/zones/ (bad-*.zone), with where the
    error must be reported: its header comment says "line N", and names the
    included file when the error is in one."""
    out = []
    for path in sorted(glob.glob(os.path.join(srcroot, 'tests', 'zones', 'bad*.zone'))):
        with open(path, encoding='utf-8', errors='replace') as f:
            head = ''.join(line for line in f.readlines()[:4] if line.startswith(';'))
        line = re.search(r'\bline (\d+)', head)
        inc = re.search(r'included (\S+\.inc)\b', head)
        where = os.path.basename(inc.group(1)) if inc else os.path.basename(path)
        out.append((path, where, line.group(1) if line else r'\d+'))
    return out


def check_zone(sigedge, path, where, line, tmp):
    """Run --check on a broken zone; it must fail and print WHERE:LINE:."""
    cmd = [sigedge, '--check', '--zone', 'example.com=%s' % path]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=30, cwd=tmp)
    except subprocess.TimeoutExpired:
        return False, '%s did not finish in 30 s' % ' '.join(cmd)
    found = re.search(r'(^|[/\s])%s:%s:' % (re.escape(where), line), p.stdout)
    return p.returncode != 0 and found is not None, 'want %s:%s:, got exit %d: %s' % (
        where, line.replace('\\d+', 'N'), p.returncode, p.stdout.strip()[-300:])


def main():
    if len(sys.argv) != 3:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    sigedge, srcroot = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    corpus = malformed_corpus()
    batches = []
    for batch, _d, _p, _e in corpus:
        if batch not in batches:
            batches.append(batch)
    tcp_cases = [
        ('TCP length 0, then close', struct.pack('!H', 0), False),
        ('TCP length 0 followed by a query', struct.pack('!H', 0)
         + struct.pack('!H', len(valid_query().to_wire())) + valid_query().to_wire(), True),
        ('TCP length 300 with 20 octets, then close', struct.pack('!H', 300) + b'\0' * 20, False),
        ('TCP one octet of length, then close', b'\x00', False),
        ('TCP length 5 with a 5-octet message', struct.pack('!H', 5) + b'\0' * 5, True),
        ('TCP garbage', bytes(random.Random(7).randrange(256) for _ in range(700)), False),
    ]
    zones = broken_zones(srcroot)
    # one line per packet, one per batch check, two per TCP case, one FORMERR
    # over TCP, one per broken zone (or one saying there are none)
    total = len(corpus) + len(batches) + 2 * len(tcp_cases) + 1 + max(1, len(zones))
    print('1..%d' % total)
    n = 0

    def line(ok, desc, detail=None):
        nonlocal n
        n += 1
        print('%s %d - %s' % ('ok' if ok else 'not ok', n, desc))
        if detail and not ok:
            for x in detail.splitlines():
                print('#   ' + x)
        sys.stdout.flush()
        return ok

    failed = False
    with tempfile.TemporaryDirectory(prefix='sigedge-malformed-') as tmp:
        port = free_port()
        log = os.path.join(tmp, 'sigedge.log')
        proc = subprocess.Popen([sigedge, '--listen', '127.0.0.1:%d' % port, '--workers', '1',
                                 '--control', os.path.join(tmp, 'ctl.sock'),
                                 '--zone', '%s=%s' % ZONE],
                                stdout=open(log, 'w'), stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 20
            up = False
            while time.monotonic() < deadline and proc.poll() is None and not up:
                up = check_alive_udp(port)[0]
                if not up:
                    time.sleep(0.1)
            if not up:
                print('Bail out! sigedge did not start: %s' % tail(log).replace('\n', ' | '))
                return 1

            for batch in batches:
                for b, desc, pkt, expect in corpus:
                    if b != batch:
                        continue
                    reply = udp_exchange(port, pkt, 1.0 if 'formerr' in expect else 0.3)
                    ok, what = judge(pkt, expect, reply)
                    failed |= not line(ok, '%s: %s -> %s' % (batch, desc, expect),
                                       'got %s; sent %s%s' % (what, pkt[:64].hex(),
                                                              '...' if len(pkt) > 64 else ''))
                ok, what = check_alive_udp(port)
                failed |= not line(ok and proc.poll() is None,
                                   'after the %s batch a valid query is answered' % batch, what)

            for desc, data, keep_reading in tcp_cases:
                try:
                    tcp_send(port, data, read=keep_reading)
                    sent = 'sent'
                except OSError as e:
                    sent = str(e)
                failed |= not line(proc.poll() is None, '%s: server still running' % desc, sent)
                ok, what = check_alive_tcp(port)
                ok2, what2 = check_alive_udp(port)
                failed |= not line(ok and ok2, '%s: TCP and UDP queries still answered' % desc,
                                   '%s; %s' % (what, what2))

            q = header(qd=0)
            try:
                r = tcp_send(port, struct.pack('!H', len(q)) + q)
                r = r[2:] if len(r) >= 2 else None
            except OSError:
                r = None
            ok, what = judge(q, 'formerr', r)
            failed |= not line(ok, 'QDCOUNT 0 over TCP -> formerr', what)
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

        if not zones:
            line(True, 'broken zone files # SKIP no broken zone files in tests/zones/')
        for path, where, zline in zones:
            ok, what = check_zone(sigedge, path, where, zline, tmp)
            failed |= not line(ok, 'sigedge --check rejects %s with FILE:LINE'
                               % os.path.relpath(path, srcroot), what)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
