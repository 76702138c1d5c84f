# SPDX-License-Identifier: BSD-3-Clause
"""Knot DNS (3.2) as one signer of a multi-signer zone, for the integration tests.

Tests import it with:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from knotpeer import KnotPeer, NotifySink

KnotPeer writes a knot.conf and a zone file into a directory of its own and
runs knotd in the foreground (loopback only). knotd signs the zone with its
own algorithm 13 KSK and ZSK, keeps DNSKEY/CDS/CDNSKEY records that other
signers add by TSIG-signed DNS UPDATE (`dnskey-management: incremental`) and
signs that DNSKEY RRset with its KSK, publishes CDS/CDNSKEY for its KSK at
all times, accepts UPDATEs of apex DNSKEY/CDS/CDNSKEY only, and sends NOTIFY
to the given targets after every change of the zone. knotd sends NOTIFY over
TCP; NotifySink takes it over TCP and UDP.

What knotd does with such a zone (checked by test_knot_peer.py):
- an UPDATE with anything but apex DNSKEY/CDS/CDNSKEY, with an unknown key, a
  wrong secret or no TSIG is answered NOTAUTH (TSIG error BADKEY for refused
  content or an unknown key, BADSIG for a wrong secret, no TSIG when the
  UPDATE had none) and changes nothing;
- records added keep their place across knotd's own ZSK and KSK rollovers and
  across a restart; a class NONE delete removes them;
- the DNSKEY RRset takes the TTL of the last record added (keep pushed
  DNSKEYs at dnskey_ttl); knotd's own CDS/CDNSKEY have TTL 0 and a change of
  them sets the whole CDS/CDNSKEY RRsets to TTL 0;
- knotd re-adds its own keys when an UPDATE deletes them.
"""

import base64
import os
import shutil
import socket
import struct
import subprocess
import threading
import time

import dns.dnssec
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.tsig
import dns.update

from testlib import free_port, stop, tail, wait_for

TSIG_ALGORITHM = 'hmac-sha256'
SEARCH = os.environ.get('PATH', '') + ':/usr/sbin:/usr/bin'


def tool(name):
    """The path of a Knot program (knotd is in /usr/sbin), or None."""
    return shutil.which(name, path=SEARCH)


def knot_conf(tmp, zone, addr, port, tsig_name, tsig_secret, notify=(), notify_tsig=False,
              dnskey_ttl=2, zone_max_ttl=2, propagation_delay=0, delete_delay='1d',
              rrsig_lifetime='14d'):
    """The knot.conf of a KnotPeer as text.

    tmp holds the zone file (zone + 'zone'), the KASP and journal databases
    and the control socket. notify is a list of (address, port) that get a
    NOTIFY after every change of the zone, TSIG-signed when notify_tsig.
    Timings are in seconds (or Knot's TIME syntax, e.g. '1d').
    """
    remotes = ''.join('  - id: notify%d\n    address: %s@%d\n%s'
                      % (i, a, p, '    key: %s\n' % tsig_name if notify_tsig else '')
                      for i, (a, p) in enumerate(notify))
    notify_line = ('    notify: [%s]\n' % ', '.join('notify%d' % i for i in range(len(notify)))
                   if notify else '')
    return f"""server:
    listen: {addr}@{port}
    rundir: {tmp}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: info
database:
    storage: {tmp}
control:
    listen: {tmp}/knot.sock
key:
  - id: {tsig_name}
    algorithm: {TSIG_ALGORITHM}
    secret: {tsig_secret}
{'remote:' if notify else ''}
{remotes}acl:
  - id: keysync
    key: {tsig_name}
    action: update
    update-type: [DNSKEY, CDS, CDNSKEY]
    update-owner: zone
    update-owner-match: equal
policy:
  - id: multisigner
    algorithm: ecdsap256sha256
    ksk-lifetime: 0
    zsk-lifetime: 0
    dnskey-ttl: {dnskey_ttl}
    zone-max-ttl: {zone_max_ttl}
    propagation-delay: {propagation_delay}
    delete-delay: {delete_delay}
    rrsig-lifetime: {rrsig_lifetime}
    cds-cdnskey-publish: always
    dnskey-management: incremental
zone:
  - domain: {zone}
    file: {tmp}/{zone}zone
    dnssec-signing: on
    dnssec-policy: multisigner
    acl: keysync
{notify_line}    zonefile-load: whole
    journal-content: changes
    zonefile-sync: -1
    serial-policy: increment
"""


def zone_text(zone, addr, ttl, records=()):
    """A minimal zone file: SOA (serial 1), NS, the server's A, and records (lines)."""
    return ''.join(line + '\n' for line in [
        '$ORIGIN %s' % zone, '$TTL %d' % ttl,
        '@ SOA ns1 hostmaster 1 60 60 3600 %d' % ttl, '@ NS ns1', 'ns1 A %s' % addr, *records])


class UpdateResult:
    """The reply to an UPDATE: rcode (text) and the TSIG error of the reply
    (text, 'NOERROR' when signed and valid, None when unsigned)."""

    def __init__(self, rcode, tsig_error):
        self.rcode, self.tsig_error = rcode, tsig_error

    def __repr__(self):
        return 'rcode %s, TSIG %s' % (self.rcode, self.tsig_error or 'none')


class KnotPeer:
    """A knotd serving and signing one zone as a multi-signer provider.

    zone: the zone name (absolute or not); addr, port: where knotd listens
    (port None: a free one on 127.0.0.1); tsig: (name, base64 secret) of the
    hmac-sha256 key allowed to UPDATE (None: a random secret under the name
    'keysync.'); notify: list of (address, port) or 'address:port' strings;
    notify_tsig: sign those NOTIFYs with the same key; timings: dnskey_ttl,
    zone_max_ttl, propagation_delay, delete_delay, rrsig_lifetime as in
    knot_conf(); records: extra zone file lines. The directory tmp must
    exist and belong to this peer alone. start() runs knotd, stop() ends it.
    """

    def __init__(self, tmp, zone='example.', addr='127.0.0.1', port=None, tsig=None,
                 notify=(), notify_tsig=False, records=(), **timings):
        self.tmp = tmp
        self.zone = dns.name.from_text(zone)
        self.addr = addr
        self.port = port or free_port()
        name, secret = tsig or ('keysync.', base64.b64encode(os.urandom(32)).decode())
        self.tsig_name, self.tsig_secret = dns.name.from_text(name), secret
        self.notify = [t if isinstance(t, tuple) else _addr_port(t) for t in notify]
        self.notify_tsig = notify_tsig
        self.records = list(records)
        self.timings = timings
        self.conf = os.path.join(tmp, 'knot.conf')
        self.log = os.path.join(tmp, 'knotd.log')
        self.proc = None
        self._logf = None

    @staticmethod
    def missing_tools():
        """Names of the Knot programs this class needs that are not installed."""
        return [t for t in ('knotd', 'knotc', 'keymgr') if not tool(t)]

    @property
    def tsig_key(self):
        """The key as kdig/knsupdate -y and dig -y take it: 'hmac-sha256:NAME:SECRET'."""
        return '%s:%s:%s' % (TSIG_ALGORITHM, self.tsig_name.to_text(), self.tsig_secret)

    @property
    def keyring(self):
        """The key as a dnspython keyring ({name: dns.tsig.Key})."""
        key = dns.tsig.Key(self.tsig_name, self.tsig_secret, dns.tsig.HMAC_SHA256)
        return {self.tsig_name: key}

    def conf_text(self):
        return knot_conf(self.tmp, self.zone.to_text(), self.addr, self.port,
                         self.tsig_name.to_text(), self.tsig_secret, self.notify,
                         self.notify_tsig, **self.timings)

    def start(self, timeout=20.0):
        """Write the files (the zone file only on the first start: a restart
        keeps what the journal holds) and run knotd until the zone answers
        signed; RuntimeError with knotd's log when it does not."""
        with open(self.conf, 'w') as f:
            f.write(self.conf_text())
        zfile = os.path.join(self.tmp, self.zone.to_text() + 'zone')
        if not os.path.exists(zfile):
            with open(zfile, 'w') as f:
                f.write(zone_text(self.zone.to_text(), self.addr,
                                  int(self.timings.get('zone_max_ttl', 2)), self.records))
        self._logf = open(self.log, 'a')
        self.proc = subprocess.Popen([tool('knotd'), '-c', self.conf], stdout=self._logf,
                                     stderr=subprocess.STDOUT)
        try:
            if not wait_for(self._signed, timeout):
                raise RuntimeError('knotd does not serve %s signed after %g s:\n%s'
                                   % (self.zone, timeout, tail(self.log)))
        except RuntimeError:
            self.stop()
            raise
        return self

    def _signed(self):
        if self.proc.poll() is not None:
            raise RuntimeError('knotd exited with %d:\n%s' % (self.proc.returncode, tail(self.log)))
        try:
            return self.rrsig(dns.rdatatype.DNSKEY) is not None
        except (dns.exception.DNSException, OSError):
            return False

    def stop(self):
        stop(self.proc)
        if self._logf:
            self._logf.close()
            self._logf = None

    def restart(self):
        self.stop()
        return self.start()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- queries -----------------------------------------------------------

    def query(self, rdtype, name=None, tcp=False):
        """knotd's reply (DO set, no RD) to name (default the apex) / rdtype."""
        q = dns.message.make_query(name or self.zone, rdtype, want_dnssec=True)
        q.flags &= ~dns.flags.RD
        how = dns.query.tcp if tcp else dns.query.udp
        return how(q, self.addr, port=self.port, timeout=2)

    def signed_rrset(self, rdtype, name=None):
        """(RRset, covering RRSIG RRset) for name (default the apex)/rdtype,
        from one reply of knotd's; either is None when absent."""
        name = name or self.zone
        rdtype = dns.rdatatype.RdataType.make(rdtype)
        r = self.query(rdtype, name)
        return (r.get_rrset(r.answer, name, dns.rdataclass.IN, rdtype),
                r.get_rrset(r.answer, name, dns.rdataclass.IN, dns.rdatatype.RRSIG, rdtype))

    def rrset(self, rdtype, name=None):
        """The RRset name/rdtype (default the apex) in knotd's answer, or None."""
        return self.signed_rrset(rdtype, name)[0]

    def rrsig(self, rdtype, name=None):
        """The RRSIG RRset covering name/rdtype in knotd's answer, or None."""
        return self.signed_rrset(rdtype, name)[1]

    def dnskeys(self):
        return self.rrset(dns.rdatatype.DNSKEY)

    def cds(self):
        return self.rrset(dns.rdatatype.CDS)

    def cdnskeys(self):
        return self.rrset(dns.rdatatype.CDNSKEY)

    def serial(self):
        return self.rrset(dns.rdatatype.SOA)[0].serial

    def validate(self, rdtype):
        """Check the apex rdtype RRset's RRSIG against the served DNSKEY RRset
        (dns.dnssec.validate); the key tags of the RRSIGs. Raises
        dns.dnssec.ValidationFailure when no signature verifies. The RRset
        and its RRSIG come from one reply (for DNSKEY the keys too)."""
        rrset, sigs = self.signed_rrset(rdtype)
        if rrset is None or sigs is None:
            raise dns.dnssec.ValidationFailure('no %s RRset or no RRSIG'
                                               % dns.rdatatype.to_text(rdtype))
        keys = rrset if rrset.rdtype == dns.rdatatype.DNSKEY else self.dnskeys()
        dns.dnssec.validate(rrset, sigs, {self.zone: keys})
        return sorted(s.key_tag for s in sigs)

    # --- updates -------------------------------------------------------------

    def update(self, add=(), delete=(), keyring=None, keyname=None, tcp=False):
        """Send one UPDATE of the zone: add and delete are lists of
        (ttl, rdata) at the apex or (name, ttl, rdata); deletes are class
        NONE. keyring None signs with this peer's key, False sends it
        unsigned. Returns an UpdateResult."""
        if keyring is None:
            keyring, keyname = self.keyring, self.tsig_name
        u = dns.update.UpdateMessage(self.zone, keyring=keyring or None, keyname=keyname,
                                     keyalgorithm=dns.tsig.HMAC_SHA256)
        for item in add:
            name, ttl, rd = item if len(item) == 3 else (self.zone,) + tuple(item)
            u.add(name, ttl, rd)
        for item in delete:
            name, _, rd = item if len(item) == 3 else (self.zone,) + tuple(item)
            u.delete(name, rd)
        wire = _exchange(u.to_wire(), self.addr, self.port, tcp)
        return _update_result(wire, keyring or None, u.mac)

    # --- keys and rollovers --------------------------------------------------

    def knotc(self, *args):
        """Run knotc against this knotd; its stdout, RuntimeError on failure."""
        p = subprocess.run([tool('knotc'), '-c', self.conf, *args], capture_output=True,
                           text=True, timeout=20)
        if p.returncode != 0:
            raise RuntimeError('knotc %s: %s%s' % (' '.join(args), p.stdout, p.stderr))
        return p.stdout

    def keys(self):
        """knotd's own keys from its KASP database (keymgr list): dicts with
        tag (int), ksk (bool) and the timestamps publish, ready, active,
        retire, remove (int, 0 when unset)."""
        p = subprocess.run([tool('keymgr'), '-c', self.conf, self.zone.to_text(), 'list'],
                           capture_output=True, text=True, timeout=20, check=True)
        keys = []
        for line in p.stdout.splitlines():
            f = line.split()
            if len(f) < 3:
                continue
            k = {'tag': int(f[1]), 'ksk': f[2] == 'KSK'}
            for kv in f[4:]:
                name, _, value = kv.partition('=')
                k[name] = int(value)
            for name in ('publish', 'ready', 'active', 'retire', 'remove'):
                k.setdefault(name, 0)
            keys.append(k)
        return keys

    def zsk_rollover(self):
        """Start a ZSK rollover now: knotd publishes a new ZSK, signs with it
        after dnskey_ttl + propagation_delay, and removes the old one
        zone_max_ttl + propagation_delay later."""
        self.knotc('zone-key-rollover', self.zone.to_text(), 'zsk')

    def ksk_rollover(self):
        """Start a KSK rollover now: knotd publishes a new KSK and signs the
        DNSKEY RRset with both KSKs at once; after dnskey_ttl +
        propagation_delay the new KSK is ready and knotd's CDS/CDNSKEY switch
        to it; it waits for ksk_submitted()."""
        self.knotc('zone-key-rollover', self.zone.to_text(), 'ksk')

    def ksk_submitted(self):
        """Confirm the new KSK's DS at the parent: knotd removes the old KSK."""
        self.knotc('zone-ksk-submitted', self.zone.to_text())

    def log_tail(self, n=15):
        return tail(self.log, n)


def _addr_port(text):
    """'address:port' as (address, port)."""
    addr, _, port = text.rpartition(':')
    return (addr, int(port))


def _exchange(wire, addr, port, tcp, timeout=3.0):
    """Send a DNS message, return the reply's wire form."""
    if tcp:
        with socket.create_connection((addr, port), timeout=timeout) as s:
            s.sendall(struct.pack('!H', len(wire)) + wire)
            n = struct.unpack('!H', _recv_exact(s, 2))[0]
            return _recv_exact(s, n)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(wire, (addr, port))
        return s.recv(65535)


def _recv_exact(s, n):
    data = b''
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise ConnectionError('connection closed after %d of %d bytes' % (len(data), n))
        data += chunk
    return data


TSIG_ERRORS = [(dns.tsig.PeerBadKey, 'BADKEY'), (dns.tsig.PeerBadSignature, 'BADSIG'),
               (dns.tsig.PeerBadTime, 'BADTIME'), (dns.tsig.PeerBadTruncation, 'BADTRUNC')]


def _update_result(wire, keyring, request_mac):
    rcode = dns.rcode.to_text(wire[3] & 0x0F)
    if not keyring:
        return UpdateResult(rcode, None)
    try:
        m = dns.message.from_wire(wire, keyring=keyring, request_mac=request_mac)
    except dns.message.UnknownTSIGKey:
        return UpdateResult(rcode, 'unknown key')
    except tuple(e for e, _ in TSIG_ERRORS) as e:
        return UpdateResult(rcode, next(n for c, n in TSIG_ERRORS if isinstance(e, c)))
    return UpdateResult(dns.rcode.to_text(m.rcode()), 'NOERROR' if m.had_tsig else None)


class Notify:
    """One NOTIFY received: time (monotonic), transport ('tcp'/'udp'), source
    (address, port), zone (dns.name.Name), serial (from the SOA in the
    answer section, None without one), tsig (key name or None)."""

    def __init__(self, when, transport, source, zone, serial, tsig):
        self.time, self.transport, self.source = when, transport, source
        self.zone, self.serial, self.tsig = zone, serial, tsig

    def __repr__(self):
        return 'NOTIFY %s serial %s over %s from %s:%d%s' % (
            self.zone, self.serial, self.transport, *self.source,
            ', TSIG ' + self.tsig.to_text() if self.tsig else '')


class NotifySink:
    """Receives NOTIFYs on addr:port over TCP and UDP and answers NOERROR.

    keyring (optional) verifies TSIG-signed NOTIFYs and signs the answers.
    Received messages are in .received (a list, appended by the receiving
    threads); close() stops it. Usable as a context manager.
    """

    def __init__(self, addr='127.0.0.1', port=None, keyring=None):
        self.addr, self.port = addr, port or free_port()
        self.keyring = keyring
        self.received = []
        self.errors = []
        self._lock = threading.Lock()
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp.bind((self.addr, self.port))
        self._tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._tcp.bind((self.addr, self.port))
        self._tcp.listen(8)
        self._closed = False
        for target in (self._serve_udp, self._serve_tcp):
            threading.Thread(target=target, daemon=True).start()

    @property
    def target(self):
        return (self.addr, self.port)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._closed = True
        for s in (self._udp, self._tcp):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _answer(self, wire, transport, source):
        """The reply to one message, or None when it is not a NOTIFY."""
        try:
            m = dns.message.from_wire(wire, keyring=self.keyring)
        except dns.exception.DNSException as e:
            with self._lock:
                self.errors.append('%s from %s: %s' % (transport, source, e))
            return None
        if m.opcode() != dns.opcode.NOTIFY or not m.question:
            return None
        soa = m.get_rrset(m.answer, m.question[0].name, dns.rdataclass.IN, dns.rdatatype.SOA)
        with self._lock:
            self.received.append(Notify(time.monotonic(), transport, source, m.question[0].name,
                                        soa[0].serial if soa else None,
                                        m.keyname if m.had_tsig else None))
        r = dns.message.make_response(m)
        return r.to_wire()

    def _serve_udp(self):
        while not self._closed:
            try:
                wire, source = self._udp.recvfrom(65535)
            except OSError:
                return
            reply = self._answer(wire, 'udp', source)
            if reply:
                self._udp.sendto(reply, source)

    def _serve_tcp(self):
        while not self._closed:
            try:
                conn, source = self._tcp.accept()
            except OSError:
                return
            threading.Thread(target=self._serve_conn, args=(conn, source), daemon=True).start()

    def _serve_conn(self, conn, source):
        with conn:
            conn.settimeout(10)
            try:
                while True:
                    n = struct.unpack('!H', _recv_exact(conn, 2))[0]
                    reply = self._answer(_recv_exact(conn, n), 'tcp', source)
                    if reply:
                        conn.sendall(struct.pack('!H', len(reply)) + reply)
            except (OSError, ConnectionError, struct.error):
                return

    def serials(self, zone=None):
        """The serials of the NOTIFYs received so far (for zone, if given)."""
        with self._lock:
            return [n.serial for n in self.received if zone is None or n.zone == zone]

    def wait(self, serial, timeout=5.0, zone=None):
        """The first NOTIFY with this serial (waiting up to timeout s), or None."""
        def find():
            with self._lock:
                return next((n for n in self.received if n.serial == serial
                             and (zone is None or n.zone == zone)), None)
        wait_for(lambda: find() is not None, timeout)
        return find()
