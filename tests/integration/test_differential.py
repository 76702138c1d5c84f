#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Differential test: sigedge against Knot DNS on the same zones.

Usage: test_differential.py SIGEDGE_BINARY SOURCE_ROOT

Loads the zones of tests/integration/zones/ into knotd and into sigedge (one
worker each, loopback, ports picked at run time), sends every query of a
generated corpus to both with kdig, and compares the replies section by
section: rcode, header flags, answer/authority/additional as sets of RRs
(owner names without regard to case), OPT presence, DO echo and the
advertised UDP size. On sigedge's reply it also checks that the question
and the answer owners keep the query's letter case. A difference passes
only when differential.allow lists it with the section of
docs/differences.md that justifies sigedge's behaviour. TAP output, one
line per query.
"""

import concurrent.futures
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import dns.rdata
import dns.rdataclass
import dns.rdatatype

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from testlib import free_port, tail, stop  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ZONES = [
    ('example.com', 'example.com.zone'),
    ('sub.example.com', 'sub.example.com.zone'),
    ('example.net', 'example.net.zone'),
    ('orphan.example.org', 'orphan.example.org.zone'),
]
UDP_MAX = 1232


class Query:
    def __init__(self, name, qtype, tcp=False, edns=UDP_MAX, do=False, qclass='IN', extra=()):
        self.name, self.qtype, self.tcp, self.edns, self.do = name, qtype, tcp, edns, do
        self.qclass, self.extra = qclass, tuple(extra)

    def key(self):
        return ' '.join([self.name, self.qtype]
                        + (['class=' + self.qclass] if self.qclass != 'IN' else [])
                        + ['tcp' if self.tcp else 'udp',
                           'edns=%s' % (self.edns if self.edns else 'none'), 'do=%d' % self.do]
                        + list(self.extra))

    def kdig_args(self, port):
        a = ['kdig', '@127.0.0.1', '-p', str(port), '+retry=0', '+timeout=2', '+norecurse',
             '+noidn', '+ignore', '+tcp' if self.tcp else '+notcp']
        a.append('+bufsize=%d' % self.edns if self.edns else '+noedns')
        if self.do:
            a.append('+dnssec')
        a += list(self.extra)
        a += ['-q', self.name, '-t', self.qtype, '-c', self.qclass]
        return a


C = 'example.com.'

# (name, types): what each group of names exercises.
GROUPS = [
    # positive answers, with additional data for MX, SRV and NS targets
    ('positive', [
        (C, ['SOA', 'NS', 'A', 'AAAA', 'MX', 'TXT', 'CAA']),
        ('www.' + C, ['A', 'AAAA']),
        ('ns1.' + C, ['A', 'AAAA']),
        ('mail.' + C, ['A', 'AAAA']),
        ('sip.' + C, ['A']),
        ('_sip._udp.' + C, ['SRV']),
    ]),
    # the name exists, the type does not (and types that exist nowhere)
    ('nodata', [
        ('www.' + C, ['MX', 'TXT', 'TYPE65280']),
        (C, ['SRV', 'DNSKEY', 'NSEC', 'DS', 'CNAME']),
        ('mail.' + C, ['TXT']),
        ('_sip._udp.' + C, ['A']),
    ]),
    ('nxdomain', [
        ('nx.' + C, ['A', 'MX']),
        ('a.nx.' + C, ['A']),
        ('below.www.' + C, ['A']),
        ('a.b.c.d.' + C, ['AAAA']),
        ('nx.example.net.', ['A']),
        ('nx.sub.example.com.', ['A']),
    ]),
    # empty non-terminals
    ('ent', [
        ('c.' + C, ['A', 'TXT']),
        ('b.c.' + C, ['TXT']),
        ('ent.' + C, ['A']),
        ('deep.ent.' + C, ['A']),
        ('_udp.' + C, ['SRV']),
        ('x.b.c.' + C, ['A']),
    ]),
    ('wildcard', [
        ('foo.wild.' + C, ['A', 'TXT', 'MX', 'AAAA']),
        ('a.b.wild.' + C, ['A']),
        ('exact.wild.' + C, ['A', 'TXT']),
        ('below.exact.wild.' + C, ['A']),
        ('wild.' + C, ['A']),
        ('*.wild.' + C, ['A', 'TXT']),
        ('foo.wcname.' + C, ['A', 'MX', 'CNAME']),
        ('foo.wchain.' + C, ['A', 'TXT']),
        ('foo.ent.' + C, ['A', 'MX', 'TXT']),
        ('x.deep.ent.' + C, ['A']),
        ('foo.wsub.' + C, ['A']),
        ('host.foo.wsub.' + C, ['A']),
        ('host.*.wsub.' + C, ['A']),
        ('foo.wild.sub.example.com.', ['TXT', 'A']),
        ('anything.orphan.example.org.', ['TXT', 'A']),
    ]),
    ('cname', [
        ('alias.' + C, ['A', 'MX', 'CNAME']),
        ('alias2.' + C, ['A']),
        ('alias3.' + C, ['AAAA', 'CNAME']),
        ('to-net.' + C, ['A']),
        ('to-org.' + C, ['A']),
        ('to-sub.' + C, ['A']),
        ('to-deleg.' + C, ['A']),
        ('to-ent.' + C, ['A']),
        ('loop1.' + C, ['A']),
        ('self.' + C, ['A']),
        ('dangling.' + C, ['A']),
        ('alias.example.net.', ['A']),
        ('to-com.example.net.', ['A']),
        ('back.sub.example.com.', ['A']),
    ]),
    # referrals: glue, no glue, sibling glue, below the cut, DS at the cut
    ('referral', [
        ('deleg.' + C, ['A', 'NS', 'DS', 'MX']),
        ('host.deleg.' + C, ['A']),
        ('ns1.deleg.' + C, ['A', 'AAAA']),
        ('noglue.' + C, ['NS', 'DS']),
        ('host.noglue.' + C, ['A']),
        ('sibling.' + C, ['A']),
        ('host.sibling2.' + C, ['A']),
        ('authns.' + C, ['A']),
        ('bigdeleg.' + C, ['NS']),
    ]),
    # the child zone beside its parent: DS from the parent, the rest from the child
    ('child', [
        ('sub.example.com.', ['DS', 'NS', 'SOA', 'A', 'MX']),
        ('www.sub.example.com.', ['A', 'AAAA']),
        ('ns1.sub.example.com.', ['A']),
    ]),
    # DS at an apex whose parent is not served
    ('apex-ds', [
        (C, ['DS']),
        ('orphan.example.org.', ['DS', 'SOA', 'NS']),
        ('example.net.', ['DS']),
    ]),
    ('any', [
        (C, ['ANY']),
        ('www.' + C, ['ANY']),
        ('foo.wild.' + C, ['ANY']),
        ('alias.' + C, ['ANY']),
        ('nx.' + C, ['ANY']),
        ('deleg.' + C, ['ANY']),
    ]),
    ('other-zones', [
        ('example.net.', ['SOA', 'NS', 'MX', 'A']),
        ('www.example.net.', ['A', 'AAAA']),
        ('www.orphan.example.org.', ['A']),
    ]),
    ('refused', [
        ('example.org.', ['A', 'SOA']),
        ('www.example.org.', ['A']),
        ('.', ['SOA', 'NS']),
        ('com.', ['NS']),
        ('xexample.com.', ['A']),
        ('net.', ['DS']),
    ]),
]

# Names whose answers do not fit every size: every EDNS size, both transports.
TC_NAMES = [
    ('big512.' + C, 'TXT'),
    ('big1232.' + C, 'TXT'),
    ('mxmany.' + C, 'MX'),
    ('bigdeleg.' + C, 'A'),
    ('host.bigdeleg.' + C, 'A'),
    (C, 'ANY'),
    ('big1232.' + C, 'ANY'),
]

MIXED_CASE = [
    ('WwW.ExAmPlE.CoM.', 'A'),
    ('FOO.Wild.example.COM.', 'A'),
    ('Alias2.Example.Com.', 'A'),
    ('Foo.WcName.example.com.', 'A'),
    ('NX.Example.Com.', 'A'),
    ('Deleg.EXAMPLE.com.', 'A'),
    ('Sub.Example.Com.', 'DS'),
    ('WWW.SUB.example.com.', 'A'),
    ('eXaMpLe.NeT.', 'MX'),
    ('MxMany.Example.Com.', 'MX'),
    ('Example.Org.', 'A'),
]


# Header flags, EDNS details, classes and meta types, on a few names.
SPECIAL = [
    Query('www.' + C, 'A', edns=None, extra=('+rec',)),
    Query('www.' + C, 'A', edns=None, extra=('+cdflag',)),
    Query('www.' + C, 'A', edns=UDP_MAX, do=True, extra=('+rec', '+cdflag')),
    Query('nx.' + C, 'A', edns=UDP_MAX, do=True, extra=('+cdflag',)),
    Query('www.' + C, 'A', edns=None, extra=('+noadflag',)),
    Query('www.' + C, 'A', edns=None, extra=('+zflag',)),
    Query('www.' + C, 'A', edns=UDP_MAX, extra=('+edns=1',)),
    Query('nx.' + C, 'A', edns=UDP_MAX, do=True, extra=('+edns=1',)),
    Query('www.' + C, 'A', edns=UDP_MAX, extra=('+ednsopt=65001:abcd',)),
    Query('www.' + C, 'A', edns=UDP_MAX, extra=('+cookie',)),
    Query('www.' + C, 'A', edns=UDP_MAX, extra=('+nsid',)),
    Query('www.' + C, 'A', edns=100),
    Query('big512.' + C, 'TXT', edns=100),
    Query('www.' + C, 'A', qclass='CH'),
    Query('version.bind.', 'TXT', qclass='CH'),
    Query('hostname.bind.', 'TXT', qclass='CH', edns=None),
    Query('id.server.', 'TXT', qclass='CH'),
    Query('www.' + C, 'A', qclass='HS'),
    Query('www.' + C, 'A', qclass='ANY'),
    Query('nx.' + C, 'A', qclass='ANY'),
    Query('www.' + C, 'A', qclass='CLASS1234'),
    Query('www.' + C, 'TYPE0'),
    Query('www.' + C, 'NULL'),
    Query('www.' + C, 'OPT'),
    Query('www.' + C, 'TSIG'),
    Query('www.' + C, 'TKEY'),
    Query('www.' + C, 'RRSIG'),
    Query('www.' + C, 'NSEC3'),
    Query('www.' + C, 'TYPE128'),
    Query('www.' + C, 'TYPE253'),
    Query('www.' + C, 'TYPE254'),
    Query(C, 'AXFR', tcp=True),
    Query(C, 'IXFR=2024010101', tcp=True),
    Query('nx.example.org.', 'AXFR', tcp=True),
]


def corpus():
    out = [('special', q) for q in SPECIAL]
    for group, entries in GROUPS:
        for name, types in entries:
            for t in types:
                out.append((group, Query(name, t, edns=None)))
                out.append((group, Query(name, t, edns=UDP_MAX, do=True)))
                out.append((group, Query(name, t, tcp=True, edns=UDP_MAX)))
    for name, t in TC_NAMES:
        for tcp in (False, True):
            for edns in (None, 512, 1232, 4096):
                for do in ((False,) if edns is None else (False, True)):
                    out.append(('size', Query(name, t, tcp=tcp, edns=edns, do=do)))
    for name, t in MIXED_CASE:
        out.append(('case', Query(name, t, edns=None)))
        out.append(('case', Query(name, t, edns=UDP_MAX, do=True)))
    return out


# ---------------------------------------------------------------- replies

class Reply:
    """A kdig text reply, parsed."""

    SECTIONS = {'ANSWER': 'answer', 'AUTHORITY': 'authority', 'ADDITIONAL': 'additional'}

    def __init__(self, text):
        self.text = text
        self.rcode = None
        self.flags = set()
        self.opt = False
        self.do = False
        self.udp_size = None
        self.question = None
        self.xfr_error = False
        self.rrs = {'answer': [], 'authority': [], 'additional': []}
        section = None
        for line in text.splitlines():
            m = re.match(r';; ->>HEADER<<- opcode: \S+; status: (\S+);', line)
            if m:
                self.rcode = m.group(1)
                continue
            # a zone transfer that failed: kdig reports only the rcode
            m = re.match(r";; ERROR: server replied with error '(\w+)'", line)
            if m:
                self.rcode = m.group(1)
                self.xfr_error = True
                continue
            m = re.match(r';; Flags:([^;]*);', line)
            if m:
                self.flags = set(m.group(1).split())
                continue
            m = re.match(r';; Version: \d+; flags:([^;]*); UDP size: (\d+) B', line)
            if m:
                self.opt = True
                self.do = 'do' in m.group(1).split()
                self.udp_size = int(m.group(2))
                continue
            m = re.match(r';; (QUESTION|ANSWER|AUTHORITY|ADDITIONAL) SECTION:', line)
            if m:
                section = m.group(1)
                continue
            if not line.strip():
                section = None
                continue
            if section == 'QUESTION':
                self.question = line[3:].split()[0]
            elif section in self.SECTIONS and not line.startswith(';'):
                f = [x.strip() for x in line.split('\t', 4)]
                self.rrs[self.SECTIONS[section]].append((f[0], int(f[1]), f[2], f[3], f[4]))

    @staticmethod
    def canon(rr):
        """(owner, ttl, class, type, rdata) with names in canonical case."""
        owner, ttl, cls, typ, rdata = rr
        try:
            rd = dns.rdata.from_text(dns.rdataclass.from_text(cls), dns.rdatatype.from_text(typ),
                                     rdata)
            rdata = rd.to_digestable().hex()
        except Exception:  # a type dnspython cannot read: compare its text
            rdata = rdata.lower()
        return (owner.lower(), ttl, cls, typ, rdata)

    def rrset(self, section):
        return {self.canon(rr): rr for rr in self.rrs[section]}


def ask(q, port):
    """Run kdig; returns (Reply or None, raw output). One retry on no reply."""
    out = ''
    for _attempt in range(2):
        try:
            out = subprocess.run(q.kdig_args(port), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True, timeout=20).stdout
        except subprocess.TimeoutExpired:
            out = 'kdig did not finish in 20 s'
            continue
        if ';; ->>HEADER<<-' in out or 'server replied with error' in out:
            return Reply(out), out
    return None, out


FLAGS = ('aa', 'tc', 'rd', 'ra', 'ad', 'cd')


def compare(q, k, s):
    """Fields in which sigedge's reply s differs from knotd's k, with details."""
    if k is None or s is None:
        if k is None and s is None:
            return []
        return [('reply', 'knotd %s, sigedge %s' % ('no reply' if k is None else 'replied',
                                                    'no reply' if s is None else 'replied'))]
    diffs = []
    if k.rcode != s.rcode:
        diffs.append(('rcode', 'knotd %s, sigedge %s' % (k.rcode, s.rcode)))
    if k.xfr_error or s.xfr_error:
        return diffs
    for f in FLAGS:
        if (f in k.flags) != (f in s.flags):
            diffs.append(('flag:' + f, 'knotd %s, sigedge %s'
                          % ('+' + f if f in k.flags else '-' + f,
                             '+' + f if f in s.flags else '-' + f)))
    for sec in ('answer', 'authority', 'additional'):
        ks, ss = k.rrset(sec), s.rrset(sec)
        if len(ss) != len(s.rrs[sec]):
            diffs.append((sec, 'sigedge repeats RRs in the %s section' % sec))
        if set(ks) != set(ss):
            only_k = ['  knotd only:   ' + '\t'.join(map(str, ks[x])) for x in sorted(set(ks) - set(ss))]
            only_s = ['  sigedge only: ' + '\t'.join(map(str, ss[x])) for x in sorted(set(ss) - set(ks))]
            diffs.append((sec, '\n'.join(only_k + only_s)))
    if k.opt != s.opt:
        diffs.append(('opt', 'knotd %s OPT, sigedge %s OPT' % ('with' if k.opt else 'without',
                                                               'with' if s.opt else 'without')))
    elif k.opt:
        if k.do != s.do:
            diffs.append(('do', 'knotd DO=%d, sigedge DO=%d' % (k.do, s.do)))
        if k.udp_size != s.udp_size:
            diffs.append(('opt-size', 'knotd %d, sigedge %d' % (k.udp_size, s.udp_size)))
    # Letter case (RFC 1035 7.3, RFC 4343 4.1): the question is echoed as
    # sent; answer RRs owned by the query name carry it as sent.
    if s.question != q.name:
        diffs.append(('case', 'question %r, sent %r' % (s.question, q.name)))
    for rr in s.rrs['answer']:
        if rr[0].lower() == q.name.lower() and rr[0] != q.name:
            diffs.append(('case', 'answer owner %r, sent %r' % (rr[0], q.name)))
            break
    return diffs


# ---------------------------------------------------------------- allowlist

def slug(heading):
    """The anchor a Markdown renderer gives a heading (GitHub's rule)."""
    return re.sub(r'[^\w\- ]', '', heading.strip().lower()).replace(' ', '-')


def load_allowlist(path):
    """Lines 'FIELD REF QUERY-GLOB': a difference in FIELD for a query whose
    key matches QUERY-GLOB is justified by section REF of docs/differences.md."""
    rules = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            field, ref, glob = line.split(None, 2)
            rules.append({'field': field, 'ref': ref, 'glob': glob, 'line': n, 'used': 0})
    return rules


def allowed(rules, q, field):
    for r in rules:
        if fnmatch.fnmatchcase(field, r['field']) and fnmatch.fnmatchcase(q.key(), r['glob']):
            r['used'] += 1
            return r['ref']
    return None


# ---------------------------------------------------------------- servers

def wait_ready(port, proc, names, what, log):
    deadline = time.monotonic() + 20
    pending = list(names)
    while pending and time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError('%s exited with status %d:\n%s' % (what, proc.returncode, tail(log)))
        p = subprocess.run(['kdig', '@127.0.0.1', '-p', str(port), '+retry=0', '+timeout=1',
                            '+norecurse', pending[0], 'SOA'],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if 'status: NOERROR' in p.stdout and 'ANSWER: 1' in p.stdout:
            pending.pop(0)
        else:
            time.sleep(0.1)
    if pending:
        raise RuntimeError('%s does not serve %s after 20 s:\n%s' % (what, pending[0], tail(log)))


def knot_conf(tmp, port, zdir):
    zones = ''.join('  - domain: %s\n    file: %s\n' % (apex, os.path.join(zdir, f))
                    for apex, f in ZONES)
    return f"""server:
    listen: 127.0.0.1@{port}
    rundir: {tmp}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
    udp-max-payload: {UDP_MAX}
log:
  - target: stderr
    any: warning
database:
    storage: {tmp}
template:
  - id: default
    storage: {tmp}
    journal-content: none
    zonefile-sync: -1
zone:
{zones}"""


def main():
    if len(sys.argv) != 3:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    sigedge, srcroot = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    search = os.environ.get('PATH', '') + ':/usr/sbin:/usr/bin'
    knotd_bin, kdig_bin = shutil.which('knotd', path=search), shutil.which('kdig', path=search)
    if not knotd_bin or not kdig_bin:
        print('1..0 # SKIP %s not installed (scripts/setup.sh installs it)'
              % ('knotd' if not knotd_bin else 'kdig'))
        return 0
    zdir = os.path.join(HERE, 'zones')
    rules = load_allowlist(os.path.join(HERE, 'differential.allow'))
    with open(os.path.join(srcroot, 'docs', 'differences.md'), encoding='utf-8') as f:
        doc_refs = {slug(h) for h in re.findall(r'^#+ (.*?)\s*$', f.read(), re.M)}
    queries = corpus()
    print('1..%d' % (len(queries) + 1))

    knotd = sig = None
    with tempfile.TemporaryDirectory(prefix='sigedge-diff-') as tmp:
        try:
            kport, sport = free_port(), free_port()
            while sport == kport:
                sport = free_port()
            with open(os.path.join(tmp, 'knot.conf'), 'w') as f:
                f.write(knot_conf(tmp, kport, zdir))
            klog, slog = os.path.join(tmp, 'knotd.log'), os.path.join(tmp, 'sigedge.log')
            knotd = subprocess.Popen([knotd_bin, '-c', os.path.join(tmp, 'knot.conf')],
                                     stdout=open(klog, 'w'), stderr=subprocess.STDOUT)
            cmd = [sigedge, '--listen', '127.0.0.1:%d' % sport, '--workers', '1',
                   '--udp-max-payload', str(UDP_MAX), '--control', os.path.join(tmp, 'ctl.sock')]
            for apex, f in ZONES:
                cmd += ['--zone', '%s=%s' % (apex, os.path.join(zdir, f))]
            sig = subprocess.Popen(cmd, stdout=open(slog, 'w'), stderr=subprocess.STDOUT)
            apexes = [apex + '.' for apex, _ in ZONES]
            try:
                wait_ready(kport, knotd, apexes, 'knotd', klog)
                wait_ready(sport, sig, apexes, 'sigedge', slog)
            except RuntimeError as e:
                print('not ok 1 - both servers start and load %d zones' % len(ZONES))
                for line in str(e).splitlines():
                    print('# ' + line)
                return 1
            bad_refs = [r for r in rules if r['ref'] not in doc_refs]
            print('%s 1 - both servers serve %d zones; allowlist refers to documented differences'
                  % ('not ok' if bad_refs else 'ok', len(ZONES)))
            for r in bad_refs:
                print('# differential.allow:%d: no heading with anchor #%s in docs/differences.md'
                      % (r['line'], r['ref']))

            def run(item):
                _group, q = item
                k, ktext = ask(q, kport)
                s, stext = ask(q, sport)
                return k, ktext, s, stext

            failed = 0
            with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
                for n, (item, res) in enumerate(zip(queries, pool.map(run, queries)), 2):
                    group, q = item
                    k, ktext, s, stext = res
                    diffs = compare(q, k, s)
                    unexplained = [(f, d) for f, d in diffs if not allowed(rules, q, f)]
                    refs = sorted({allowed(rules, q, f) for f, _ in diffs} - {None})
                    note = ' (allowed: %s)' % ', '.join(refs) if refs and not unexplained else ''
                    if unexplained:
                        failed += 1
                        print('not ok %d - %s: %s' % (n, group, q.key()))
                        print('#   %s' % ' '.join(q.kdig_args('PORT')))
                        for f, d in unexplained:
                            print('#   differs in %s: %s' % (f, d.replace('\n', '\n#   ')))
                        print('#   --- knotd:\n' + '\n'.join('#   ' + x for x in ktext.splitlines()))
                        print('#   --- sigedge:\n' + '\n'.join('#   ' + x for x in stext.splitlines()))
                    else:
                        print('ok %d - %s: %s%s' % (n, group, q.key(), note))
                    sys.stdout.flush()
            if sig.poll() is not None:
                print('# sigedge exited during the run with status %d:' % sig.returncode)
                print('\n'.join('# ' + x for x in tail(slog).splitlines()))
            for r in rules:
                if not r['used']:
                    print('# differential.allow:%d matched no difference: %s %s %s'
                          % (r['line'], r['field'], r['ref'], r['glob']))
            return 1 if failed or bad_refs else 0
        finally:
            stop(sig)
            stop(knotd)


if __name__ == '__main__':
    sys.exit(main())
