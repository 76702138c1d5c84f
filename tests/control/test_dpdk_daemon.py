#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""sigedge --dpdk end to end through net_pcap, TAP output (no root, no NIC).

Usage: test_dpdk_daemon.py SIGEDGE SIGEDGECTL dpdk|nodpdk

Makes a KSK and a ZSK for example.com with ldns-keygen. A first run of
`sigedge --dpdk` on a net_pcap port with an empty input file shows the port's
MAC in `sigedgectl status`. The second run reads an input pcap of DNS queries
to the --listen addresses (IPv4 and IPv6; positive, NXDOMAIN, DO=1 to the
signed zone, DNSKEY, a name outside the zones), an ARP request, an ICMP echo
request and a TCP SYN to port 53 (for the kernel path, which these runs turn
off with --dpdk-tap none: counted as an exception and dropped). Once `sigedgectl stats` counts every frame, status and stats are
checked, sigedge gets SIGTERM (exit 0) and the output pcap is parsed: every
query got its answer (same ID, rcode, data; DO=1 answers carry RRSIGs that
dnspython validates with the DNSKEY RRset served), with correct IP and UDP
checksums, and the ARP and ICMP replies are there.
"""
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from testlib import Tap, stop, tail, wait_for  # noqa: E402

try:
    import dns.dnssec
    import dns.message
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype
except ImportError:
    dns = None

tap = Tap()
ok = tap.ok
diag = tap.diag

CLI_MAC = bytes.fromhex("020000000002")
CLI4, OUR4 = bytes([192, 0, 2, 2]), bytes([192, 0, 2, 1])
CLI6 = bytes.fromhex("20010db8000000000000000000000002")
OUR6 = bytes.fromhex("20010db8000000000000000000000001")
CLI_PORT = 40000

ZONE = """$ORIGIN example.com.
$TTL 300
@ IN SOA ns1 hostmaster 2024010101 3600 900 604800 300
@ IN NS ns1
ns1 IN A 192.0.2.53
www IN A 192.0.2.80
www IN AAAA 2001:db8::80
"""


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def cksum(data):
    return (~csum(data)) & 0xffff


def eth(dst, src, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def ip4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", cksum(h)) + h[12:]
    return h + payload


def l4_sum(src, dst, proto, seg):
    if len(src) == 4:
        ph = src + dst + struct.pack("!BBH", 0, proto, len(seg))
    else:
        ph = src + dst + struct.pack("!IxxxB", len(seg), proto)
    return cksum(ph + seg)


def udp(src, dst, sport, dport, payload):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = l4_sum(src, dst, 17, seg) or 0xffff
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def ip6(src, dst, nh, payload):
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, 64) + src + dst + payload


def dns_frame(mac, q, v6=False):
    if v6:
        return eth(mac, CLI_MAC, 0x86dd, ip6(CLI6, OUR6, 17, udp(CLI6, OUR6, CLI_PORT, 53, q)))
    return eth(mac, CLI_MAC, 0x0800, ip4(CLI4, OUR4, 17, udp(CLI4, OUR4, CLI_PORT, 53, q)))


def arp_request():
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + CLI_MAC + CLI4 + b"\0" * 6 + OUR4
    return eth(b"\xff" * 6, CLI_MAC, 0x0806, arp)


def icmp_echo(mac):
    msg = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1) + b"sigedge-echo"
    msg = msg[:2] + struct.pack("!H", cksum(msg)) + msg[4:]
    return eth(mac, CLI_MAC, 0x0800, ip4(CLI4, OUR4, 1, msg))


def tcp_syn(mac):
    seg = struct.pack("!HHIIBBHHH", CLI_PORT, 53, 1, 0, 5 << 4, 0x02, 65535, 0, 0)
    seg = seg[:16] + struct.pack("!H", l4_sum(CLI4, OUR4, 6, seg)) + seg[18:]
    return eth(mac, CLI_MAC, 0x0800, ip4(CLI4, OUR4, 6, seg))


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000, i, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    off, frames = 24, []
    while off + 16 <= len(data):
        incl = struct.unpack(end + "IIII", data[off:off + 16])[2]
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames


def keygen(keydir, *args):
    r = subprocess.run(["ldns-keygen", *args], cwd=keydir, capture_output=True, text=True,
                       check=True)
    base = r.stdout.strip()
    os.chmod(os.path.join(keydir, base + ".private"), 0o600)
    return base


class Daemon:
    def __init__(self, sigedge, ctl, tmp, zone, keydir, rx, tx, tag, extra=()):
        self.ctl_path, self.sock = ctl, os.path.join(tmp, "control.sock")
        self.log = os.path.join(tmp, "sigedge-%s.log" % tag)
        self.cmd = [sigedge, "--dpdk", "--dpdk-port", "net_pcap0", "--listen", "192.0.2.1",
                    "--listen", "[2001:db8::1]", "--zone", "example.com=" + zone,
                    "--keydir", keydir, "--control", self.sock, "--sigcache-entries", "1024",
                    "--dpdk-tap", "none", *extra, "--",
                    "--no-huge", "-m", "512", "--no-pci", "--no-shconf", "--no-telemetry",
                    "--lcores", "0@0,1@0", "--log-level", "lib.eal:error",
                    "--vdev", "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (rx, tx)]
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL,
                                     stderr=open(self.log, "w"))

    def ctl(self, *args):
        r = subprocess.run([self.ctl_path, "-s", self.sock, *args], capture_output=True,
                           text=True, timeout=30)
        return r.returncode, r.stdout

    def ready(self):
        return self.proc.poll() is None and os.path.exists(self.sock) and self.ctl("status")[0] == 0

    def stats(self):
        rc, out = self.ctl("stats")
        return dict((k, int(v)) for k, v in re.findall(r"^(\S+): (\d+)$", out, re.M)) if rc == 0 else {}

    def term(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            stop(self.proc)
            return None


def check_cksums(fr):
    """IPv4 header and UDP/ICMP checksums of an output frame are right."""
    et = struct.unpack("!H", fr[12:14])[0]
    if et == 0x0800:
        ihl = (fr[14] & 15) * 4
        ip = fr[14:14 + ihl]
        seg = fr[14 + ihl:14 + struct.unpack("!H", fr[16:18])[0]]
        if csum(ip) != 0xffff:
            return False
        if fr[23] == 17:
            return struct.unpack("!H", seg[6:8])[0] == 0 or l4_sum(ip[12:16], ip[16:20], 17, seg) == 0
        return cksum(seg) == 0
    if et == 0x86dd:
        seg = fr[54:54 + struct.unpack("!H", fr[18:20])[0]]
        return l4_sum(fr[22:38], fr[38:54], fr[20], seg) == 0
    return True


def main():
    if len(sys.argv) != 4:
        print("1..0 # SKIP usage: test_dpdk_daemon.py SIGEDGE SIGEDGECTL dpdk|nodpdk")
        return 0
    sigedge, ctl, have = sys.argv[1:4]
    if have != "dpdk":
        print("1..0 # SKIP this build has no DPDK backend (libdpdk not found by meson)")
        return 0
    if dns is None:
        print("1..0 # SKIP python3-dnspython is not installed")
        return 0
    if subprocess.run(["sh", "-c", "command -v ldns-keygen"], capture_output=True).returncode:
        print("1..0 # SKIP ldns-keygen (ldnsutils) is not installed")
        return 0

    tmp = tempfile.mkdtemp(prefix="sigedge-dpdk-daemon-")
    try:
        return replay(sigedge, ctl, tmp)
    finally:
        if tap.failed:
            diag("files kept in " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def replay(sigedge, ctl, tmp):
    zone = os.path.join(tmp, "example.com.zone")
    with open(zone, "w") as f:
        f.write(ZONE)
    keydir = os.path.join(tmp, "keys")
    os.mkdir(keydir)
    keygen(keydir, "-a", "ECDSAP256SHA256", "-k", "example.com")
    keygen(keydir, "-a", "ECDSAP256SHA256", "example.com")

    # --check validates without EAL; bad DPDK settings are refused.
    r = subprocess.run([sigedge, "--dpdk", "--dpdk-port", "net_pcap0", "--listen", "192.0.2.1",
                        "--zone", "example.com=" + zone, "--check", "--", "--no-such-eal-arg"],
                       capture_output=True, text=True)
    ok(r.returncode == 0, "--check with --dpdk validates without starting EAL", r.stderr)
    r = subprocess.run([sigedge, "--dpdk", "--listen", "192.0.2.1", "--check"],
                       capture_output=True, text=True)
    ok(r.returncode == 2 and "--dpdk-port" in r.stderr, "--dpdk without a port is refused",
       r.stderr)

    # First run: an empty input, to learn the port's MAC from status.
    empty, out0 = os.path.join(tmp, "empty.pcap"), os.path.join(tmp, "out0.pcap")
    write_pcap(empty, [])
    d = Daemon(sigedge, ctl, tmp, zone, keydir, empty, out0, "mac",
               ("--udp-max-payload", "1460"))
    up = wait_for(d.ready, 30)
    ok(up, "sigedge --dpdk starts on net_pcap", tail(d.log))
    if not up:
        stop(d.proc)
        return tap.done()
    rc, status = d.ctl("status")
    m = re.search(r"^port: net_pcap0 id=0 driver=net_pcap mac=([0-9a-f:]{17}) offloads=\S+ ",
                  status, re.M)
    ok("backend: dpdk" in status and "workers: 1" in status and m, "status: backend, workers, port",
       status)
    ok(re.search(r"mtu=1500 tap=none$", status, re.M), "status: the port's MTU, no TAP", status)
    ok(d.term() == 0, "SIGTERM: exit 0", tail(d.log))
    with open(d.log) as f:
        log = f.read()
    ok("MTU 1500 holds at most 1472 octets of DNS over IPv4 and 1452 over IPv6, less than "
       "udp-max-payload 1460" in log, "a udp-max-payload beyond the frame is warned about", log)
    if not m:
        return tap.done()
    mac = bytes.fromhex(m.group(1).replace(":", ""))

    # Second run: the queries.
    qs = []  # (frame index, message, expected rcode, signed)

    def q(name, rtype, rcode, signed=False, v6=False):
        msg = dns.message.make_query(name, rtype, want_dnssec=signed, use_edns=0 if signed else None)
        msg.flags &= ~0x0100  # no RD
        msg.id = 0x1000 + len(qs)
        qs.append((msg, rcode, signed, v6))

    q("www.example.com", "A", dns.rcode.NOERROR)
    q("nope.example.com", "A", dns.rcode.NXDOMAIN)
    q("www.example.com", "A", dns.rcode.NOERROR, signed=True)
    q("example.com", "DNSKEY", dns.rcode.NOERROR, signed=True)
    q("www.example.com", "AAAA", dns.rcode.NOERROR, v6=True)
    q("www.example.org", "A", dns.rcode.REFUSED)
    frames = [dns_frame(mac, msg.to_wire(), v6) for msg, _, _, v6 in qs]
    frames += [arp_request(), icmp_echo(mac), tcp_syn(mac)]
    rx, tx = os.path.join(tmp, "in.pcap"), os.path.join(tmp, "out.pcap")
    write_pcap(rx, frames)
    d = Daemon(sigedge, ctl, tmp, zone, keydir, rx, tx, "replay")
    up = wait_for(d.ready, 30)
    ok(up, "sigedge --dpdk starts with the query pcap", tail(d.log))
    if not up:
        stop(d.proc)
        return tap.done()
    n = len(frames)
    done = wait_for(lambda: d.stats().get("rx", 0) == n and
                    d.stats().get("dpdk.answered", 0) + d.stats().get("dpdk.replied", 0) +
                    d.stats().get("dpdk.exception", 0) == n, 30)
    st = d.stats()
    ok(done, "stats: every frame received and handled", st)
    ok(st.get("dpdk.answered") == len(qs) and st.get("dpdk.replied") == 2 and
       st.get("dpdk.exception") == 1 and st.get("dpdk.tx-failed") == 0 and
       st.get("dpdk.no-mbuf") == 0, "stats: answered, replied, exception (TCP), no failures", st)
    ok(st.get("dpdk.busy-us", 0) > 0, "stats: the workers' busy time", st)
    ok(st.get("dpdk.reason.proto") == 1 and
       sum(v for k, v in st.items() if k.startswith("dpdk.reason.")) == 1,
       "stats: the exception's reason (proto), no other", st)
    ok(st.get("tx") == len(qs) + 2 and st.get("nxdomain") == 1 and st.get("signed") == 2,
       "stats: worker counters (tx, nxdomain, signed)", st)
    ok(st.get("port.net_pcap0.rx-packets") == n and
       st.get("port.net_pcap0.tx-packets") == len(qs) + 2, "stats: the port's counters", st)
    rc, wout = d.ctl("stats", "--workers")
    ok(rc == 0 and re.search(r"^worker\.0\.dpdk\.answered: %d$" % len(qs), wout, re.M),
       "stats --workers: the loop's counters per worker", wout)
    ok(re.search(r"^port\.net_pcap0\.queue\.0\.rx-packets: %d$" % n, wout, re.M),
       "stats --workers: the port's counters per queue", wout)
    rc, status = d.ctl("status")
    ok("backend: dpdk" in status and "dpdk-vlan: 0" in status and
       "dpdk-kernel-path: none" in status and
       re.search(r"^listen: 192\.0\.2\.1:53 \[2001:db8::1\]:53$", status, re.M),
       "status: backend, VLAN, served addresses", status)
    rc, rel = d.ctl("zone", "reload")
    ok(rc == 0 and "example.com: reloaded" in rel, "zone reload works in DPDK mode", rel)
    ok(d.term() == 0, "SIGTERM: exit 0 after the replay", tail(d.log))

    out = read_pcap(tx)
    ok(len(out) == len(qs) + 2, "one output frame per query, ARP and echo (%d)" % len(out),
       "%d frames" % len(out))
    ok(all(check_cksums(fr) for fr in out), "output checksums are correct")
    answers = {}
    arp = echo = None
    for fr in out:
        if fr[0:6] != CLI_MAC or fr[6:12] != mac:
            continue
        et = struct.unpack("!H", fr[12:14])[0]
        if et == 0x0806:
            arp = fr
        elif et == 0x0800 and fr[23] == 1:
            echo = fr
        elif et == 0x0800 and fr[23] == 17:
            answers[struct.unpack("!H", fr[42:44])[0]] = (fr[42:], False)
        elif et == 0x86dd and fr[20] == 17:
            answers[struct.unpack("!H", fr[62:64])[0]] = (fr[62:], True)
    keys = None
    for msg, rcode, signed, v6 in qs:
        got = answers.get(msg.id)
        name = "%s %s" % (msg.question[0].name, dns.rdatatype.to_text(msg.question[0].rdtype))
        if not ok(got is not None and got[1] == v6, "answer to %s (ID %d)" % (name, msg.id)):
            continue
        r = dns.message.from_wire(got[0])
        ok(r.rcode() == rcode and r.question == msg.question,
           "%s: rcode %s" % (name, dns.rcode.to_text(rcode)), r)
        if msg.question[0].rdtype == dns.rdatatype.DNSKEY:
            keys = r.find_rrset(r.answer, msg.question[0].name, dns.rdataclass.IN,
                                dns.rdatatype.DNSKEY)
        if rcode == dns.rcode.NOERROR and msg.question[0].rdtype == dns.rdatatype.A:
            ok(any(str(rd) == "192.0.2.80" for rrs in r.answer for rd in rrs),
               "%s: the address" % name, r)
        sigs = [rrs for rrs in r.answer if rrs.rdtype == dns.rdatatype.RRSIG]
        ok(bool(sigs) == signed, "%s: %s" % (name, "RRSIGs" if signed else "no RRSIGs"), r)
    if keys is not None:
        for msg, rcode, signed, v6 in qs:
            if not signed or msg.id not in answers:
                continue
            r = dns.message.from_wire(answers[msg.id][0])
            rrset = [x for x in r.answer if x.rdtype != dns.rdatatype.RRSIG][0]
            sig = [x for x in r.answer if x.rdtype == dns.rdatatype.RRSIG][0]
            try:
                dns.dnssec.validate(rrset, sig, {keys.name: keys})
                valid = True
            except dns.dnssec.ValidationFailure as e:
                valid = str(e)
            ok(valid is True, "%s %s: RRSIG validates with the DNSKEY RRset served" %
               (rrset.name, dns.rdatatype.to_text(rrset.rdtype)), valid)
    ok(arp is not None and struct.unpack("!H", arp[20:22])[0] == 2 and arp[22:28] == mac and
       arp[28:32] == OUR4 and arp[32:38] == CLI_MAC and arp[38:42] == CLI4, "ARP reply")
    ok(echo is not None and echo[34] == 0 and echo[26:30] == OUR4 and echo[30:34] == CLI4 and
       echo.endswith(b"sigedge-echo"), "ICMP echo reply")
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
