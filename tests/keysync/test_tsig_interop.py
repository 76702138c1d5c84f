# SPDX-License-Identifier: BSD-3-Clause
"""TSIG interop with dnspython (run with /usr/bin/python3).

dnspython verifies messages that keysync/tsig signed (queries, UPDATEs,
responses chained to a dnspython request, every algorithm), and keysync/tsig
verifies messages dnspython signed; wrong secrets are refused both ways.
dnspython and Knot DNS's knsupdate judge the replies keysync/tsig builds as a
server: signed NOERROR, unsigned BADKEY/BADSIG, signed BADTIME. knsupdate
sends its UPDATE to a UDP socket of this test on 127.0.0.1.
Usage: test_tsig_interop.py TSIG_TOOL
"""

import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import testlib  # noqa: E402

try:
    import dns.message
    import dns.rcode
    import dns.tsig
    import dns.tsigkeyring
    import dns.update
except ImportError:
    print('1..0 # SKIP dnspython (python3-dnspython) is not installed')
    sys.exit(0)

TOOL = sys.argv[1]
SECRET = 'c2lnZWRnZS10c2lnLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk='
ALGS = ['hmac-sha1', 'hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512']
tap = testlib.Tap()


def tool(*args):
    out = subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=10)
    if out.returncode != 0:
        raise RuntimeError(f'tsig_tool {args[0]}: {out.stderr.strip()}')
    return out.stdout.split()


def sign(keyspec, wire, request_mac=b''):
    args = ['sign', keyspec, str(int(time.time())), wire.hex()]
    if request_mac:
        args.append(request_mac.hex())
    signed, mac = tool(*args)
    return bytes.fromhex(signed), bytes.fromhex(mac)


def verify(keyspec, wire, request_mac=b''):
    args = ['verify', keyspec, str(int(time.time())), wire.hex()]
    if request_mac:
        args.append(request_mac.hex())
    fields = tool(*args)
    return int(fields[0]), int(fields[1]), int(fields[2])


def respond(keyspec, request, skew=0):
    """keysync's reply to request as a server holding keyspec, its clock skew seconds ahead."""
    return bytes.fromhex(tool('respond', keyspec, str(int(time.time()) + skew), request.hex())[0])


def python_verifies(wire, keyring, request_mac=b''):
    try:
        return dns.message.from_wire(wire, keyring=keyring, request_mac=request_mac), None
    except Exception as e:  # dnspython raises a TSIG-specific exception
        return None, f'{type(e).__name__}: {e}'


# 1. Queries signed by keysync with every algorithm, verified by dnspython.
for alg in ALGS:
    key = dns.tsig.Key('Key.Example.', SECRET, alg)
    kr = {key.name: key}
    q = dns.message.make_query('www.example.com.', 'DNSKEY')
    signed, mac = sign(f'{alg}:key.example:{SECRET}', q.to_wire())
    m, err = python_verifies(signed, kr)
    tap.ok(m is not None and m.had_tsig and m.mac == mac,
           f'dnspython verifies a {alg} query signed by keysync', err)

# 2. An UPDATE signed by keysync; dnspython verifies it and sees the same content.
key = dns.tsig.Key('peer-a.example.', SECRET, 'hmac-sha256')
kr = {key.name: key}
u = dns.update.UpdateMessage('example.com.')
u.add('example.com.', 3600, 'CDS', '12345 13 2 ' + '00' * 32)
u.delete('example.com.', 'DNSKEY', '256 3 13 ' +
         'oJMRESz5E4gYzS/q6XDrvU1qMPYIjCWzJaOau8XNEZeqCYKD5ar0IRd8KqXXFJkqmVfRvMGPmM1x8fGAa2XhSA==')
signed, _ = sign(f'peer-a.example.:{SECRET}', u.to_wire())
m, err = python_verifies(signed, kr)
tap.ok(m is not None and m.had_tsig, 'dnspython verifies an UPDATE signed by keysync', err)
if m is not None:
    tap.ok(m.update == u.update and m.id == u.id,
           'the verified UPDATE carries the same records')

# 3. A dnspython request verified by keysync; keysync's response verified by dnspython
#    over the request MAC.
q = dns.message.make_query('example.com.', 'SOA')
q.use_tsig(kr, key.name)
qwire = q.to_wire()
rc, rcode, error = verify(f'peer-a.example.:{SECRET}', qwire)
tap.ok((rc, rcode, error) == (0, 0, 0), 'keysync verifies a dnspython-signed query',
       f'rc {rc} rcode {rcode} error {error}')
r = dns.message.make_response(q)
r.tsig = None  # sent unsigned to keysync, which signs it
rsigned, _ = sign(f'peer-a.example.:{SECRET}', r.to_wire(), q.mac)
m, err = python_verifies(rsigned, kr, q.mac)
tap.ok(m is not None and m.had_tsig, 'dnspython verifies keysync\'s response over the request MAC',
       err)
m, err = python_verifies(rsigned, kr, b'\x00' * 32)
tap.ok(m is None and 'BadSignature' in (err or ''),
       'dnspython refuses that response with another request MAC', err)

# 4. A dnspython UPDATE with hmac-sha512 verified by keysync.
key512 = dns.tsig.Key('k512.', SECRET, 'hmac-sha512')
u.use_tsig({key512.name: key512}, key512.name)
rc, rcode, error = verify(f'hmac-sha512:k512:{SECRET}', u.to_wire())
tap.ok((rc, rcode, error) == (0, 0, 0), 'keysync verifies a dnspython hmac-sha512 UPDATE',
       f'rc {rc} rcode {rcode} error {error}')

# 5. Wrong secrets are refused both ways.
wrong = 'd3Jvbmctc2VjcmV0'
signed, _ = sign(f'peer-a.example.:{wrong}', dns.message.make_query('a.example.', 'A').to_wire())
m, err = python_verifies(signed, kr)
tap.ok(m is None and 'BadSignature' in (err or ''),
       'dnspython refuses a keysync signature made with another secret', err)
rc, rcode, error = verify(f'peer-a.example.:{wrong}', qwire)
tap.ok((rcode, error) == (dns.rcode.NOTAUTH, dns.rcode.BADSIG),
       'keysync refuses a dnspython signature made with another secret: NOTAUTH BADSIG',
       f'rc {rc} rcode {rcode} error {error}')
rc, rcode, error = verify(f'other.example.:{SECRET}', qwire)
tap.ok((rcode, error) == (dns.rcode.NOTAUTH, dns.rcode.BADKEY),
       'keysync refuses an unknown key name: NOTAUTH BADKEY', f'rc {rc} rcode {rcode} error {error}')

# 6. keysync's replies as a server, judged by dnspython (the client that signed the request).
good = f'peer-a.example.:{SECRET}'
m, err = python_verifies(respond(good, qwire), kr, q.mac)
tap.ok(m is not None and m.had_tsig and m.rcode() == dns.rcode.NOERROR,
       'dnspython accepts keysync\'s signed NOERROR reply', err)
for keyspec, skew, exc, what in [
        (f'other.example.:{SECRET}', 0, 'PeerBadKey', 'BADKEY (unknown key)'),
        (f'peer-a.example.:{wrong}', 0, 'PeerBadSignature', 'BADSIG (other secret)'),
        (good, 1000, 'PeerBadTime', 'BADTIME (server clock 1000 s ahead)')]:
    reply = respond(keyspec, qwire, skew)
    m, err = python_verifies(reply, kr, q.mac)
    tap.ok(m is None and exc in (err or ''), f'dnspython reads keysync\'s {what} reply', err)
    tap.ok(reply[3] & 0xf == dns.rcode.NOTAUTH, f'{what} reply has rcode NOTAUTH', reply[3] & 0xf)


# 7. Knot DNS's knsupdate: keysync verifies its UPDATE and knsupdate judges keysync's reply.
def knsupdate_round(keyspec, skew):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(('127.0.0.1', 0))
        s.settimeout(10)
        port = s.getsockname()[1]
        p = subprocess.Popen(['knsupdate', '-t', '5', '-r', '0', '-y', f'hmac-sha256:peer.example:{SECRET}'],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
        p.stdin.write(f'server 127.0.0.1 {port}\nzone example.com.\n'
                      'update add example.com. 3600 DNSKEY 256 3 13 AQIDBA==\nsend\n')
        p.stdin.close()
        try:
            request, addr = s.recvfrom(65535)
            s.sendto(respond(keyspec, request, skew), addr)
        finally:
            out = p.stdout.read()
            rc = p.wait(timeout=10)
    return request, rc, out


knot_cases = [
    (f'peer.example:{SECRET}', 0, 0, None, 'signed NOERROR reply'),
    (f'peer.example:{wrong}', 0, 1, 'BADSIG', 'unsigned BADSIG reply'),
    (f'other.example:{SECRET}', 0, 1, 'BADKEY', 'unsigned BADKEY reply'),
    (f'peer.example:{SECRET}', 1000, 1, 'BADTIME', 'signed BADTIME reply'),
]
if shutil.which('knsupdate') is None:
    for *_, what in knot_cases:
        tap.ok(True, f'knsupdate: {what} # SKIP knsupdate (knot-dnsutils) is not installed')
else:
    for i, (keyspec, skew, want_rc, want_text, what) in enumerate(knot_cases):
        request, rc, out = knsupdate_round(keyspec, skew)
        if i == 0:
            vrc, rcode, error = verify(f'peer.example:{SECRET}', request)
            tap.ok((vrc, rcode, error) == (0, 0, 0), 'keysync verifies knsupdate\'s signed UPDATE',
                   f'rc {vrc} rcode {rcode} error {error}')
        tap.ok(rc == want_rc and (want_text is None or f'status: {want_text}' in out),
               f'knsupdate reads keysync\'s {what}', f'exit {rc}\n{out}')
    tap.ok(want_text == 'BADTIME' and 'out of time window' in out,
           'knsupdate reads the BADTIME reply as a clock problem (out of time window)', out)

sys.exit(tap.done())
