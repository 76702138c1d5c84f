/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns/err.h"
#include "dns/rdata.h"
#include "keysync/recset.h"

void
ksync_recset_init(struct ksync_recset *s)
{
	*s = (struct ksync_recset){ 0 };
}

void
ksync_recset_free(struct ksync_recset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].rdata);
	free(s->v);
	ksync_recset_init(s);
}

int
ksync_recset_dup(const struct ksync_recset *s, struct ksync_recset *out)
{
	struct ksync_recset d = { 0 };

	if (s->n) {
		d.v = calloc(s->n, sizeof(*d.v));
		if (!d.v)
			return -ENOMEM;
		d.cap = s->n;
	}
	for (; d.n < s->n; d.n++) {
		const struct ksync_rec *r = &s->v[d.n];
		d.v[d.n] = *r;
		d.v[d.n].rdata = malloc(r->rdlen);
		if (!d.v[d.n].rdata) {
			ksync_recset_free(&d);
			return -ENOMEM;
		}
		memcpy(d.v[d.n].rdata, r->rdata, r->rdlen);
	}
	*out = d;
	return 0;
}

bool
ksync_recset_equal(const struct ksync_recset *a, const struct ksync_recset *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct ksync_rec *x = &a->v[i], *y = &b->v[i];
		if (x->type != y->type || x->rdlen != y->rdlen || x->ttl != y->ttl ||
		    x->origins != y->origins || memcmp(x->rdata, y->rdata, x->rdlen) != 0)
			return false;
	}
	return true;
}

/* Canonical order of (type, rdata): see recset.h. */
static int
rec_cmp(const struct ksync_rec *r, uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	if (r->type != type)
		return r->type < type ? -1 : 1;
	uint16_t m = r->rdlen < rdlen ? r->rdlen : rdlen;
	int c = m ? memcmp(r->rdata, rdata, m) : 0;
	if (c)
		return c;
	return (r->rdlen > rdlen) - (r->rdlen < rdlen);
}

/* Binary search: true and the index when present, else false and the insertion point. */
static bool
lookup(const struct ksync_recset *s, uint16_t type, const uint8_t *rdata, uint16_t rdlen,
       size_t *at)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = rec_cmp(&s->v[mid], type, rdata, rdlen);
		if (c == 0) {
			*at = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return false;
}

long
ksync_recset_find(const struct ksync_recset *s, uint16_t type, const uint8_t *rdata,
		  uint16_t rdlen)
{
	size_t at;
	return lookup(s, type, rdata, rdlen, &at) ? (long)at : -1;
}

static void
remove_at(struct ksync_recset *s, size_t i)
{
	free(s->v[i].rdata);
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->n--;
}

int
ksync_recset_add(struct ksync_recset *s, uint16_t type, uint32_t ttl, const uint8_t *rdata,
		 uint16_t rdlen, unsigned origin)
{
	size_t at;

	if (origin >= KSYNC_ORIGIN_MAX || rdlen == 0)
		return -EINVAL;
	uint64_t bit = UINT64_C(1) << origin;
	if (lookup(s, type, rdata, rdlen, &at)) {
		struct ksync_rec *r = &s->v[at];
		if ((r->origins & bit) && r->ttl == ttl)
			return 0;
		r->origins |= bit;
		r->ttl = ttl;
		return 1;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		struct ksync_rec *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	uint8_t *copy = malloc(rdlen);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, rdata, rdlen);
	memmove(&s->v[at + 1], &s->v[at], (s->n - at) * sizeof(*s->v));
	s->v[at] = (struct ksync_rec){ .type = type, .rdlen = rdlen, .ttl = ttl,
				       .origins = bit, .rdata = copy };
	s->n++;
	return 1;
}

int
ksync_recset_del(struct ksync_recset *s, uint16_t type, const uint8_t *rdata, uint16_t rdlen,
		 unsigned origin)
{
	size_t at;

	if (!lookup(s, type, rdata, rdlen, &at))
		return 0;
	uint64_t bit = origin < KSYNC_ORIGIN_MAX ? UINT64_C(1) << origin : 0;
	if (!(s->v[at].origins & bit))
		return -EPERM;
	s->v[at].origins &= ~bit;
	if (!s->v[at].origins)
		remove_at(s, at);
	return 1;
}

/* Withdraw origin's claims on records of type (any type when all_types) that keep() rejects (all when keep is NULL). */
static size_t
withdraw_if(struct ksync_recset *s, unsigned origin, bool all_types, uint16_t type,
	    bool (*keep)(void *arg, const uint8_t *rdata, uint16_t rdlen), void *arg)
{
	size_t n = 0, i = 0;

	if (origin >= KSYNC_ORIGIN_MAX)
		return 0;
	uint64_t bit = UINT64_C(1) << origin;
	while (i < s->n) {
		struct ksync_rec *r = &s->v[i];
		if (!(r->origins & bit) || (!all_types && r->type != type) ||
		    (keep && keep(arg, r->rdata, r->rdlen))) {
			i++;
			continue;
		}
		n++;
		r->origins &= ~bit;
		if (r->origins)
			i++;
		else
			remove_at(s, i);
	}
	return n;
}

size_t
ksync_recset_withdraw(struct ksync_recset *s, unsigned origin, uint16_t type,
		      bool (*keep)(void *arg, const uint8_t *rdata, uint16_t rdlen), void *arg)
{
	return withdraw_if(s, origin, false, type, keep, arg);
}

size_t
ksync_recset_drop_origin(struct ksync_recset *s, unsigned origin)
{
	return withdraw_if(s, origin, true, 0, NULL, NULL);
}

static bool
type_allowed(uint16_t type)
{
	return type == DNS_T_DNSKEY || type == DNS_T_CDS || type == DNS_T_CDNSKEY ||
	       type == DNS_T_RRSIG;
}

/* A peer name the text form can carry: not empty, no white space, comma or ';'. */
static bool
name_ok(const char *name)
{
	return name && *name && !name[strcspn(name, " \t\r\n,;")];
}

/* Write the origin names of r, comma-separated. */
static int
put_origins(FILE *f, uint64_t origins, const char *const *names, size_t npeers)
{
	const char *sep = "";

	for (unsigned i = 0; i < KSYNC_ORIGIN_MAX; i++) {
		if (!(origins & (UINT64_C(1) << i)))
			continue;
		if (i >= npeers || !name_ok(names[i]))
			return -EINVAL;
		fprintf(f, "%s%s", sep, names[i]);
		sep = ",";
	}
	return 0;
}

/* Whether the presentation form str of r reads back as r's RDATA. */
static bool
reads_back(const char *str, const struct ksync_rec *r)
{
	ldns_rr *rr = NULL;
	ldns_rdf *root = ldns_dname_new_frm_str(".");
	ldns_buffer *buf = ldns_buffer_new(r->rdlen + 16u);
	bool same = root && buf && ldns_rr_new_frm_str(&rr, str, 0, root, NULL) == LDNS_STATUS_OK &&
		    ldns_rr_rdata2buffer_wire(buf, rr) == LDNS_STATUS_OK &&
		    ldns_buffer_position(buf) == r->rdlen &&
		    memcmp(ldns_buffer_begin(buf), r->rdata, r->rdlen) == 0;
	ldns_rr_free(rr);
	ldns_rdf_deep_free(root);
	ldns_buffer_free(buf);
	return same;
}

/*
 * Write one record in presentation form, as ldns prints it (without
 * comments), or in the generic form when that would not read back.
 */
static int
put_rr(FILE *f, uint8_t *wire, size_t olen, const struct ksync_rec *r, const char *lead)
{
	uint8_t *p = wire + olen;
	ldns_rr *rr = NULL;
	size_t pos = 0;

	p[0] = (uint8_t)(r->type >> 8);
	p[1] = (uint8_t)r->type;
	p[2] = 0;
	p[3] = DNS_C_IN;
	p[4] = (uint8_t)(r->ttl >> 24);
	p[5] = (uint8_t)(r->ttl >> 16);
	p[6] = (uint8_t)(r->ttl >> 8);
	p[7] = (uint8_t)r->ttl;
	p[8] = (uint8_t)(r->rdlen >> 8);
	p[9] = (uint8_t)r->rdlen;
	memcpy(p + 10, r->rdata, r->rdlen);
	if (ldns_wire2rr(&rr, wire, olen + 10 + r->rdlen, &pos, LDNS_SECTION_ANSWER) !=
	    LDNS_STATUS_OK)
		return -EINVAL;
	char *str = ldns_rr2str_fmt(ldns_output_format_nocomments, rr);
	ldns_rr_free(rr);
	if (!str)
		return -ENOMEM;
	if (reads_back(str, r)) {
		fprintf(f, "%s%s", lead, str);
		free(str);
		return 0;
	}
	free(str);
	/*
	 * RDATA whose presentation form ldns would not read back as the same
	 * octets (an empty key or digest, RRSIG times out of its date range):
	 * the generic form of RFC 3597, which always does.
	 */
	char name[DNS_NAME_MAXLEN * 4 + 1];
	if (dns_name_to_str(wire, name, sizeof(name)) < 0)
		return -EINVAL;
	fprintf(f, "%s%s\t%u\tIN\t%s\t\\# %u ", lead, name, r->ttl, dns_type_name(r->type),
		r->rdlen);
	for (size_t i = 0; i < r->rdlen; i++)
		fprintf(f, "%02x", r->rdata[i]);
	fputc('\n', f);
	return 0;
}

long
ksync_recset_format(const struct ksync_recset *s, const uint8_t *owner,
		    const char *const *names, size_t npeers, char **out)
{
	size_t olen = dns_name_len(owner);
	uint8_t *wire = malloc(olen + 10 + UINT16_MAX);
	char *text = NULL;
	size_t len = 0;
	FILE *f = wire ? open_memstream(&text, &len) : NULL;
	int rc = 0;

	if (!f) {
		free(wire);
		return -ENOMEM;
	}
	memcpy(wire, owner, olen);
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		rc = names ? put_origins(f, s->v[i].origins, names, npeers) : 0;
		if (rc == 0)
			rc = put_rr(f, wire, olen, &s->v[i], names ? " " : "");
	}
	free(wire);
	if (ferror(f) && rc == 0)
		rc = -ENOMEM;
	if (fclose(f) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc) {
		free(text);
		return rc;
	}
	*out = text;
	return (long)len;
}

/* Parse state shared by the lines of one text. */
struct parser {
	const uint8_t *owner;
	const char *const *names;
	size_t nnames;           /* entries of names usable as origin bits */
	size_t unknown;          /* claims of names not among names */
	ldns_rdf *root;          /* origin for relative owners: names are absolute */
	ldns_buffer *buf;
	struct ksync_recset set;
	char *err;
	size_t errlen;
};

/* Origin bits of the comma-separated list tok; unknown names count in *unknown. */
static int
parse_origins(struct parser *p, char *tok, unsigned line, uint64_t *origins)
{
	*origins = 0;
	for (char *name = tok, *end;; name = end + 1) {
		end = strchr(name, ',');
		if (end)
			*end = '\0';
		if (!*name)
			return dns_errf(p->err, p->errlen, DNS_ESYNTAX,
					"%u: empty peer name in the origin list", line);
		size_t i = 0;
		while (i < p->nnames && !(p->names[i] && strcmp(p->names[i], name) == 0))
			i++;
		if (i < p->nnames)
			*origins |= UINT64_C(1) << i;
		else
			p->unknown++;
		if (!end)
			return 0;
	}
}

/* Check rr and add its claims to the set. */
static int
add_rr(struct parser *p, const ldns_rr *rr, bool generic, uint64_t origins, unsigned line)
{
	const ldns_rdf *o = ldns_rr_owner(rr);
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);

	if (!o || ldns_rdf_get_type(o) != LDNS_RDF_TYPE_DNAME ||
	    ldns_rdf_size(o) > DNS_NAME_MAXLEN || !dns_name_equal(ldns_rdf_data(o), p->owner))
		return dns_errf(p->err, p->errlen, DNS_ESYNTAX, "%u: owner is not the zone apex",
				line);
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
		return dns_errf(p->err, p->errlen, DNS_ESYNTAX, "%u: class is not IN", line);
	if (!type_allowed(type)) {
		const char *tn = dns_type_name(type);
		return tn ? dns_errf(p->err, p->errlen, DNS_ESYNTAX,
				     "%u: type %s is not DNSKEY, CDS, CDNSKEY or RRSIG", line, tn)
			  : dns_errf(p->err, p->errlen, DNS_ESYNTAX,
				     "%u: type %u is not DNSKEY, CDS, CDNSKEY or RRSIG", line, type);
	}
	const ldns_rr_descriptor *d = ldns_rr_descript(type);
	/* The generic form (RFC 3597) gives what fields its octets hold. */
	if (!generic && ldns_rr_rd_count(rr) < ldns_rr_descriptor_minimum(d))
		return dns_errf(p->err, p->errlen, DNS_ESYNTAX, "%u: RDATA is incomplete", line);
	ldns_buffer_clear(p->buf);
	if (ldns_rr_rdata2buffer_wire(p->buf, rr) != LDNS_STATUS_OK)
		return -ENOMEM;
	size_t rdlen = ldns_buffer_position(p->buf);
	if (rdlen == 0 || rdlen > UINT16_MAX)
		return dns_errf(p->err, p->errlen, DNS_ESYNTAX, "%u: bad RDATA length", line);
	for (unsigned i = 0; i < KSYNC_ORIGIN_MAX; i++) {
		if (!(origins & (UINT64_C(1) << i)))
			continue;
		int rc = ksync_recset_add(&p->set, type, ldns_rr_ttl(rr),
					  ldns_buffer_begin(p->buf), (uint16_t)rdlen, i);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* One line, NUL-terminated, without its newline. */
static int
parse_line(struct parser *p, char *s, unsigned line)
{
	size_t lead = strspn(s, " \t\r");

	if (!s[lead] || s[lead] == ';')
		return 0;
	if (lead)
		return dns_errf(p->err, p->errlen, DNS_ESYNTAX, "%u: empty origin list", line);
	size_t toklen = strcspn(s, " \t\r");
	char *rest = s + toklen;
	rest += strspn(rest, " \t\r");
	s[toklen] = '\0';
	if (!*rest)
		return dns_errf(p->err, p->errlen, DNS_ESYNTAX, "%u: no record after the origins",
				line);
	uint64_t origins;
	int rc = parse_origins(p, s, line, &origins);
	if (rc)
		return rc;
	ldns_rr *rr = NULL;
	ldns_status st = ldns_rr_new_frm_str(&rr, rest, 0, p->root, NULL);
	if (st != LDNS_STATUS_OK)
		return dns_errf(p->err, p->errlen, DNS_ESYNTAX, "%u: %s", line,
				ldns_get_errorstr_by_id(st));
	rc = add_rr(p, rr, strstr(rest, "\\#") != NULL, origins, line);
	ldns_rr_free(rr);
	return rc;
}

int
ksync_recset_parse(const char *text, size_t len, const uint8_t *owner,
		   const char *const *names, size_t npeers, struct ksync_recset *out,
		   size_t *unknown, char *err, size_t errlen)
{
	struct parser p = {
		.owner = owner, .names = names, .err = err, .errlen = errlen,
		.nnames = npeers < KSYNC_ORIGIN_MAX ? npeers : KSYNC_ORIGIN_MAX,
		.root = ldns_dname_new_frm_str("."), .buf = ldns_buffer_new(1024),
	};
	int rc = 0;

	if (!p.root || !p.buf)
		rc = -ENOMEM;
	unsigned line = 0;
	for (size_t pos = 0; pos < len && rc == 0; line++) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = (nl ? (size_t)(nl - text) : len) - pos;
		if (memchr(text + pos, '\0', l)) {
			rc = dns_errf(err, errlen, DNS_ESYNTAX, "%u: NUL octet in the line", line + 1);
			break;
		}
		char *s = strndup(text + pos, l);
		rc = s ? parse_line(&p, s, line + 1) : -ENOMEM;
		free(s);
		pos += l + 1;
	}
	ldns_rdf_deep_free(p.root);
	ldns_buffer_free(p.buf);
	if (rc) {
		ksync_recset_free(&p.set);
		return rc;
	}
	*out = p.set;
	if (unknown)
		*unknown = p.unknown;
	return 0;
}
