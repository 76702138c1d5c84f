/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>

#include <ldns/ldns.h>

#include "dns/err.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "dns/zone.h"
#include "tests/tap.h"

static const char *srcdir;

static const char *
src_path(const char *rel)
{
	static char buf[8][4096];
	static unsigned n;
	char *p = buf[n++ % 8];
	snprintf(p, sizeof(buf[0]), "%s/%s", srcdir, rel);
	return p;
}

static struct dns_zone *
load(const char *origin, const char *rel)
{
	char err[512];
	struct dns_zone *z = NULL;
	int rc = dns_zone_load(origin, src_path(rel), &z, err, sizeof(err));
	if (!ok(rc == 0 && z, "load %s (%s)", rel, origin))
		diag("rc %d: %s", rc, err);
	return rc == 0 ? z : NULL;
}

static void
qname(const char *str, struct dns_name *out)
{
	uint8_t wire[DNS_NAME_MAXLEN];
	if (dns_name_from_str(str, wire, sizeof(wire)) < 0 || dns_name_set(out, wire) < 0) {
		printf("Bail out! bad test name %s\n", str);
		exit(1);
	}
}

/* The node named str (exact match), or NULL. */
static const struct dns_node *
node(const struct dns_zone *z, const char *str)
{
	struct dns_name n;
	struct dns_lookup lk;
	qname(str, &n);
	if (dns_zone_lookup(z, &n, &lk) < 0)
		return NULL;
	return lk.node;
}

static bool
name_is(const uint8_t *wire, const char *str)
{
	uint8_t w[DNS_NAME_MAXLEN];
	int len = dns_name_from_str(str, w, sizeof(w));
	return len > 0 && dns_name_len(wire) == (size_t)len && memcmp(wire, w, (size_t)len) == 0;
}

/* The i-th RDATA of an RRset, or NULL. */
static const uint8_t *
rr_at(const struct dns_rrset *rs, unsigned i, uint16_t *len)
{
	uint32_t pos = 0;
	const uint8_t *p;
	while ((p = dns_rrset_next(rs, &pos, len)))
		if (i-- == 0)
			return p;
	return NULL;
}

/* Closest encloser found by stripping one label at a time (the reference). */
static const struct dns_node *
encloser_by_stripping(const struct dns_zone *z, const struct dns_name *name)
{
	for (unsigned i = 0; i <= name->labels; i++) {
		struct dns_name s;
		struct dns_lookup lk;
		size_t o = i < name->labels ? name->lofs[i] : (size_t)name->len - 1;
		if (dns_name_set(&s, name->wire + o) < 0 || dns_zone_lookup(z, &s, &lk) < 0)
			return NULL;
		if (lk.node)
			return lk.node;
	}
	return NULL;
}

#define VIOLATION(...) do { bad++; diag(__VA_ARGS__); } while (0)

/*
 * Properties every snapshot must have; returns the number of violations.
 * White-box: walks the node array, which starts at the apex.
 */
static unsigned
check_invariants(const struct dns_zone *z)
{
	unsigned bad = 0;
	const struct dns_node *apex = dns_zone_apex(z);
	uint8_t ca[65535], cb[65535];

	for (size_t i = 0; i < dns_zone_node_count(z); i++) {
		const struct dns_node *n = &apex[i];
		char str[1024];
		dns_name_to_str(n->name, str, sizeof(str));
		struct dns_name qn;
		struct dns_lookup lk;
		if (dns_name_set(&qn, n->name) < 0 || dns_zone_lookup(z, &qn, &lk) < 0 ||
		    lk.node != n || lk.encloser != n || lk.cut != n->cut) {
			VIOLATION("%s: lookup of its own name", str);
		}
		if (n->labels != dns_name_labels(n->name) || n->name_len != dns_name_len(n->name))
			VIOLATION("%s: labels/length", str);
		if (!(n->flags & DNS_NODE_ENT) != (n->rrset_count != 0))
			VIOLATION("%s: ENT flag", str);
		if (n == apex) {
			if (n->parent || n->cut || n->flags & (DNS_NODE_DELEG | DNS_NODE_NONAUTH))
				VIOLATION("%s: apex fields", str);
		} else {
			const struct dns_node *p = n->parent;
			if (!p || p->labels + 1 != n->labels ||
			    !dns_name_equal(p->name, n->name + 1 + n->name[0]))
				VIOLATION("%s: parent", str);
			bool deleg = dns_node_rrset(n, DNS_T_NS) != NULL;
			if (deleg != !!(n->flags & DNS_NODE_DELEG))
				VIOLATION("%s: DELEG flag", str);
			const struct dns_node *want = p && p->cut ? p->cut : deleg ? n : NULL;
			if (n->cut != want || !!(n->flags & DNS_NODE_NONAUTH) != (p && p->cut))
				VIOLATION("%s: cut", str);
		}
		bool wild = n->name[0] == 1 && n->name[1] == '*';
		if (wild != !!(n->flags & DNS_NODE_WILD) || (wild && n->parent->wildcard != n))
			VIOLATION("%s: wildcard", str);
		if (n->wildcard && (n->wildcard->parent != n || !(n->wildcard->flags & DNS_NODE_WILD)))
			VIOLATION("%s: wildcard link", str);
		for (uint16_t j = 0; j < n->rrset_count; j++) {
			const struct dns_rrset *rs = &n->rrsets[j];
			if (j && rs->type <= n->rrsets[j - 1].type)
				VIOLATION("%s: RRsets not sorted by type", str);
			if (dns_node_rrset(n, rs->type) != rs)
				VIOLATION("%s: dns_node_rrset(%u)", str, rs->type);
			uint32_t pos = 0;
			uint16_t len, plen = 0;
			unsigned count = 0;
			const uint8_t *p;
			while ((p = dns_rrset_next(rs, &pos, &len))) {
				int cl = dns_rdata_canonical(rs->type, p, len, cb);
				if (cl < 0 || (count && dns_rdata_cmp(ca, plen, cb, (size_t)cl) >= 0))
					VIOLATION("%s: type %u RR %u out of canonical order", str,
						    rs->type, count);
				memcpy(ca, cb, (size_t)(cl < 0 ? 0 : cl));
				plen = (uint16_t)(cl < 0 ? 0 : cl);
				count++;
			}
			if (count != rs->count || pos != rs->rdlen || count == 0)
				VIOLATION("%s: type %u count/length", str, rs->type);
		}
	}
	return bad;
}

static void
test_example(void)
{
	struct dns_zone *z = load("example.com", "zones/example.com.zone");
	if (!z)
		return;
	is_int(check_invariants(z), 0, "example.com: snapshot invariants");
	is_int(dns_zone_node_count(z), 20, "example.com: 16 owners + 4 empty non-terminals");
	is_int(dns_zone_serial(z), 2024060101, "serial from the SOA");
	is_str(dns_zone_path(z), src_path("zones/example.com.zone"), "path kept");
	ok(name_is(dns_zone_name(z), "example.com."), "zone name in wire form");

	const struct dns_node *apex = dns_zone_apex(z);
	is_int(apex->flags, DNS_NODE_APEX, "apex flags");
	ok(!apex->parent && !apex->cut && !apex->wildcard, "apex has no parent, cut or wildcard");
	is_int(apex->rrset_count, 7, "apex: A NS SOA MX TXT AAAA CAA");
	static const uint16_t apex_types[] = { DNS_T_A, DNS_T_NS, DNS_T_SOA, DNS_T_MX,
					       DNS_T_TXT, DNS_T_AAAA, DNS_T_CAA };
	bool order = apex->rrset_count == 7;
	for (unsigned i = 0; order && i < 7; i++)
		order = apex->rrsets[i].type == apex_types[i];
	ok(order, "apex RRsets sorted by type");

	const struct dns_rrset *soa = dns_node_rrset(apex, DNS_T_SOA);
	uint16_t len = 0;
	const uint8_t *rd = soa ? rr_at(soa, 0, &len) : NULL;
	ok(soa && soa->count == 1 && soa->ttl == 3600 && rd, "one SOA, TTL from $TTL");
	if (rd) {
		size_t o = dns_name_len(rd);
		o += dns_name_len(rd + o);
		ok(o + 20 == len && dns_get32(rd + o) == 2024060101 && dns_get32(rd + o + 16) == 300,
		   "SOA rdata: serial and minimum 300");
	}
	ok(!dns_node_rrset(apex, DNS_T_CNAME) && !dns_node_rrset(apex, DNS_T_DS) &&
	   !dns_node_rrset(apex, 65000), "absent types give NULL");

	const struct dns_node *www = node(z, "www.example.com");
	const struct dns_rrset *a = www ? dns_node_rrset(www, DNS_T_A) : NULL;
	ok(a && a->count == 2 && a->ttl == 3600 && a->rdlen == 12, "www: two A records");
	rd = a ? rr_at(a, 1, &len) : NULL;
	ok(rd && len == 4 && memcmp(rd, "\xc0\x00\x02\x51", 4) == 0, "second A is 192.0.2.81");
	is_int(www ? www->flags : 0xffff, 0, "www: no flags");
	const struct dns_node *sip = node(z, "sip.example.com");
	ok(sip && dns_node_rrset(sip, DNS_T_A) && dns_node_rrset(sip, DNS_T_A)->ttl == 300,
	   "explicit TTL kept");

	const struct dns_node *alias = node(z, "alias.example.com");
	const struct dns_rrset *cn = alias ? dns_node_rrset(alias, DNS_T_CNAME) : NULL;
	rd = cn ? rr_at(cn, 0, &len) : NULL;
	ok(rd && name_is(rd, "www.example.com."), "relative CNAME target completed with the origin");

	const struct dns_node *deep = node(z, "deep.example.com");
	const struct dns_node *bdeep = node(z, "b.deep.example.com");
	const struct dns_node *abdeep = node(z, "a.b.deep.example.com");
	ok(deep && deep->flags == DNS_NODE_ENT && deep->rrset_count == 0 && deep->parent == apex,
	   "deep: empty non-terminal below the apex");
	ok(bdeep && bdeep->flags == DNS_NODE_ENT && bdeep->parent == deep, "b.deep: empty non-terminal");
	ok(abdeep && abdeep->flags == 0 && abdeep->parent == bdeep, "a.b.deep: data, parent b.deep");
	const struct dns_node *tcp = node(z, "_tcp.example.com");
	ok(tcp && tcp->flags == DNS_NODE_ENT, "_tcp: empty non-terminal above _sip._tcp");

	const struct dns_node *wild = node(z, "wild.example.com");
	const struct dns_node *star = node(z, "*.wild.example.com");
	ok(wild && star && wild->flags == DNS_NODE_ENT && wild->wildcard == star,
	   "wild: empty non-terminal pointing to its wildcard");
	ok(star && star->flags == DNS_NODE_WILD && star->parent == wild && !star->wildcard,
	   "*.wild: WILD flag");

	const struct dns_node *sub = node(z, "sub.example.com");
	const struct dns_node *nssub = node(z, "ns.sub.example.com");
	const struct dns_node *ext = node(z, "ext.example.com");
	ok(sub && sub->flags == DNS_NODE_DELEG && sub->cut == sub, "sub: a cut pointing to itself");
	ok(sub && dns_node_rrset(sub, DNS_T_DS) && dns_node_rrset(sub, DNS_T_DS)->rdlen == 2 + 36,
	   "sub: DS at the delegation, hex digest across lines");
	ok(nssub && nssub->flags == DNS_NODE_NONAUTH && nssub->cut == sub && nssub->parent == sub,
	   "ns.sub: glue below the cut");
	ok(ext && ext->flags == DNS_NODE_DELEG && ext->cut == ext &&
	   dns_node_rrset(ext, DNS_T_NS)->count == 2, "ext: delegation without glue");
	ok(www && !www->cut, "www: no cut");

	/* lookups */
	struct dns_name n;
	struct dns_lookup lk;
	qname("WWW.Example.COM", &n);
	ok(dns_zone_lookup(z, &n, &lk) == 0 && lk.node == www && lk.encloser == www && !lk.cut,
	   "exact match, case-insensitive");
	qname("example.com", &n);
	ok(dns_zone_lookup(z, &n, &lk) == 0 && lk.node == apex && lk.encloser == apex,
	   "apex lookup");
	qname("nope.example.com", &n);
	ok(dns_zone_lookup(z, &n, &lk) == 0 && !lk.node && lk.encloser == apex && !lk.cut,
	   "missing name: encloser is the apex");
	qname("x.y.a.b.deep.example.com", &n);
	ok(dns_zone_lookup(z, &n, &lk) == 0 && !lk.node && lk.encloser == abdeep,
	   "closest encloser two labels up");
	qname("x.b.deep.example.com", &n);
	ok(dns_zone_lookup(z, &n, &lk) == 0 && !lk.node && lk.encloser == bdeep,
	   "closest encloser an empty non-terminal");
	qname("anything.wild.example.com", &n);
	ok(dns_zone_lookup(z, &n, &lk) == 0 && !lk.node && lk.encloser == wild &&
	   lk.encloser->wildcard == star, "wildcard reachable from the closest encloser");
	qname("sub.example.com", &n);
	ok(dns_zone_lookup(z, &n, &lk) == 0 && lk.node == sub && lk.cut == sub, "exact match of a cut");
	qname("host.sub.example.com", &n);
	ok(dns_zone_lookup(z, &n, &lk) == 0 && !lk.node && lk.encloser == sub && lk.cut == sub,
	   "below a cut: encloser and cut are the delegation");
	qname("a.b.ns.sub.example.com", &n);
	ok(dns_zone_lookup(z, &n, &lk) == 0 && !lk.node && lk.encloser == nssub && lk.cut == sub,
	   "below glue: cut is still the delegation");
	qname("ns.sub.example.com", &n);
	ok(dns_zone_lookup(z, &n, &lk) == 0 && lk.node == nssub && lk.cut == sub, "glue exact match");

	static const char *const outside[] = {
		".", "com", "example.net", "xexample.com", "example.com.evil.net", "www.example.org",
		"example.co", "m.example.co",
	};
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		qname(outside[i], &n);
		lk.node = www;
		ok(dns_zone_lookup(z, &n, &lk) == DNS_ENOTFOUND && lk.node == www,
		   "out of zone: %s", outside[i]);
	}

	/* long names: binary search over the suffixes against label-by-label stripping */
	static const char *const names[] = {
		"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.www.example.com",
		"1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.a.b.deep.example.com",
		"x.a.b.deep.example.com", "x.y.z.b.deep.example.com", "q.deep.example.com",
		"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.ns.sub.example.com", "_sip._tcp.example.com",
		"x._sip._tcp.example.com", "y.x._tcp.example.com", "*.wild.example.com",
		"x.*.wild.example.com", "a.b.c.example.com",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		qname(names[i], &n);
		const struct dns_node *want = encloser_by_stripping(z, &n);
		ok(dns_zone_lookup(z, &n, &lk) == 0 && want && lk.encloser == want &&
		   lk.cut == want->cut && (lk.node == want) == (n.len == want->name_len),
		   "closest encloser of %s", names[i]);
	}
	uint8_t longest[DNS_NAME_MAXLEN];
	for (unsigned i = 0; i < 119; i++) {
		longest[2 * i] = 1;
		longest[2 * i + 1] = 'a';
	}
	memcpy(longest + 238, "\003www\007example\003com", 17); /* 255 octets in all */
	int rc = dns_name_set(&n, longest);
	ok(rc == 0 && n.labels == 122 && dns_zone_lookup(z, &n, &lk) == 0 && lk.encloser == www,
	   "a 255-octet name of 122 labels finds www");

	dns_zone_unref(z);
}

static void
test_rrsets(void)
{
	struct dns_zone *z = load("example.org.", "tests/zones/example.org.zone");
	if (!z)
		return;
	is_int(check_invariants(z), 0, "example.org: snapshot invariants");
	is_int(dns_zone_node_count(z), 17, "example.org: 16 owners + x.d3");

	const struct dns_node *apex = dns_zone_apex(z);
	const struct dns_rrset *ns = dns_node_rrset(apex, DNS_T_NS);
	uint16_t len;
	const uint8_t *rd = ns ? rr_at(ns, 1, &len) : NULL;
	ok(rd && rd[0] == 3 && memcmp(rd, "\003NS2\007Example\003ORG", 17) == 0,
	   "names in RDATA keep their case");

	const struct dns_node *multi = node(z, "multi.example.org");
	ok(multi && name_is(multi->name, "multi.example.org.") &&
	   memcmp(multi->name, "\005multi", 6) == 0, "owner names lowercased");
	const struct dns_rrset *a = multi ? dns_node_rrset(multi, DNS_T_A) : NULL;
	ok(a && a->count == 4, "duplicate A dropped: 4 of 5");
	ok(a && a->ttl == 300, "RRset TTL is the lowest (300 of 600, 3600, 300, 900)");
	static const uint8_t last[] = { 4, 10, 30, 200 };
	bool order = a != NULL;
	for (unsigned i = 0; order && i < 4; i++)
		order = (rd = rr_at(a, i, &len)) && len == 4 && rd[3] == last[i];
	ok(order, "A RRs in canonical order 4, 10, 30, 200");
	const struct dns_rrset *txt = multi ? dns_node_rrset(multi, DNS_T_TXT) : NULL;
	ok(txt && txt->count == 3 && txt->ttl == 3600, "three TXT");
	static const char *const texts[] = { "\001a", "\001b", "\002ab" };
	order = txt != NULL;
	for (unsigned i = 0; order && i < 3; i++)
		order = (rd = rr_at(txt, i, &len)) && len == strlen(texts[i]) &&
			memcmp(rd, texts[i], len) == 0;
	ok(order, "TXT in canonical order: \"a\", \"b\", \"ab\" (length octet first)");

	const struct dns_node *dup = node(z, "dup.example.org");
	ns = dup ? dns_node_rrset(dup, DNS_T_NS) : NULL;
	rd = ns ? rr_at(ns, 0, &len) : NULL;
	ok(ns && ns->count == 1 && rd && memcmp(rd, "\002ns\003Dup", 7) == 0,
	   "NS differing only in case: one kept, the first in the file");

	const struct dns_node *d1 = node(z, "d1.example.org"), *d3 = node(z, "d3.example.org");
	const struct dns_node *sd1 = node(z, "*.d1.example.org");
	ok(d1 && sd1 && d1->wildcard == sd1 && sd1->flags == (DNS_NODE_WILD | DNS_NODE_NONAUTH) &&
	   sd1->cut == d1, "wildcard below a cut: occluded");
	const struct dns_node *x = node(z, "x.d3.example.org");
	ok(x && x->flags == (DNS_NODE_ENT | DNS_NODE_NONAUTH) && x->cut == d3,
	   "empty non-terminal below a cut");
	const struct dns_node *inner = node(z, "inner.d3.example.org");
	ok(inner && inner->flags == (DNS_NODE_DELEG | DNS_NODE_NONAUTH) && inner->cut == d3,
	   "NS below a cut: cut is the topmost one");
	const struct dns_node *nsinner = node(z, "ns.inner.d3.example.org");
	ok(nsinner && nsinner->cut == d3, "glue of an occluded delegation points to the top cut");
	ok(node(z, "d2.example.org") && dns_node_rrset(node(z, "d2.example.org"), DNS_T_DS),
	   "DS at a delegation");

	const struct dns_node *sig = node(z, "signed.example.org");
	ok(sig && sig->rrset_count == 3 && dns_node_rrset(sig, DNS_T_CNAME) &&
	   dns_node_rrset(sig, DNS_T_RRSIG) && dns_node_rrset(sig, DNS_T_NSEC),
	   "CNAME beside RRSIG and NSEC is accepted");
	const struct dns_node *astar = node(z, "*.example.org");
	ok(astar && apex->wildcard == astar, "apex wildcard");

	struct dns_name n;
	struct dns_lookup lk;
	qname("a.deep.x.d3.example.org", &n);
	ok(dns_zone_lookup(z, &n, &lk) == 0 && !lk.node && lk.encloser == node(z, "deep.x.d3.example.org") &&
	   lk.cut == d3, "below occluded data the cut is the topmost one");
	dns_zone_unref(z);
}

static void
test_root_and_include(void)
{
	struct dns_zone *z = load(".", "tests/zones/root.zone");
	if (z) {
		is_int(check_invariants(z), 0, "root: snapshot invariants");
		const struct dns_node *apex = dns_zone_apex(z);
		ok(apex->labels == 0 && apex->name_len == 1 && name_is(dns_zone_name(z), "."),
		   "root apex");
		const struct dns_node *test = node(z, "test");
		struct dns_name n;
		struct dns_lookup lk;
		qname("a.root.test", &n);
		ok(dns_zone_lookup(z, &n, &lk) == 0 && lk.node && lk.node->flags == DNS_NODE_NONAUTH &&
		   lk.cut == test, "root: glue below test.");
		qname("www.example.org", &n);
		ok(dns_zone_lookup(z, &n, &lk) == 0 && !lk.node && lk.encloser == node(z, "org") &&
		   lk.cut == lk.encloser, "root: referral to org.");
		qname("nonexistent", &n);
		ok(dns_zone_lookup(z, &n, &lk) == 0 && !lk.node && lk.encloser == apex,
		   "root: missing TLD");
		qname(".", &n);
		ok(dns_zone_lookup(z, &n, &lk) == 0 && lk.node == apex, "root: apex");
		dns_zone_unref(z);
	}

	z = load("example.net", "tests/zones/include.zone");
	if (z) {
		is_int(check_invariants(z), 0, "include: snapshot invariants");
		is_int(dns_zone_node_count(z), 6, "include: apex ns1 host lab host.lab after");
		const struct dns_node *h = node(z, "host.example.net"), *hl = node(z, "host.lab.example.net");
		ok(h && hl && dns_node_rrset(h, DNS_T_TXT) && dns_node_rrset(hl, DNS_T_A),
		   "included twice, with two origins");
		ok(node(z, "lab.example.net") && node(z, "lab.example.net")->flags == DNS_NODE_ENT,
		   "lab: empty non-terminal");
		ok(node(z, "after.example.net") != NULL, "origin restored after $INCLUDE");
		dns_zone_unref(z);
	}

	z = load("example.net", "tests/zones/include-relative.zone");
	if (z) {
		const struct dns_node *h = node(z, "host.lab.example.net");
		const struct dns_rrset *a = h ? dns_node_rrset(h, DNS_T_A) : NULL;
		ok(a && !node(z, "host.example.net"), "relative $INCLUDE origin");
		ok(a && a->ttl == 3600, "no $TTL: default TTL 3600");
		dns_zone_unref(z);
	}
}

struct broken {
	const char *file;
	int rc;
	const char *where;   /* file the error names (NULL: the same) */
	unsigned line;
	const char *reason;
};

static void
test_broken(void)
{
	const char *syntax = ldns_get_errorstr_by_id(LDNS_STATUS_SYNTAX_RDATA_ERR);
	const struct broken cases[] = {
		{ "bad-syntax.zone", DNS_ESYNTAX, NULL, 7, syntax },
		{ "bad-syntax-multiline.zone", DNS_ESYNTAX, NULL, 10, syntax },
		{ "bad-no-soa.zone", DNS_EZONE, NULL, 5, "no SOA record for the zone example.com." },
		{ "bad-two-soa.zone", DNS_EZONE, NULL, 7, NULL },
		{ "bad-soa-not-apex.zone", DNS_EZONE, NULL, 4,
		  "SOA record at www.example.com. is not at the zone apex example.com." },
		{ "bad-no-apex-ns.zone", DNS_EZONE, NULL, 4, "no NS records at the apex example.com." },
		{ "bad-out-of-zone.zone", DNS_EZONE, NULL, 7,
		  "owner www.example.net. is outside the zone example.com." },
		{ "bad-class.zone", DNS_EZONE, NULL, 7, "class CH is not supported (only IN)" },
		{ "bad-cname-other.zone", DNS_EZONE, NULL, 8, "CNAME and other data at www.example.com." },
		{ "bad-cname-other2.zone", DNS_EZONE, NULL, 8, "CNAME and other data at www.example.com." },
		{ "bad-two-cname.zone", DNS_EZONE, NULL, 8, "more than one CNAME record at alias.example.com." },
		{ "bad-apex-cname.zone", DNS_EZONE, NULL, 5, "CNAME at the zone apex example.com." },
		{ "bad-meta.zone", DNS_EZONE, NULL, 7, "ANY is not a type for zone data" },
		{ "bad-include.zone", -ENOENT, NULL, 7, NULL },
		{ "bad-include-inner.zone", DNS_EZONE, "bad-include-inner.inc", 3,
		  "class CH is not supported (only IN)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct broken *c = &cases[i];
		char rel[256], want[1024], err[1024];
		snprintf(rel, sizeof(rel), "tests/zones/%s", c->file);
		const char *path = src_path(rel);
		char reason[512];
		if (c->reason)
			snprintf(reason, sizeof(reason), "%s", c->reason);
		else if (c->rc == -ENOENT)
			snprintf(reason, sizeof(reason), "cannot open %s: %s",
				 src_path("tests/zones/does-not-exist.inc"), strerror(ENOENT));
		else
			snprintf(reason, sizeof(reason), "more than one SOA record (first at %s:4)", path);
		if (c->where)
			snprintf(rel, sizeof(rel), "tests/zones/%s", c->where);
		snprintf(want, sizeof(want), "%s:%u: %s", c->where ? src_path(rel) : path, c->line,
			 reason);
		struct dns_zone *z = (struct dns_zone *)(uintptr_t)1; /* must be reset */
		int rc = dns_zone_load("example.com", path, &z, err, sizeof(err));
		ok(rc == c->rc && z == NULL, "%s: rc %d", c->file, c->rc);
		if (rc != c->rc)
			diag("got %d (%s)", rc, dns_strerror(rc));
		is_str(err, want, "%s: message", c->file);
		if (rc == 0)
			dns_zone_unref(z);
	}

	char err[256], want[512];
	struct dns_zone *z = NULL;
	const char *missing = src_path("tests/zones/does-not-exist.zone");
	int rc = dns_zone_load("example.com", missing, &z, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: cannot open: %s", missing, strerror(ENOENT));
	ok(rc == -ENOENT && !z, "missing file: -ENOENT");
	is_str(err, want, "missing file: message with strerror");

	const char *dir = src_path("tests/zones");
	rc = dns_zone_load("example.com", dir, &z, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: cannot read: %s", dir, strerror(EISDIR));
	ok(rc == -EISDIR && !z, "a directory: -EISDIR");
	is_str(err, want, "a directory: message");

	const char *soa = src_path("tests/zones/bad-two-soa.zone");
	ok(dns_zone_load("example.com", soa, &z, NULL, 0) == DNS_EZONE && !z,
	   "no message buffer is fine");
	char small[12];
	ok(dns_zone_load("example.com", soa, &z, small, sizeof(small)) == DNS_EZONE &&
	   strlen(small) == sizeof(small) - 1, "message truncated to the buffer");
	ok(dns_zone_load("exa..mple", soa, &z, err, sizeof(err)) == DNS_ESYNTAX && !z,
	   "bad origin rejected");
	ok(dns_zone_load("example.org", src_path("zones/example.com.zone"), &z, err, sizeof(err)) ==
	   DNS_EZONE && strstr(err, "is outside the zone example.org."),
	   "a file loaded with the wrong origin is rejected");
}

static void
test_zoneset(void)
{
	struct dns_zone *com = load("example.com", "zones/example.com.zone");
	struct dns_zone *sub = load("sub.example.com", "tests/zones/sub.example.com.zone");
	struct dns_zone *org = load("example.org", "tests/zones/example.org.zone");
	struct dns_zone *root = load(".", "tests/zones/root.zone");
	if (!com || !sub || !org || !root)
		return;

	struct dns_zone *three[] = { org, sub, com };
	struct dns_zoneset *zs = dns_zoneset_new(three, 3);
	ok(zs && dns_zoneset_count(zs) == 3, "set of three zones");
	ok(zs && dns_zoneset_at(zs, 0) == org && dns_zoneset_at(zs, 2) == com &&
	   dns_zoneset_at(zs, 3) == NULL, "dns_zoneset_at");
	static const struct { const char *name; int zone; } q3[] = {
		{ "example.com", 2 }, { "www.example.com", 2 }, { "SUB.example.com", 1 },
		{ "www.sub.example.com", 1 }, { "a.b.c.ns.sub.example.com", 1 },
		{ "xsub.example.com", 2 }, { "example.org", 0 }, { "a.b.example.org", 0 },
		{ "com", -1 }, { "example.net", -1 }, { ".", -1 }, { "org", -1 },
	};
	for (size_t i = 0; zs && i < sizeof(q3) / sizeof(q3[0]); i++) {
		struct dns_name n;
		qname(q3[i].name, &n);
		ok(dns_zoneset_find(zs, &n, NULL) == (q3[i].zone < 0 ? NULL : three[q3[i].zone]),
		   "longest match for %s", q3[i].name);
	}
	dns_zoneset_free(zs);

	struct dns_zone *four[] = { root, com, sub, org };
	zs = dns_zoneset_new(four, 4);
	static const struct { const char *name; int zone; } q4[] = {
		{ ".", 0 }, { "com", 0 }, { "example.net", 0 }, { "a.root.test", 0 },
		{ "example.com", 1 }, { "ns.sub.example.com", 2 }, { "x.example.org", 3 },
	};
	for (size_t i = 0; zs && i < sizeof(q4) / sizeof(q4[0]); i++) {
		struct dns_name n;
		qname(q4[i].name, &n);
		size_t idx = SIZE_MAX;
		ok(dns_zoneset_find(zs, &n, &idx) == four[q4[i].zone] &&
		   dns_zoneset_at(zs, idx) == four[q4[i].zone], "with the root: %s, and its index",
		   q4[i].name);
	}

	struct dns_zone *twice[] = { com, sub, com };
	ok(dns_zoneset_new(twice, 3) == NULL, "duplicate apex rejected");

	struct dns_zoneset *empty = dns_zoneset_new(NULL, 0);
	struct dns_name n;
	qname("example.com", &n);
	ok(empty && dns_zoneset_count(empty) == 0 && !dns_zoneset_find(empty, &n, NULL), "empty set");
	dns_zoneset_free(empty);

	/* The set holds its own references: the zones stay usable after the loader's go. */
	dns_zone_unref(root);
	dns_zone_unref(com);
	dns_zone_unref(sub);
	dns_zone_ref(org);
	dns_zone_unref(org);
	dns_zone_unref(org);
	qname("www.sub.example.com", &n);
	const struct dns_zone *f = zs ? dns_zoneset_find(zs, &n, NULL) : NULL;
	struct dns_lookup lk;
	ok(f && dns_zone_lookup(f, &n, &lk) == 0 && lk.node && dns_node_rrset(lk.node, DNS_T_A),
	   "zones in a set live after the loader drops its references");
	dns_zoneset_free(zs);
}

int
main(void)
{
	srcdir = getenv("SIGEDGE_SRCDIR");
	if (!srcdir)
		srcdir = ".";
	test_example();
	test_rrsets();
	test_root_and_include();
	test_broken();
	test_zoneset();
	return tap_done();
}
