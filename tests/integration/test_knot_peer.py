#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Knot DNS as a multi-signer peer: the behaviours keysync relies on.

Usage: test_knot_peer.py

Runs one knotd (tests/integration/knotpeer.py: loopback, a free port, a temp
dir) signing example. with its own KSK and ZSK, and a NOTIFY sink, then
checks what sigedge's key synchronisation with a Knot provider depends on:
a foreign ZSK and a foreign KSK's CDS/CDNSKEY added by TSIG-signed UPDATE are
served and signed with knotd's KSK; UPDATEs of anything else, with a wrong
secret, an unknown key or no TSIG are refused with NOTAUTH and change
nothing; every change bumps the serial and sends a NOTIFY (over TCP); the
foreign records survive knotd's own ZSK and KSK rollovers and a restart;
class NONE deletes remove them. A Knot upgrade that changes any of this
fails here. TAP output; about 15 s.
"""

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import Tap, wait_for  # noqa: E402

try:
    import dns.dnssec
    import dns.name
    import dns.rdata
    import dns.rdatatype
    import dns.tsig
    from cryptography.hazmat.primitives.asymmetric import ec
    from knotpeer import KnotPeer, NotifySink
except ImportError as e:
    KnotPeer, IMPORT_ERROR = None, e

ZONE = 'example.'
TTL = 2           # dnskey-ttl and zone-max-ttl of the peer
STEP = 15.0       # the longest wait for one rollover step


def foreign_key(flags):
    """A fresh P-256 DNSKEY rdata of another signer."""
    return dns.dnssec.make_dnskey(ec.generate_private_key(ec.SECP256R1()).public_key(),
                                  dns.dnssec.Algorithm.ECDSAP256SHA256, flags=flags)


def cds_of(zone, dnskey):
    ds = dns.dnssec.make_ds(zone, dnskey, 'SHA256')
    return dns.rdata.from_text('IN', 'CDS', ds.to_text())


def cdnskey_of(dnskey):
    return dns.rdata.from_text('IN', 'CDNSKEY', dnskey.to_text())


def tags(rrset):
    """Key tags of a DNSKEY/CDNSKEY RRset or of a CDS RRset (sorted; [] for None)."""
    if rrset is None:
        return []
    if rrset.rdtype == dns.rdatatype.CDS:
        return sorted(r.key_tag for r in rrset)
    return sorted(dns.dnssec.key_id(r) for r in rrset)


class Checker:
    """The peer, the sink and the foreign records, with the snapshot checks
    the rollover steps repeat."""

    def __init__(self, tap, peer, sink):
        self.tap, self.peer, self.sink = tap, peer, sink
        self.zone = peer.zone
        self.zsk = foreign_key(256)
        self.ksk = foreign_key(257)
        self.cds = cds_of(self.zone, self.ksk)
        self.cdnskey = cdnskey_of(self.ksk)

    def own(self, ksk):
        """Tags of knotd's keys of one kind that its KASP database says are in the zone."""
        now = int(time.time())
        return sorted(k['tag'] for k in self.peer.keys()
                      if k['ksk'] == ksk and k['publish'] <= now and not (0 < k['remove'] <= now))

    def snapshot(self):
        """(serial, DNSKEY tags, DNSKEY RRSIG tags, CDS tags, CDNSKEY tags,
        problems) of one serial: taken again when the zone changed meanwhile."""
        for _ in range(10):
            serial = self.peer.serial()
            snap = self._snapshot()
            if snap[0] == serial:
                return snap
        return snap

    def _snapshot(self):
        p = self.peer
        problems = []
        try:
            sig_tags = p.validate(dns.rdatatype.DNSKEY)
        except dns.dnssec.ValidationFailure as e:
            sig_tags, problems = [], ['DNSKEY RRset does not validate: %s' % e]
        for rdtype in (dns.rdatatype.CDS, dns.rdatatype.CDNSKEY):
            try:
                p.validate(rdtype)
            except dns.dnssec.ValidationFailure as e:
                problems.append('%s does not validate: %s' % (dns.rdatatype.to_text(rdtype), e))
        return (p.serial(), tags(p.dnskeys()), sig_tags, tags(p.cds()), tags(p.cdnskeys()),
                problems)

    def foreign_kept(self, snap):
        """What is wrong with a snapshot as to the foreign records (list of text)."""
        serial, keys, _, cds, cdnskeys, problems = snap
        zsk, ksk = dns.dnssec.key_id(self.zsk), dns.dnssec.key_id(self.ksk)
        bad = list(problems)
        if zsk not in keys:
            bad.append('serial %d: foreign ZSK %d missing from DNSKEY %s' % (serial, zsk, keys))
        if ksk not in cds or ksk not in cdnskeys:
            bad.append('serial %d: foreign CDS/CDNSKEY %d missing: CDS %s CDNSKEY %s'
                       % (serial, ksk, cds, cdnskeys))
        return bad

    def follow(self, done, timeout=STEP):
        """Snapshot every 0.2 s until done(snapshot) or timeout; the distinct
        snapshots in order (the last one is the final state)."""
        seen = []
        end = time.monotonic() + timeout
        while True:
            s = self.snapshot()
            if not seen or s[:5] != seen[-1][:5]:
                seen.append(s)
            if done(s) or time.monotonic() > end:
                return seen
            time.sleep(0.2)

    def notified(self, serials, timeout=5.0):
        """The serials of serials that got no NOTIFY (over TCP) within timeout."""
        wait_for(lambda: all(self.sink.wait(s, 0, self.zone) for s in serials), timeout)
        return [s for s in serials
                if not (n := self.sink.wait(s, 0, self.zone)) or n.transport != 'tcp']


def check_initial(c):
    tap, p = c.tap, c.peer
    ksks, zsks = c.own(True), c.own(False)
    keys = p.dnskeys()
    tap.ok(len(ksks) == 1 and len(zsks) == 1 and tags(keys) == sorted(ksks + zsks)
           and all(k.algorithm == 13 for k in keys),
           'knotd serves its own KSK and ZSK (algorithm 13) in the DNSKEY RRset',
           'KASP KSK %s ZSK %s, served %s' % (ksks, zsks, keys))
    try:
        sig_tags = p.validate(dns.rdatatype.DNSKEY)
    except dns.dnssec.ValidationFailure as e:
        sig_tags = str(e)
    tap.ok(sig_tags == ksks, 'the DNSKEY RRset is signed by knotd\'s KSK only',
           'RRSIG key tags %s, KSK %s' % (sig_tags, ksks))
    cds, cdnskeys = p.cds(), p.cdnskeys()
    tap.ok(tags(cds) == ksks and tags(cdnskeys) == ksks and cds.ttl == 0 and cdnskeys.ttl == 0,
           'CDS and CDNSKEY of knotd\'s KSK are published, TTL 0 (cds-cdnskey-publish: always)',
           'CDS %s CDNSKEY %s, KSK %s' % (cds, cdnskeys, ksks))
    miss = c.notified([p.serial()])
    tap.ok(not miss, 'NOTIFY over TCP for the signed zone\'s serial %d' % p.serial(),
           'received: %s' % c.sink.received)
    return ksks[0], zsks[0]


def check_adds(c, ksk):
    tap, p = c.tap, c.peer
    serial = p.serial()
    r = p.update(add=[(TTL, c.zsk)])
    tap.ok(r.rcode == 'NOERROR' and r.tsig_error == 'NOERROR' and p.serial() == serial + 1,
           'UPDATE adding a foreign ZSK: NOERROR, signed reply, serial +1',
           '%s, serial %d -> %d' % (r, serial, p.serial()))
    keys = p.dnskeys()
    try:
        sig_tags = p.validate(dns.rdatatype.DNSKEY)
    except dns.dnssec.ValidationFailure as e:
        sig_tags = str(e)
    tap.ok(c.zsk in keys and sig_tags == [ksk],
           'the foreign ZSK is in the DNSKEY RRset, whose RRSIG by knotd\'s KSK verifies',
           'DNSKEY %s, RRSIG tags %s' % (keys, sig_tags))
    miss = c.notified([serial + 1])
    tap.ok(not miss, 'NOTIFY over TCP after the UPDATE (serial %d)' % (serial + 1),
           'received: %s' % c.sink.received)

    r = p.update(add=[(0, c.cds), (0, c.cdnskey)], tcp=True)
    cds, cdnskeys = p.cds(), p.cdnskeys()
    ok = r.rcode == 'NOERROR' and p.serial() == serial + 2
    ok = ok and tags(cds) == sorted([ksk, dns.dnssec.key_id(c.ksk)]) and c.cdnskey in cdnskeys
    try:
        p.validate(dns.rdatatype.CDS)
        p.validate(dns.rdatatype.CDNSKEY)
    except dns.dnssec.ValidationFailure as e:
        ok, r = False, '%s; %s' % (r, e)
    tap.ok(ok, 'UPDATE over TCP adding a foreign CDS and CDNSKEY: both served beside knotd\'s, '
           'signed by its KSK', '%s; CDS %s; CDNSKEY %s' % (r, cds, cdnskeys))
    miss = c.notified([serial + 2])
    tap.ok(not miss, 'NOTIFY over TCP after the UPDATE (serial %d)' % (serial + 2),
           'received: %s' % c.sink.received)

    serial = p.serial()
    r = p.update(add=[(TTL, c.zsk), (0, c.cds)])
    tap.ok(r.rcode == 'NOERROR' and p.serial() == serial,
           'UPDATE adding records already there: NOERROR, serial unchanged',
           '%s, serial %d -> %d' % (r, serial, p.serial()))


def check_refusals(c):
    tap, p = c.tap, c.peer
    before = c.snapshot()
    a = dns.rdata.from_text('IN', 'A', '192.0.2.53')
    other = foreign_key(256)
    sub = dns.name.from_text('sub', p.zone)
    www = dns.name.from_text('www', p.zone)
    bad_secret = {p.tsig_name: dns.tsig.Key(p.tsig_name, '0' * 43 + '=', dns.tsig.HMAC_SHA256)}
    unknown = dns.name.from_text('unknown.key.')
    unknown_ring = {unknown: dns.tsig.Key(unknown, p.tsig_secret, dns.tsig.HMAC_SHA256)}
    cases = [
        ('an A record at the apex', dict(add=[(TTL, a)]), 'BADKEY'),
        ('an A record below the apex', dict(add=[(www, TTL, a)]), 'BADKEY'),
        ('a DNSKEY below the apex', dict(add=[(sub, TTL, other)]), 'BADKEY'),
        ('a DNSKEY and an A record together', dict(add=[(TTL, other), (TTL, a)]), 'BADKEY'),
        ('a DNSKEY signed with a wrong secret', dict(add=[(TTL, other)], keyring=bad_secret,
                                                    keyname=p.tsig_name), 'BADSIG'),
        ('a DNSKEY signed with an unknown key', dict(add=[(TTL, other)], keyring=unknown_ring,
                                                    keyname=unknown), 'BADKEY'),
        ('a DNSKEY without TSIG', dict(add=[(TTL, other)], keyring=False), None),
    ]
    for what, kwargs, tsig_error in cases:
        r = p.update(**kwargs)
        tap.ok(r.rcode == 'NOTAUTH' and r.tsig_error == tsig_error,
               'UPDATE of %s: NOTAUTH, TSIG error %s' % (what, tsig_error or 'none (unsigned)'), r)
    after = c.snapshot()
    tap.ok(after[:5] == before[:5] and other not in p.dnskeys(),
           'the refused UPDATEs changed nothing (serial, DNSKEY, CDS, CDNSKEY)',
           'before %s\nafter  %s' % (before, after))


def check_zsk_rollover(c, ksk, old_zsk):
    tap, p = c.tap, c.peer
    start = p.serial()
    p.zsk_rollover()
    seen = c.follow(lambda s: old_zsk not in s[1] and len(c.own(False)) == 1)
    final_zsk = c.own(False)
    new = [t for t in final_zsk if t != old_zsk]
    both = [s for s in seen if old_zsk in s[1] and new and new[0] in s[1]]
    soa_sig = p.rrsig(dns.rdatatype.SOA)
    tap.ok(len(new) == 1 and old_zsk not in seen[-1][1] and both
           and [s.key_tag for s in soa_sig] == new,
           'ZSK rollover: a new ZSK is published beside the old one, then signs, then the '
           'old one is removed', '\n'.join(map(str, seen)))
    bad = [b for s in seen for b in c.foreign_kept(s)]
    tap.ok(not bad, 'the foreign ZSK, CDS and CDNSKEY stay, and the DNSKEY RRset validates, at '
           'each of the %d states of the ZSK rollover' % len(seen), '\n'.join(bad))
    serials = sorted({s[0] for s in seen if s[0] > start})
    miss = c.notified(serials)
    tap.ok(not miss and len(serials) >= 3,
           'NOTIFY for every serial of the ZSK rollover (%s)' % serials,
           'no NOTIFY for %s; received %s' % (miss, c.sink.received))
    tap.diag('ZSK rollover states (serial, DNSKEY, RRSIG(DNSKEY), CDS, CDNSKEY): ' + '; '.join(
        str(s[:5]) for s in seen))
    return new[0] if new else old_zsk


def check_ksk_rollover(c, old_ksk):
    tap, p = c.tap, c.peer
    fk = dns.dnssec.key_id(c.ksk)
    start = p.serial()
    p.ksk_rollover()
    seen = c.follow(lambda s: len(c.own(True)) == 2 and s[3] == sorted(
        [t for t in c.own(True) if t != old_ksk] + [fk]))
    new = [t for t in c.own(True) if t != old_ksk]
    ready = seen[-1]
    tap.ok(len(new) == 1 and sorted([old_ksk, new[0]]) == ready[2]
           and ready[3] == sorted([new[0], fk]),
           'KSK rollover: the new KSK signs the DNSKEY RRset beside the old one, and when ready '
           'knotd\'s CDS switches to it (the foreign CDS stays)', '\n'.join(map(str, seen)))
    p.ksk_submitted()
    seen += c.follow(lambda s: old_ksk not in s[1])
    final = seen[-1]
    tap.ok(new and old_ksk not in final[1] and final[2] == new and new[0] in final[3],
           'after zone-ksk-submitted the old KSK is removed; the new one alone signs',
           '\n'.join(map(str, seen)))
    bad = [b for s in seen for b in c.foreign_kept(s)]
    tap.ok(not bad, 'the foreign ZSK, CDS and CDNSKEY stay, and the DNSKEY RRset validates, at '
           'each of the %d states of the KSK rollover' % len(seen), '\n'.join(bad))
    serials = sorted({s[0] for s in seen if s[0] > start})
    miss = c.notified(serials)
    tap.ok(not miss and len(serials) >= 3,
           'NOTIFY for every serial of the KSK rollover (%s)' % serials,
           'no NOTIFY for %s; received %s' % (miss, c.sink.received))
    tap.diag('KSK rollover states (serial, DNSKEY, RRSIG(DNSKEY), CDS, CDNSKEY): ' + '; '.join(
        str(s[:5]) for s in seen))
    return new[0] if new else old_ksk


def check_restart(c):
    tap, p = c.tap, c.peer
    before = c.snapshot()
    p.restart()
    after = c.snapshot()
    tap.ok(before[1:5] == after[1:5] and not c.foreign_kept(after),
           'after a knotd restart the foreign records and knotd\'s keys are unchanged',
           'before %s\nafter  %s' % (before, after))


def check_deletes(c, ksk, zsk):
    tap, p = c.tap, c.peer
    serial = p.serial()
    r = p.update(delete=[(TTL, c.zsk), (0, c.cds), (0, c.cdnskey)])
    s = c.snapshot()
    tap.ok(r.rcode == 'NOERROR' and s[0] == serial + 1 and s[1] == sorted([ksk, zsk])
           and s[3] == [ksk] and s[4] == [ksk] and not s[5],
           'class NONE deletes remove the foreign ZSK, CDS and CDNSKEY; knotd\'s own remain',
           '%s; %s' % (r, s))
    miss = c.notified([serial + 1])
    tap.ok(not miss, 'NOTIFY after the deleting UPDATE (serial %d)' % (serial + 1),
           'received: %s' % c.sink.received)

    own = next(k for k in p.dnskeys() if dns.dnssec.key_id(k) == zsk)
    r = p.update(delete=[(TTL, own)])
    s = c.snapshot()
    tap.ok(r.rcode == 'NOERROR' and zsk in s[1] and not s[5],
           'an UPDATE deleting knotd\'s own ZSK is accepted, and knotd puts the key back',
           '%s; %s' % (r, s))

    extra = foreign_key(256)
    r = p.update(add=[(3600, extra)])
    keys = p.dnskeys()
    tap.ok(r.rcode == 'NOERROR' and keys.ttl == 3600,
           'a DNSKEY added with another TTL sets the TTL of the whole DNSKEY RRset '
           '(push keys with the peer\'s dnskey-ttl)', '%s; %s' % (r, keys))


def main():
    if KnotPeer is None:
        print('1..0 # SKIP dnspython with cryptography needed (%s)' % IMPORT_ERROR)
        return 0
    missing = KnotPeer.missing_tools()
    if missing:
        print('1..0 # SKIP %s not installed (Debian packages knot, knot-dnsutils)'
              % ', '.join(missing))
        return 0
    tap = Tap()
    with tempfile.TemporaryDirectory(prefix='sigedge-knotpeer-') as tmp, \
            NotifySink('127.0.0.1') as sink:
        peer = KnotPeer(tmp, ZONE, notify=[sink.target], dnskey_ttl=TTL, zone_max_ttl=TTL,
                        propagation_delay=0)
        try:
            with peer:
                c = Checker(tap, peer, sink)
                ksk, zsk = check_initial(c)
                check_adds(c, ksk)
                check_refusals(c)
                zsk = check_zsk_rollover(c, ksk, zsk)
                ksk = check_ksk_rollover(c, ksk)
                check_restart(c)
                check_deletes(c, ksk, zsk)
        except Exception as e:  # a crash is one failed test with knotd's log, not a traceback
            tap.ok(False, 'the checks ran to the end', '%s: %s\n%s'
                   % (type(e).__name__, e, peer.log_tail(25)))
        if sink.errors:
            tap.diag('NOTIFY sink: ' + '\n'.join(sink.errors))
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
