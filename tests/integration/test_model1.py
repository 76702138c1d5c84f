#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Multi-signer model 1 (RFC 8901): one zone owner's KSK, two sigedge signers (TAP).

Usage: test_model1.py SIGEDGE SIGEDGECTL

sigedge A and B (127.0.0.1, free ports) serve example.com (zones/example.com.zone,
NSEC denial) in multi-signer model 1, each with its own ZSK (dnssec-keygen,
ECDSAP256SHA256) in its key directory. The zone owner, this test, holds a KSK
(ldns-keygen -k) that neither instance has. It collects both ZSKs with
`sigedgectl keysync export`, writes the zone plus one DNSKEY RRset (its KSK and
both ZSKs), a CDS (ldns-key2ds) and a CDNSKEY of its KSK, signs it with
ldns-signzone and feeds the result to both instances with `keysync import`.

Checks:
  1. each instance exports exactly its own ZSK, and before the import signs its
     DNSKEY RRset with it;
  2. after the import both serve the owner's DNSKEY, CDS and CDNSKEY RRsets and
     their RRSIGs as the signed file has them (rdata bytes and TTLs);
  3. an unbound validating resolver whose only trust anchor is the DS of the
     owner's KSK, stubbed to A alone and then to B alone, answers A, MX, TXT,
     DNSKEY and an NXDOMAIN with AD and logs no failure; every RRSIG over zone
     data is made by the answering instance's ZSK (its key tag);
  4. imports that B must refuse, each answered by an error and changing
     nothing (the store file's bytes and the served RRsets): a set without B's
     ZSK (the error names it), a corrupted RRSIG over DNSKEY and over CDS, an
     expired RRSIG, one not yet valid, a set signed by a key outside it;
     then the owner hands B a new signing of the set by UPDATE (TSIG, to B's
     keysync address): taken and served, unbound validates through it; an
     UPDATE with a set without B's ZSK is REFUSED and an unsigned one gets
     NOTAUTH, both leaving the store as it was;
  5. restarted, A serves the imported set again from its store and unbound
     still validates through it.
"""

import base64
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import testlib  # noqa: E402
from testlib import Tap, stop, tail, wait_for  # noqa: E402

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
    import dns.tsigkeyring
    import dns.update
    import dns.zone
except ImportError as e:
    print(f'1..0 # SKIP dnspython is not usable: {e}')
    sys.exit(0)

TOOLS = ['dnssec-keygen', 'ldns-keygen', 'ldns-key2ds', 'ldns-signzone', 'unbound']
SRCDIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
ZONEFILE = os.path.join(SRCDIR, 'zones', 'example.com.zone')
ZONE = dns.name.from_text('example.com.')
ADDR = '127.0.0.1'
TTL = 3600           # the owner's key RRsets, and the instances' dnskey-ttl
# The zone owner's TSIG key: it may also hand its signed key RRsets over by UPDATE.
OWNER_KEY = 'owner-key.'
OWNER_SECRET = base64.b64encode(b'the zone owner, model 1 test key').decode()
KEY_TYPES = ('DNSKEY', 'CDS', 'CDNSKEY')
DAY = 86400

tap = Tap()
ok, diag = tap.ok, tap.diag


def run(args, cwd=None, timeout=30):
    return subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout)


def utc(t):
    return time.strftime('%Y%m%d%H%M%S', time.gmtime(t))


def rdtype(t):
    return dns.rdatatype.from_text(t)


def ask(port, name, qtype, recurse=False, timeout=3):
    """Query ADDR:port with DO=1; the reply, or the failure as a string."""
    q = dns.message.make_query(name, qtype, want_dnssec=True, payload=1232)
    if not recurse:
        q.flags &= ~dns.flags.RD
    try:
        return dns.query.udp_with_fallback(q, ADDR, port=port, timeout=timeout)[0]
    except (OSError, dns.exception.DNSException) as e:
        return '%s: %s' % (type(e).__name__, e)


def wires(rdatas):
    return sorted(rd.to_wire() for rd in rdatas)


def key_tags(rdatas):
    return sorted(dns.dnssec.key_id(rd) for rd in rdatas)


def sig_tags(rrsets):
    """The key tags of the RRSIGs in rrsets (a message section) over types other than
    the key RRsets, which the owner's KSK signs."""
    return sorted({rd.key_tag for rrs in rrsets if rrs.rdtype == dns.rdatatype.RRSIG
                   for rd in rrs if dns.rdatatype.to_text(rd.type_covered) not in KEY_TYPES})


class Sigedge:
    """One sigedge instance with its own ZSK; name is 'a' or 'b'."""

    def __init__(self, tmp, name, zonefile):
        self.name = name.upper()
        self.dir = os.path.join(tmp, name)
        os.mkdir(self.dir)
        self.sock = os.path.join(self.dir, 'control.sock')
        self.log = os.path.join(self.dir, 'sigedge.log')
        self.store = os.path.join(self.dir, 'example.com.keysync')
        self.port = testlib.free_port()
        self.ksport = testlib.free_port()
        self.proc = None
        r = run(['dnssec-keygen', '-q', '-a', '13', '-K', self.dir, 'example.com'])
        if r.returncode != 0:
            raise RuntimeError('dnssec-keygen: ' + r.stderr)
        self.zsk = read_dnskey(os.path.join(self.dir, r.stdout.strip() + '.key'))
        self.tag = dns.dnssec.key_id(self.zsk)
        self.conf = os.path.join(self.dir, 'sigedge.conf')
        with open(self.conf, 'w') as f:
            f.write('server: {\n  listen = "%s:%d";\n  workers = 1;\n  keydir = "%s";\n'
                    '  control = "%s";\n  log-level = "debug";\n  keysync-listen = "%s:%d";\n};\n'
                    'zones = (\n  { name = "example.com"; file = "%s"; denial = "nsec";\n'
                    '    dnskey-ttl = %d; multi-signer = { model = 1; peers = (\n'
                    '      { name = "owner"; address = "%s:%d"; tsig = "hmac-sha256:%s:%s"; }\n'
                    '    ); }; }\n);\n'
                    % (ADDR, self.port, self.dir, self.sock, ADDR, self.ksport, zonefile, TTL,
                       ADDR, testlib.free_port(), OWNER_KEY, OWNER_SECRET))

    def start(self):
        with open(self.log, 'a') as out:
            self.proc = subprocess.Popen([SIGEDGE, '--config', self.conf], stdout=out,
                                         stderr=subprocess.STDOUT)
        return wait_for(lambda: self.proc.poll() is not None or
                        not isinstance(ask(self.port, 'example.com.', 'SOA', timeout=0.5), str)
                        and os.path.exists(self.sock)) and self.proc.poll() is None

    def stop(self):
        stop(self.proc)
        return self.proc.returncode

    def ctl_run(self, *args):
        return run([SIGEDGECTL, '-s', self.sock, *args])

    def served(self, qtype):
        """The rrset of qtype at the apex and the RRSIG rrset over it, or a failure string."""
        r = ask(self.port, 'example.com.', qtype)
        if isinstance(r, str):
            return r
        if r.rcode() != dns.rcode.NOERROR:
            return 'rcode ' + dns.rcode.to_text(r.rcode())
        try:
            rrs = r.find_rrset(r.answer, ZONE, dns.rdataclass.IN, rdtype(qtype))
            sig = r.find_rrset(r.answer, ZONE, dns.rdataclass.IN, dns.rdatatype.RRSIG,
                               rdtype(qtype))
        except KeyError:
            return 'no %s or no RRSIG over it in\n%s' % (qtype, r.to_text())
        return rrs, sig

    def store_bytes(self):
        try:
            with open(self.store, 'rb') as f:
                return f.read()
        except OSError as e:
            return 'unreadable: %s' % e


def parse_rr(line):
    """(owner, type, rdata) of an RR in presentation format on one line."""
    w = line.split(None, 4)
    if len(w) != 5 or w[2] != 'IN':
        raise ValueError('not NAME TTL IN TYPE RDATA: ' + line)
    t = rdtype(w[3])
    return dns.name.from_text(w[0]), t, dns.rdata.from_text(dns.rdataclass.IN, t, w[4])


def read_dnskey(path):
    """The DNSKEY rdata of a .key file (comments and TTL ignored)."""
    with open(path) as f:
        words = [w for line in f if not line.startswith(';') for w in line.split(';')[0].split()]
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY,
                               ' '.join(words[words.index('DNSKEY') + 1:]))


class Owner:
    """The zone owner: its KSK (ldns-keygen -k), the zone, and the signed key sets it makes."""

    def __init__(self, tmp):
        self.dir = os.path.join(tmp, 'owner')
        os.mkdir(self.dir)
        self.ksk_base, self.ksk = self.keygen()
        self.tag = dns.dnssec.key_id(self.ksk)
        r = run(['ldns-key2ds', '-n', '-2', self.ksk_base + '.key'])
        if r.returncode != 0:
            raise RuntimeError('ldns-key2ds: ' + r.stdout + r.stderr)
        self.ds = r.stdout.strip()      # the trust anchor
        self.count = 0

    def keygen(self):
        r = run(['ldns-keygen', '-a', 'ECDSAP256SHA256', '-k', 'example.com'], cwd=self.dir)
        if r.returncode != 0:
            raise RuntimeError('ldns-keygen: ' + r.stdout + r.stderr)
        base = os.path.join(self.dir, r.stdout.strip().splitlines()[-1])
        return base, read_dnskey(base + '.key')

    def signed(self, zsks, inception=None, expiration=None, signer=None):
        """Sign the zone with the DNSKEY RRset {KSK} + zsks, a CDS and a CDNSKEY of the
        KSK, by the KSK (or the key whose base name is signer, then left out of the
        DNSKEY RRset); the path of the signed file."""
        self.count += 1
        src = os.path.join(self.dir, 'set%d.zone' % self.count)
        out = src + '.signed'
        cds = self.ds.split()
        cds[cds.index('DS')] = 'CDS'
        keys = [self.ksk] + list(zsks)
        with open(ZONEFILE) as f:
            text = f.read()
        text += ''.join('example.com. %d IN DNSKEY %s\n' % (TTL, k.to_text()) for k in keys)
        text += 'example.com. %d IN %s\n' % (TTL, ' '.join(cds[cds.index('CDS'):]))
        text += 'example.com. %d IN CDNSKEY %s\n' % (TTL, self.ksk.to_text())
        with open(src, 'w') as f:
            f.write(text)
        now = time.time()
        args = ['ldns-signzone', '-d', '-o', 'example.com.', '-f', out,
                '-i', utc(inception if inception is not None else now - 3600),
                '-e', utc(expiration if expiration is not None else now + 14 * DAY),
                src, signer or self.ksk_base]
        r = run(args, cwd=self.dir)
        if r.returncode != 0:
            raise RuntimeError('%s: %s' % (' '.join(args), r.stdout + r.stderr))
        return out

    def apex(self, path):
        """{type text: (rdataset, RRSIG rdataset over it)} of the key RRsets in a signed file."""
        z = dns.zone.from_file(path, origin=ZONE, relativize=False)
        node = z.find_node(ZONE)
        return {t: (node.find_rdataset(dns.rdataclass.IN, rdtype(t)),
                    node.find_rdataset(dns.rdataclass.IN, dns.rdatatype.RRSIG, rdtype(t)))
                for t in KEY_TYPES}


owner_zsks = []   # the ZSKs of A and B, for the owner's UPDATEs


def owner_update(inst, owner, path, keyring=True):
    """The owner's UPDATE to inst's keysync address replacing the key RRsets and their
    RRSIGs by those of the signed file path; the reply's rcode (or a failure string)."""
    ring = dns.tsigkeyring.from_text({OWNER_KEY: OWNER_SECRET}) if keyring else None
    u = dns.update.UpdateMessage(ZONE, keyring=ring, keyalgorithm='hmac-sha256')
    for t in KEY_TYPES:
        u.delete(ZONE, t)
    u.delete(ZONE, 'RRSIG')
    for rrs, sig in owner.apex(path).values():
        u.add(ZONE, rrs)
        u.add(ZONE, sig)
    try:
        return dns.query.tcp(u, ADDR, port=inst.ksport, timeout=5).rcode()
    except (OSError, dns.exception.DNSException) as e:
        return 'failed: %s' % e


def owner_updates(inst, owner, good):
    """The owner's signed key RRsets by UPDATE: a new signing of the set is taken; a set
    without inst's ZSK is REFUSED and an unsigned UPDATE gets NOTAUTH, changing nothing."""
    fresh = owner.signed([owner_zsks[0], owner_zsks[1]])
    rc = owner_update(inst, owner, fresh)
    ok(rc == dns.rcode.NOERROR, '%s: the owner\'s UPDATE with a new signing: NOERROR' % inst.name,
       '%s\n%s' % (rc, tail(inst.log)))
    serves_file(inst, owner, fresh, 'updated by UPDATE')
    stored = inst.store_bytes()
    without = owner.signed([z for z in owner_zsks if z != inst.zsk])
    rc = owner_update(inst, owner, without)
    ok(rc == dns.rcode.REFUSED and inst.store_bytes() == stored,
       '%s: the owner\'s UPDATE without its ZSK: REFUSED, store unchanged' % inst.name, rc)
    serves_file(inst, owner, fresh, 'after a refused UPDATE')
    rc = owner_update(inst, owner, good, keyring=False)
    ok(rc == dns.rcode.NOTAUTH and inst.store_bytes() == stored,
       '%s: an unsigned UPDATE: NOTAUTH, store unchanged' % inst.name, rc)


def corrupt_rrsig(path, covered):
    """A copy of the signed file path whose RRSIG over covered has one bit flipped in its
    signature; the copy's path."""
    out = path + '.bad-' + covered.lower()
    done = False
    with open(path) as f, open(out, 'w') as g:
        for line in f:
            w = line.split()
            if not done and len(w) > 12 and w[0] == 'example.com.' and w[3] == 'RRSIG' \
                    and w[4] == covered:
                sig = bytearray(base64.b64decode(''.join(w[12:])))
                sig[len(sig) // 2] ^= 0x01
                line = '\t'.join(w[:12] + [base64.b64encode(bytes(sig)).decode()]) + '\n'
                done = True
            g.write(line)
    if not done:
        raise RuntimeError('no RRSIG over %s at the apex of %s' % (covered, path))
    return out


def serves_file(inst, owner, path, what):
    """Checks: inst serves the key RRsets and their RRSIGs of the signed file path,
    rdata bytes and TTLs."""
    want = owner.apex(path)
    got = {t: inst.served(t) for t in KEY_TYPES}
    bad = [t + ': ' + got[t] for t in KEY_TYPES if isinstance(got[t], str)]
    if not ok(not bad, '%s: %s: DNSKEY, CDS and CDNSKEY with RRSIGs are served' % (inst.name,
                                                                                 what),
              '\n'.join(bad)):
        return False
    why = []
    for t in KEY_TYPES:
        (rrs, sig), (frrs, fsig) = got[t], want[t]
        if wires(rrs) != wires(frrs):
            why.append('%s rdatas differ:\n served %s\n file   %s' % (t, rrs, frrs))
        if rrs.ttl != frrs.ttl:
            why.append('%s TTL %d, file %d' % (t, rrs.ttl, frrs.ttl))
        if wires(sig) != wires(fsig):
            why.append('RRSIG %s rdatas differ:\n served %s\n file   %s' % (t, sig, fsig))
    good = ok(not why, '%s: %s: the owner\'s DNSKEY, CDS and CDNSKEY RRsets and the RRSIGs '
              'over them, byte for byte, RRset TTLs as in the file' % (inst.name, what),
              '\n'.join(why))
    # RFC 4034 section 3: an RRSIG's TTL is the TTL of the RRset it covers (in the file too).
    ttls = ['RRSIG %s TTL %d; %s TTL %d; in the file %d' % (t, got[t][1].ttl, t, got[t][0].ttl,
                                                         want[t][1].ttl)
            for t in KEY_TYPES if got[t][1].ttl != want[t][1].ttl]
    good &= ok(not ttls, '%s: %s: each RRSIG over a key RRset has the TTL of the RRset it covers, '
               'as in the file' % (inst.name, what), '\n'.join(ttls))
    try:
        for t in KEY_TYPES:
            dns.dnssec.validate(got[t][0], got[t][1], {ZONE: got['DNSKEY'][0]})
        verr = None
    except dns.dnssec.ValidationFailure as e:
        verr = str(e)
    good &= ok(verr is None and key_tags(got['DNSKEY'][0]) == sorted(
        [owner.tag] + [i.tag for i in INSTANCES]) and {rd.key_tag for t in KEY_TYPES
                                                       for rd in got[t][1]} == {owner.tag},
        '%s: %s: the served key RRsets verify with the owner\'s KSK %d alone' % (
            inst.name, what, owner.tag), verr or str(got['DNSKEY']))
    return good


def unbound_conf(tmp, port, anchor, stub_port, dead_port, log):
    """A validating unbound on ADDR:port, trusting anchor (a DS) and sending example.com to
    stub_port; every other name goes to dead_port on loopback, where nothing listens, so no
    query leaves the machine."""
    anchor_path = os.path.join(tmp, 'anchor.ds')
    with open(anchor_path, 'w') as f:
        f.write(anchor + '\n')
    server = [
        'interface: %s' % ADDR, 'port: %d' % port, 'do-ip6: no',
        'outgoing-interface: %s' % ADDR, 'access-control: 127.0.0.0/8 allow',
        'num-threads: 1', 'username: ""', 'chroot: ""', 'directory: "%s"' % tmp,
        'pidfile: "%s/unbound.pid"' % tmp, 'use-syslog: no', 'logfile: "%s"' % log,
        'verbosity: 1', 'val-log-level: 2', 'log-servfail: yes',
        'module-config: "validator iterator"', 'target-fetch-policy: "0 0 0 0 0"',
        'harden-referral-path: no', 'do-not-query-localhost: no',
        'trust-anchor-file: "%s"' % anchor_path,
    ]
    path = os.path.join(tmp, 'unbound.conf')
    with open(path, 'w') as f:
        f.write('server:\n' + ''.join('  %s\n' % line for line in server))
        f.write('remote-control:\n  control-enable: no\n')
        f.write('stub-zone:\n  name: "example.com."\n  stub-addr: %s@%d\n' % (ADDR, stub_port))
        f.write('stub-zone:\n  name: "."\n  stub-addr: %s@%d\n' % (ADDR, dead_port))
    return path


class Unbound:
    """A validating unbound trusting the owner's DS, stubbed to one instance alone."""

    def __init__(self, inst, owner, tmp):
        self.dir = tempfile.mkdtemp(prefix='unbound-%s-' % inst.name.lower(), dir=tmp)
        self.port = testlib.free_port()
        self.log = os.path.join(self.dir, 'unbound-log.txt')
        self.out = os.path.join(self.dir, 'unbound.out')
        conf = unbound_conf(self.dir, self.port, owner.ds, inst.port, testlib.free_port(),
                            self.log)
        with open(self.out, 'w') as f:
            self.proc = subprocess.Popen(['unbound', '-d', '-c', conf], stdout=f,
                                         stderr=subprocess.STDOUT)

    def up(self):
        return wait_for(lambda: self.proc.poll() is not None or
                        not isinstance(self.ask('example.com.', 'SOA', timeout=0.5), str)) \
            and self.proc.poll() is None

    def ask(self, name, qtype, timeout=3):
        return ask(self.port, name, qtype, recurse=True, timeout=timeout)

    def failures(self):
        """The log lines that report a SERVFAIL, a validation failure or bogus data."""
        with open(self.log, errors='replace') as f:
            return [line for line in f if 'SERVFAIL' in line or 'validation failure' in line
                    or 'bogus' in line.lower()]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        stop(self.proc)


def bogus_before_import(inst, owner, tmp):
    """The control case: before an import, inst's DNSKEY RRset (its ZSK alone) does not
    match the owner's DS, so unbound must find its answers bogus."""
    with Unbound(inst, owner, tmp) as u:
        if not ok(u.up(), '%s: before the import: unbound serves on port %d' % (
                inst.name, u.port), tail(u.out) + tail(u.log)):
            return
        r = u.ask('www.example.com.', 'A')
        ok(not isinstance(r, str) and r.rcode() == dns.rcode.SERVFAIL and
           any('validation failure' in line for line in u.failures()),
           '%s: before the import: unbound answers SERVFAIL and logs a validation failure'
           % inst.name, (r if isinstance(r, str) else r.to_text()) + '\n' + tail(u.log))


def resolver_checks(inst, owner, tmp, what):
    """unbound, trusting the owner's DS and stubbed to inst alone, validates answers."""
    with Unbound(inst, owner, tmp) as u:
        if not ok(u.up(), '%s: %s: unbound serves on port %d' % (inst.name, what, u.port),
                  tail(u.out) + tail(u.log)):
            return
        ksk_zsks = sorted([owner.tag] + [i.tag for i in INSTANCES])
        cases = [
            ('www.example.com.', 'A', dns.rcode.NOERROR, ['192.0.2.80', '192.0.2.81']),
            ('example.com.', 'MX', dns.rcode.NOERROR, ['10 mail.example.com.']),
            ('example.com.', 'TXT', dns.rcode.NOERROR, ['"v=spf1 mx -all"']),
            ('_dmarc.example.com.', 'TXT', dns.rcode.NOERROR,
             ['"v=DMARC1; p=reject; rua=mailto:dmarc@example.com"']),
            ('nx.example.com.', 'A', dns.rcode.NXDOMAIN, []),
            ('example.com.', 'DNSKEY', dns.rcode.NOERROR, None),
        ]
        for name, qtype, rcode, data in cases:
            r = u.ask(name, qtype)
            if isinstance(r, str):
                ok(False, '%s: %s: unbound: %s %s' % (inst.name, what, name, qtype), r)
                continue
            why = []
            if r.rcode() != rcode:
                why.append('rcode %s, expected %s' % (dns.rcode.to_text(r.rcode()),
                                                      dns.rcode.to_text(rcode)))
            if not r.flags & dns.flags.AD:
                why.append('no AD')
            got = sorted(rd.to_text() for rrs in r.answer if rrs.rdtype == rdtype(qtype)
                         for rd in rrs)
            if data is not None and got != sorted(data):
                why.append('%s data %s, expected %s' % (qtype, got, sorted(data)))
            if qtype == 'DNSKEY':
                tags = key_tags(rd for rrs in r.answer if rrs.rdtype == dns.rdatatype.DNSKEY
                                for rd in rrs)
                if tags != ksk_zsks:
                    why.append('DNSKEY tags %s, expected %s' % (tags, ksk_zsks))
            else:
                tags = sig_tags(r.answer if data else r.authority)
                if tags != [inst.tag]:
                    why.append('RRSIG key tags %s, expected %s\'s ZSK %d only' % (
                        tags, inst.name, inst.tag))
            ok(not why, '%s: %s: unbound: %s %s: %s, AD%s' % (
                inst.name, what, name, qtype, dns.rcode.to_text(rcode),
                '' if qtype == 'DNSKEY' else ', signed by %s\'s ZSK %d' % (inst.name, inst.tag)),
                '\n'.join(why + [r.to_text()]))
        failures = u.failures()
        ok(not failures, '%s: %s: unbound logged no SERVFAIL and no validation failure' % (
            inst.name, what), ''.join(failures[:20]))


def refusal(inst, path, what, expect_in_error, good_file, owner):
    """Checks: importing path into inst fails with an error naming expect_in_error, and
    changes neither the store file nor the served key RRsets (those of good_file)."""
    before = inst.store_bytes()
    r = inst.ctl_run('keysync', 'import', 'example.com', path)
    ok(r.returncode == 1 and expect_in_error.lower() in r.stderr.lower(),
       '%s: import of %s refused: exit 1, the error says "%s"' % (inst.name, what,
                                                                 expect_in_error),
       'exit %d\nstdout: %s\nstderr: %s' % (r.returncode, r.stdout, r.stderr))
    diag('%s: %s: %s' % (inst.name, what, r.stderr.strip()))
    ok(inst.store_bytes() == before, '%s: after refusing %s the store file is byte-identical'
       % (inst.name, what), 'before:\n%s\nafter:\n%s' % (before, inst.store_bytes()))
    want = owner.apex(good_file)
    got = {t: inst.served(t) for t in KEY_TYPES}
    why = [t + ': ' + got[t] for t in KEY_TYPES if isinstance(got[t], str)]
    why += ['%s: served %s %s, expected %s %s' % (t, got[t][0], got[t][1], want[t][0], want[t][1])
            for t in KEY_TYPES if not why and (wires(got[t][0]) != wires(want[t][0]) or
                                               wires(got[t][1]) != wires(want[t][1]))]
    ok(not why, '%s: after refusing %s it serves the previous key RRsets and RRSIGs' % (
        inst.name, what), '\n'.join(why))


INSTANCES = []


def main():
    tmp = tempfile.mkdtemp(prefix='sigedge-model1-')
    try:
        return scenario(tmp)
    finally:
        for inst in INSTANCES:
            stop(inst.proc)
        if os.environ.get('SIGEDGE_MODEL1_KEEP'):
            diag('kept ' + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def scenario(tmp):
    t0 = time.monotonic()
    zonefile = os.path.join(tmp, 'example.com.zone')
    shutil.copyfile(ZONEFILE, zonefile)
    a = Sigedge(tmp, 'a', zonefile)
    b = Sigedge(tmp, 'b', zonefile)
    INSTANCES.extend([a, b])
    owner = Owner(tmp)
    diag('ZSKs: A %d, B %d; owner KSK %d' % (a.tag, b.tag, owner.tag))
    for inst in INSTANCES:
        if not ok(inst.start(), '%s: sigedge serves example.com on port %d' % (
                inst.name, inst.port), tail(inst.log)):
            return tap.done()

    # 1. export, and the DNSKEY RRset an instance signs itself before any import
    for inst in INSTANCES:
        r = inst.ctl_run('keysync', 'export', 'example.com')
        try:
            exported = [parse_rr(line) for line in r.stdout.splitlines() if line.strip()]
        except (dns.exception.DNSException, ValueError) as e:
            exported = 'unparsable: %s' % e
        ok(r.returncode == 0 and exported == [(ZONE, dns.rdatatype.DNSKEY, inst.zsk)],
           '%s: keysync export prints its ZSK %d, nothing else' % (inst.name, inst.tag),
           'exit %d\n%s%s' % (r.returncode, r.stdout, r.stderr))
        got = inst.served('DNSKEY')
        ok(not isinstance(got, str) and key_tags(got[0]) == [inst.tag] and
           [rd.key_tag for rd in got[1]] == [inst.tag],
           '%s: before an import its DNSKEY RRset is its ZSK, signed by it' % inst.name,
           str(got))

    bogus_before_import(a, owner, tmp)

    # 2. the owner's signed key RRsets, imported into both
    good = owner.signed([a.zsk, b.zsk])
    for inst in INSTANCES:
        r = inst.ctl_run('keysync', 'import', 'example.com', good)
        ok(r.returncode == 0, '%s: keysync import of the owner\'s signed set' % inst.name,
           'exit %d\n%s%s\n%s' % (r.returncode, r.stdout, r.stderr, tail(inst.log)))
    for inst in INSTANCES:
        serves_file(inst, owner, good, 'imported')
        ok(os.path.exists(inst.store), '%s: the import is kept in %s' % (inst.name, inst.store))

    # 3. a validating resolver through each instance alone
    for inst in INSTANCES:
        resolver_checks(inst, owner, tmp, 'imported')

    # 4. refused imports into B
    refusal(b, owner.signed([a.zsk]), 'a set without B\'s ZSK', str(b.tag), good, owner)
    refusal(b, corrupt_rrsig(good, 'DNSKEY'), 'a set with a corrupted RRSIG over DNSKEY',
            'RRSIG', good, owner)
    refusal(b, corrupt_rrsig(good, 'CDS'), 'a set with a corrupted RRSIG over CDS',
            'RRSIG', good, owner)
    now = time.time()
    refusal(b, owner.signed([a.zsk, b.zsk], now - 30 * DAY, now - DAY),
            'a set whose RRSIGs expired a day ago', 'expired', good, owner)
    refusal(b, owner.signed([a.zsk, b.zsk], now + DAY, now + 30 * DAY),
            'a set whose RRSIGs are valid from tomorrow on', 'RRSIG', good, owner)
    other_base, _ = owner.keygen()
    refusal(b, owner.signed([a.zsk, b.zsk], signer=other_base),
            'a set signed by a KSK that is not in it', 'RRSIG', good, owner)
    missing = b.ctl_run('keysync', 'import', 'example.com', os.path.join(tmp, 'no-such-file'))
    ok(missing.returncode == 1 and 'no-such-file' in missing.stderr,
       'B: import of a missing file: exit 1, the error names the file',
       'exit %d\n%s%s' % (missing.returncode, missing.stdout, missing.stderr))

    # 4b. the owner's signed set by UPDATE (TSIG) into B
    owner_zsks[:] = [a.zsk, b.zsk]
    owner_updates(b, owner, good)
    resolver_checks(b, owner, tmp, 'updated by UPDATE')

    # 5. a restart of A: the imported set comes back from the store
    stored = a.store_bytes()
    rc = a.stop()
    ok(rc == 0, 'A: exits 0 on SIGTERM', tail(a.log))
    if ok(a.start(), 'A: restarted, serves example.com again', tail(a.log)):
        ok(a.store_bytes() == stored, 'A: the store file is unchanged by the restart')
        serves_file(a, owner, good, 'after a restart')
        resolver_checks(a, owner, tmp, 'after a restart')

    for inst in INSTANCES:
        rc = inst.stop()
        with open(inst.log, errors='replace') as f:
            log = f.read()
        ok(rc == 0 and 'Sanitizer' not in log and 'runtime error' not in log,
           '%s: exits 0 on SIGTERM, no sanitizer report' % inst.name,
           'exit status %s\n%s' % (rc, tail(inst.log, 40)))
    diag('elapsed %.1f s' % (time.monotonic() - t0))
    return tap.done()


if __name__ == '__main__':
    if len(sys.argv) != 3:
        print('usage: test_model1.py SIGEDGE SIGEDGECTL', file=sys.stderr)
        sys.exit(2)
    SIGEDGE, SIGEDGECTL = (os.path.abspath(p) for p in sys.argv[1:3])
    missing_tools = [t for t in TOOLS if shutil.which(t) is None]
    if missing_tools:
        print('1..0 # SKIP missing tools: ' + ' '.join(missing_tools))
        sys.exit(0)
    sys.exit(main())
