# SPDX-License-Identifier: BSD-3-Clause
"""SIG(0) interop with BIND's nsupdate (run with /usr/bin/python3).

For ECDSAP256SHA256 and ED25519 keys made by dnssec-keygen (KEY records, as
nsupdate wants them), nsupdate sends a SIG(0)-signed UPDATE to a UDP socket
of this test on 127.0.0.1; keysync/sig0 verifies it with the same public key
as a DNSKEY (BADSIG once tampered with, BADTIME an hour later, BADKEY with
another key). keysync/sig0 then signs the same UPDATE with the BIND private
key file at nsupdate's signing time: the SIG(0) RDATA up to the signature is
the same octets as nsupdate's, and for ED25519 (deterministic signatures)
the whole RR is.
Usage: test_sig0_interop.py SIG0_TOOL
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import testlib  # noqa: E402

TOOL = sys.argv[1]
ALGS = [('ECDSAP256SHA256', 13), ('ED25519', 15)]
SIG_RR_LEN = 11 + 18 + len(b'\x07example\x03com\x00') + 64

for prog in ('nsupdate', 'dnssec-keygen'):
    if shutil.which(prog) is None:
        print(f'1..0 # SKIP {prog} (bind9-dnsutils / bind9) is not installed')
        sys.exit(0)

tap = testlib.Tap()


def tool(*args):
    out = subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=10)
    if out.returncode != 0:
        raise RuntimeError(f'sig0_tool {args[0]}: {out.stderr.strip()}')
    return out.stdout.split()


def verify(keypath, now, wire):
    return tuple(int(f) for f in tool('verify', keypath, str(now), wire.hex()))


def make_key(workdir, alg):
    """dnssec-keygen KEY pair in workdir/bind, a DNSKEY copy of it in workdir/sigedge."""
    bind_dir = os.path.join(workdir, 'bind')
    own_dir = os.path.join(workdir, 'sigedge')
    os.makedirs(bind_dir, exist_ok=True)
    os.makedirs(own_dir, exist_ok=True)
    out = subprocess.run(['dnssec-keygen', '-q', '-K', bind_dir, '-a', alg, '-T', 'KEY', '-n', 'ZONE',
                          'example.com'], capture_output=True, text=True, timeout=30, check=True)
    base = out.stdout.strip()
    with open(os.path.join(bind_dir, base + '.key')) as f:
        text = f.read()
    rr = [line for line in text.splitlines() if line and not line.startswith(';')][0].split()
    with open(os.path.join(own_dir, base + '.key'), 'w') as f:
        f.write(' '.join(rr[:2] + ['DNSKEY'] + rr[3:]) + '\n')
    shutil.copy(os.path.join(bind_dir, base + '.private'), os.path.join(own_dir, base + '.private'))
    os.chmod(os.path.join(own_dir, base + '.private'), 0o600)
    return os.path.join(bind_dir, base + '.private'), os.path.join(own_dir, base), rr


def nsupdate_capture(bind_private, pubkey_rr):
    """The UPDATE nsupdate sends, signed with bind_private, and nsupdate's exit status."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(('127.0.0.1', 0))
        s.settimeout(10)
        port = s.getsockname()[1]
        p = subprocess.Popen(['nsupdate', '-t', '5', '-r', '0', '-k', bind_private],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
        p.stdin.write(f'server 127.0.0.1 {port}\nzone example.com.\n'
                      'prereq yxdomain example.com.\n'
                      f'update add example.com. 3600 IN DNSKEY {" ".join(pubkey_rr[3:])}\n'
                      'update delete example.com. IN CDS\nsend\n')
        p.stdin.close()
        try:
            request, addr = s.recvfrom(65535)
            # NOERROR: header with QR set, the zone section echoed.
            qend = 12 + len(b'\x07example\x03com\x00') + 4
            s.sendto(request[:2] + b'\xa8\x00\x00\x01' + bytes(6) + request[12:qend], addr)
        finally:
            out = p.stdout.read()
            rc = p.wait(timeout=10)
    return request, rc, out


with tempfile.TemporaryDirectory(prefix='sig0-interop-') as tmp:
    keys = {}
    for alg, num in ALGS:
        keys[num] = make_key(os.path.join(tmp, str(num)), alg)
    for alg, num in ALGS:
        bind_private, own, rr = keys[num]
        other = keys[28 - num][1]
        request, rc, out = nsupdate_capture(bind_private, rr)
        tap.ok(rc == 0, f'{alg}: nsupdate sent a signed UPDATE and read the reply', out)
        tap.ok(len(request) > SIG_RR_LEN and request[-SIG_RR_LEN:][:3] == b'\x00\x00\x18',
               f'{alg}: the UPDATE ends with a SIG RR owned by the root',
               request.hex())
        rdata = request[-SIG_RR_LEN + 11:]
        inception = int.from_bytes(rdata[12:16], 'big')
        now = inception + 300
        tap.ok(verify(own, now, request) == (0, 0, 0), f'{alg}: keysync verifies nsupdate\'s SIG(0)',
               verify(own, now, request))
        bad = bytearray(request)
        bad[13] ^= 1
        tap.ok(verify(own, now, bytes(bad)) == (-13, 9, 16),
               f'{alg}: a flipped bit in the zone name: NOTAUTH BADSIG', verify(own, now, bytes(bad)))
        tap.ok(verify(own, now + 3600, request) == (-13, 9, 18), f'{alg}: an hour later: NOTAUTH BADTIME')
        tap.ok(verify(other, now, request) == (-13, 9, 17), f'{alg}: another key: NOTAUTH BADKEY')

        # The same UPDATE signed by keysync with the BIND private key at nsupdate's time.
        unsigned = bytearray(request[:-SIG_RR_LEN])
        unsigned[10:12] = (int.from_bytes(unsigned[10:12], 'big') - 1).to_bytes(2, 'big')
        ours = bytes.fromhex(tool('sign', own, str(now), bytes(unsigned).hex())[0])
        tap.ok(len(ours) == len(request) and ours[:-64] == request[:-64],
               f'{alg}: keysync\'s SIG(0) RR up to the signature equals nsupdate\'s',
               f'ours    {ours[:-64].hex()}\nnsupdate {request[:-64].hex()}')
        if num == 15:
            tap.ok(ours == request, f'{alg}: keysync\'s deterministic signature equals nsupdate\'s')
        tap.ok(verify(own, now, ours) == (0, 0, 0), f'{alg}: keysync verifies its own signature')

sys.exit(tap.done())
