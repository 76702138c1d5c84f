/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns/err.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "dns/zone.h"

#define ZONE_DEFAULT_TTL 3600u
#define INCLUDE_MAX_DEPTH 8
#define SCRATCH_CHUNK (256u * 1024u)

/*
 * Name index: a flat open-addressing table with linear probing, kept at most
 * half full. It is used instead of ck_hs because ck_hs reaches the hash and
 * compare functions through pointers and its slots hold only object
 * pointers, so each probe dereferences an object; here a slot carries 32
 * hash bits next to the node pointer, a probe almost never touches a node
 * that does not match, and the whole probe loop inlines into the lookup.
 * The tag uses the high hash bits and the slot index the low ones.
 */
struct name_slot {
	const struct dns_node *node; /* NULL: empty */
	uint32_t tag;
	uint32_t idx;                /* caller's index for the entry */
};

struct name_table {
	struct name_slot *slots;
	size_t mask;
};

struct dns_zone {
	int refs;
	uint32_t serial;
	uint32_t max_ttl;
	size_t node_count;
	struct dns_node *nodes;      /* canonical order (RFC 4034 6.1); nodes[0] is the apex */
	struct name_table index;
	const char *path;
	/* nodes, rrsets, index slots, names and rdata follow in the same block */
};

struct dns_zoneset {
	size_t count;
	struct name_table index;     /* apex name -> zone index */
	uint64_t depths[2];          /* bit d: some apex has d labels */
	unsigned max_depth;
	struct dns_zone *zones[];
};

static size_t
table_size(size_t n)
{
	size_t s = 8;
	while (s < 2 * n)
		s <<= 1;
	return s;
}

static inline const struct name_slot *
table_find(const struct name_table *t, const uint8_t *lname, size_t len)
{
	uint64_t h = dns_name_hash(lname, len);
	uint32_t tag = (uint32_t)(h >> 32);
	for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
		const struct name_slot *s = &t->slots[i];
		if (!s->node)
			return NULL;
		if (s->tag == tag && s->node->name_len == len &&
		    memcmp(s->node->name, lname, len) == 0)
			return s;
	}
}

/* Returns false if the name is already present. */
static bool
table_insert(struct name_table *t, const struct dns_node *n, uint32_t idx)
{
	if (table_find(t, n->name, n->name_len))
		return false;
	uint64_t h = dns_name_hash(n->name, n->name_len);
	size_t i = (size_t)h & t->mask;
	while (t->slots[i].node)
		i = (i + 1) & t->mask;
	t->slots[i] = (struct name_slot){ .node = n, .tag = (uint32_t)(h >> 32), .idx = idx };
	return true;
}

/* Offset of the suffix of name that starts at label index i (i == labels: the root). */
static inline size_t
suffix_ofs(const struct dns_name *name, unsigned i)
{
	return i < name->labels ? name->lofs[i] : (size_t)name->len - 1;
}

/* ---- loading ---------------------------------------------------------- */

/* One RR read from the file, before grouping. */
struct rec {
	const uint8_t *owner;  /* lowercased wire form */
	const uint8_t *rdata;  /* as in the file */
	const uint8_t *canon;  /* canonical form (== rdata when identical) */
	const char *file;
	uint32_t ttl;
	uint32_t line;
	uint16_t type;
	uint16_t rdlen;
	uint8_t owner_len;
	bool dup;              /* same canonical RDATA as an earlier RR of the RRset */
};

struct chunk {
	struct chunk *next;
	size_t used, cap;
	uint8_t data[];
};

/* Candidate node: an owner with its records, or an empty non-terminal. */
struct pnode {
	const uint8_t *name;
	size_t first, end;     /* range in the sorted records */
	uint8_t len;
};

struct loader {
	char *err;
	size_t errlen;
	uint8_t apex[DNS_NAME_MAXLEN];
	size_t apex_len;
	struct chunk *chunks;  /* scratch memory, freed after the build */
	struct rec *recs;
	size_t nrec, caprec;
	ldns_buffer *buf;
	const char *soa_file;  /* where the SOA was seen, NULL if none yet */
	uint32_t soa_line;
	uint32_t serial;
	uint32_t max_ttl;
	uint32_t eof_line;     /* last line of the top-level file */
};

static int
fail(struct loader *l, int code, const char *file, unsigned line, const char *fmt, ...)
{
	if (!l->errlen)
		return code;
	int n = line ? snprintf(l->err, l->errlen, "%s:%u: ", file, line)
		     : snprintf(l->err, l->errlen, "%s: ", file);
	if (n >= 0 && (size_t)n < l->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return code;
}

static void *
scratch_alloc(struct loader *l, size_t n)
{
	struct chunk *c = l->chunks;
	n = (n + 7) & ~(size_t)7;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > SCRATCH_CHUNK ? n : SCRATCH_CHUNK;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = l->chunks;
		c->used = 0;
		c->cap = cap;
		l->chunks = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	return p;
}

static void
type_str(uint16_t type, char *buf, size_t cap)
{
	const char *s = dns_type_name(type);
	if (s)
		snprintf(buf, cap, "%s", s);
	else
		snprintf(buf, cap, "TYPE%u", type);
}

static const char *
name_str(const uint8_t *name, char buf[1024])
{
	if (dns_name_to_str(name, buf, 1024) < 0)
		snprintf(buf, 1024, "?");
	return buf;
}

static int
add_rr(struct loader *l, const ldns_rr *rr, const char *file, unsigned line)
{
	char nbuf[1024], abuf[1024], tbuf[16];
	ldns_rr_class cls = ldns_rr_get_class(rr);
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);

	if (cls != LDNS_RR_CLASS_IN) {
		char *cs = ldns_rr_class2str(cls);
		int rc = fail(l, DNS_EZONE, file, line, "class %s is not supported (only IN)",
			      cs ? cs : "?");
		free(cs);
		return rc;
	}
	type_str(type, tbuf, sizeof(tbuf));
	if (dns_type_is_meta(type))
		return fail(l, DNS_EZONE, file, line, "%s is not a type for zone data", tbuf);

	const ldns_rdf *orf = ldns_rr_owner(rr);
	uint8_t owner[DNS_NAME_MAXLEN];
	if (!orf || ldns_rdf_get_type(orf) != LDNS_RDF_TYPE_DNAME ||
	    ldns_rdf_size(orf) > DNS_NAME_MAXLEN)
		return fail(l, DNS_EZONE, file, line, "bad owner name");
	size_t olen = dns_name_lower(owner, ldns_rdf_data(orf));
	if (!dns_name_is_sub(owner, l->apex))
		return fail(l, DNS_EZONE, file, line, "owner %s is outside the zone %s",
			    name_str(owner, nbuf), name_str(l->apex, abuf));

	if (type == DNS_T_SOA) {
		if (l->soa_file)
			return fail(l, DNS_EZONE, file, line,
				    "more than one SOA record (first at %s:%u)",
				    l->soa_file, l->soa_line);
		if (olen != l->apex_len || memcmp(owner, l->apex, olen) != 0)
			return fail(l, DNS_EZONE, file, line,
				    "SOA record at %s is not at the zone apex %s",
				    name_str(owner, nbuf), name_str(l->apex, abuf));
		l->soa_file = file;
		l->soa_line = line;
		l->serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
	}

	ldns_buffer_clear(l->buf);
	if (ldns_rr_rdata2buffer_wire(l->buf, rr) != LDNS_STATUS_OK)
		return fail(l, -ENOMEM, file, line, "out of memory");
	size_t rdlen = ldns_buffer_position(l->buf);
	if (rdlen > UINT16_MAX)
		return fail(l, DNS_EZONE, file, line, "%s rdata longer than 65535 octets", tbuf);

	if (l->nrec == l->caprec) {
		size_t cap = l->caprec ? 2 * l->caprec : 1024;
		struct rec *r = realloc(l->recs, cap * sizeof(*r));
		if (!r)
			return fail(l, -ENOMEM, file, line, "out of memory");
		l->recs = r;
		l->caprec = cap;
	}
	struct rec *r = &l->recs[l->nrec];
	if (ldns_rr_ttl(rr) > l->max_ttl)
		l->max_ttl = ldns_rr_ttl(rr);
	*r = (struct rec){ .file = file, .line = line, .type = type, .ttl = ldns_rr_ttl(rr),
			   .rdlen = (uint16_t)rdlen, .owner_len = (uint8_t)olen };

	/* Consecutive RRs usually share their owner: keep one copy. */
	const struct rec *prev = l->nrec ? r - 1 : NULL;
	if (prev && prev->owner_len == olen && memcmp(prev->owner, owner, olen) == 0) {
		r->owner = prev->owner;
	} else {
		uint8_t *o = scratch_alloc(l, olen);
		if (!o)
			return fail(l, -ENOMEM, file, line, "out of memory");
		memcpy(o, owner, olen);
		r->owner = o;
	}

	uint8_t *rd = scratch_alloc(l, 2 * rdlen + 1);
	if (!rd)
		return fail(l, -ENOMEM, file, line, "out of memory");
	memcpy(rd, ldns_buffer_begin(l->buf), rdlen);
	int clen = dns_rdata_canonical(type, rd, rdlen, rd + rdlen);
	if (clen < 0 || (size_t)clen != rdlen)
		return fail(l, DNS_EZONE, file, line, "malformed %s rdata", tbuf);
	r->rdata = rd;
	r->canon = memcmp(rd, rd + rdlen, rdlen) == 0 ? rd : rd + rdlen;
	l->nrec++;
	return 0;
}

/*
 * Skip blank and comment-only lines, so that the next entry starts on line
 * *line + 1 (ldns only reports the line an entry ends on). Returns 1 before
 * an entry, 0 at end of file, or a negative errno (a read error, or a file
 * that cannot seek).
 */
static int
skip_blank(FILE *fp, int *line)
{
	for (;;) {
		long start = ftell(fp);
		if (start < 0)
			return -errno;
		int c;
		do
			c = getc(fp);
		while (c == ' ' || c == '\t' || c == '\r');
		if (c == ';')
			while ((c = getc(fp)) != '\n' && c != EOF)
				;
		if (c == EOF)
			return ferror(fp) ? -(errno ? errno : EIO) : 0;
		if (c == '\n') {
			(*line)++;
			continue;
		}
		return fseek(fp, start, SEEK_SET) < 0 ? -errno : 1;
	}
}

static int read_file(struct loader *l, const char *path, const char *from, unsigned from_line,
		     ldns_rdf *origin, uint32_t ttl, int depth);

/*
 * Handle "$INCLUDE file [origin]" (RFC 1035 5.1), which ldns leaves to the
 * caller: a relative file is taken from the including file's directory, and
 * the origin and default TTL revert after the included file.
 * Returns 1 if the entry was an $INCLUDE, 0 if not (fp is unchanged), or an error.
 */
static int
try_include(struct loader *l, FILE *fp, const char *path, int *line, const ldns_rdf *origin,
	    uint32_t ttl, int depth)
{
	unsigned start = (unsigned)*line + 1;
	long pos = ftell(fp);
	char head[9];
	if (pos < 0)
		return fail(l, -errno, path, start, "%s", strerror(errno));
	if (fread(head, 1, sizeof(head), fp) != sizeof(head) || memcmp(head, "$INCLUDE", 8) != 0 ||
	    !isspace((unsigned char)head[8])) {
		if (fseek(fp, pos, SEEK_SET) < 0)
			return fail(l, -errno, path, start, "%s", strerror(errno));
		return 0;
	}

	char *text = NULL;
	size_t cap = 0;
	if (head[8] != '\n' && getline(&text, &cap, fp) < 0) {
		free(text);
		text = NULL;
	}
	(*line)++;
	/* file, origin, anything else is an error; ';' starts a comment */
	char *tok[3] = { NULL, NULL, NULL };
	if (text) {
		char *save = NULL, *t = strtok_r(text, " \t\r\n", &save);
		for (int i = 0; i < 3 && t && t[0] != ';'; i++) {
			tok[i] = t;
			t = strtok_r(NULL, " \t\r\n", &save);
		}
	}
	char *file = tok[0], *dom = tok[1];
	if (!file || tok[2]) {
		free(text);
		return fail(l, DNS_ESYNTAX, path, start, "$INCLUDE needs a file name and an optional origin");
	}
	if (depth >= INCLUDE_MAX_DEPTH) {
		free(text);
		return fail(l, DNS_EZONE, path, start, "$INCLUDE nested more than %d deep",
			    INCLUDE_MAX_DEPTH);
	}

	const char *slash = strrchr(path, '/');
	size_t dirlen = file[0] != '/' && slash ? (size_t)(slash - path) + 1 : 0;
	char *inc = scratch_alloc(l, dirlen + strlen(file) + 1);
	ldns_rdf *org = dom ? ldns_dname_new_frm_str(dom) : ldns_rdf_clone(origin);
	if (org && dom && !ldns_dname_str_absolute(dom) &&
	    ldns_dname_cat(org, origin) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(org);
		org = NULL;
	}
	int rc;
	if (!inc) {
		rc = fail(l, -ENOMEM, path, start, "out of memory");
	} else if (!org) {
		rc = fail(l, DNS_ESYNTAX, path, start, "bad $INCLUDE origin %s", dom ? dom : "");
	} else {
		memcpy(inc, path, dirlen);
		strcpy(inc + dirlen, file);
		rc = read_file(l, inc, path, start, org, ttl, depth + 1);
		org = NULL;
	}
	ldns_rdf_deep_free(org);
	free(text);
	return rc < 0 ? rc : 1;
}

/*
 * Read one zone file into l->recs. Takes ownership of origin. from/from_line
 * name the $INCLUDE that led here (NULL for the top-level file).
 */
static int
read_file(struct loader *l, const char *path, const char *from, unsigned from_line,
	  ldns_rdf *origin, uint32_t ttl, int depth)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		int e = errno;
		ldns_rdf_deep_free(origin);
		if (from)
			return fail(l, -e, from, from_line, "cannot open %s: %s", path, strerror(e));
		return fail(l, -e, path, 0, "cannot open: %s", strerror(e));
	}
	ldns_rdf *prev = NULL;
	int line = 0, rc;
	for (;;) {
		rc = skip_blank(fp, &line);
		if (rc < 0)
			rc = fail(l, rc, path, 0, "cannot read: %s", strerror(-rc));
		if (rc <= 0)
			break;
		unsigned start = (unsigned)line + 1;
		rc = try_include(l, fp, path, &line, origin, ttl, depth);
		if (rc < 0)
			break;
		if (rc > 0)
			continue;
		ldns_rr *rr = NULL;
		ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
		if (s == LDNS_STATUS_OK) {
			rc = add_rr(l, rr, path, start);
			ldns_rr_free(rr);
			if (rc < 0)
				break;
		} else if (s != LDNS_STATUS_SYNTAX_EMPTY && s != LDNS_STATUS_SYNTAX_TTL &&
			   s != LDNS_STATUS_SYNTAX_ORIGIN) {
			rc = fail(l, s == LDNS_STATUS_MEM_ERR ? -ENOMEM : DNS_ESYNTAX, path, start,
				  "%s", ldns_get_errorstr_by_id(s));
			break;
		}
	}
	if (!from)
		l->eof_line = (uint32_t)line;
	ldns_rdf_deep_free(prev);
	ldns_rdf_deep_free(origin);
	fclose(fp);
	return rc;
}

/* ---- building the snapshot ------------------------------------------- */

static int
rec_cmp(const void *pa, const void *pb)
{
	const struct rec *a = pa, *b = pb;
	if (a->owner != b->owner) {
		int c = dns_name_cmp(a->owner, b->owner);
		if (c)
			return c;
	}
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	int c = dns_rdata_cmp(a->canon, a->rdlen, b->canon, b->rdlen);
	if (c)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

static bool
same_owner(const struct rec *a, const struct rec *b)
{
	return a->owner == b->owner ||
	       (a->owner_len == b->owner_len && memcmp(a->owner, b->owner, a->owner_len) == 0);
}

struct pnodes {
	struct pnode *v;
	size_t n, cap;
};

static bool
pnode_push(struct pnodes *p, const uint8_t *name, size_t first, size_t end)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 256;
		struct pnode *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return false;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = (struct pnode){ .name = name, .len = (uint8_t)dns_name_len(name),
				       .first = first, .end = end };
	return true;
}

/*
 * Checks one owner's records (sorted by type, duplicates marked) and counts
 * what its node needs. CNAME rules: RFC 1034 3.6.2, RFC 2181 10.1, with the
 * DNSSEC exceptions of RFC 4035 2.5.
 */
static int
check_node(struct loader *l, const struct rec *r, size_t n, bool apex,
	   size_t *rrsets, size_t *bytes)
{
	char nbuf[1024], tbuf[16];
	uint32_t cname_first = UINT32_MAX, cname_second = UINT32_MAX, other_first = UINT32_MAX;
	const struct rec *cname = NULL, *other = NULL;
	bool has_ns = false;
	size_t types = 0, count = 0;

	for (size_t i = 0; i < n; i++) {
		if (i == 0 || r[i].type != r[i - 1].type) {
			types++;
			count = 0;
		}
		if (!r[i].dup) {
			*bytes += 2u + r[i].rdlen;
			if (++count > UINT16_MAX) {
				type_str(r[i].type, tbuf, sizeof(tbuf));
				return fail(l, DNS_EZONE, r[i].file, r[i].line,
					    "more than 65535 %s records at %s", tbuf,
					    name_str(r[i].owner, nbuf));
			}
		}
		switch (r[i].type) {
		case DNS_T_CNAME:
			if (r[i].dup)
				break;
			if (r[i].line < cname_first) {
				cname_second = cname_first;
				cname_first = r[i].line;
				cname = &r[i];
			} else if (r[i].line < cname_second) {
				cname_second = r[i].line;
			}
			break;
		case DNS_T_RRSIG:
		case DNS_T_NSEC:
			break;
		case DNS_T_NS:
			has_ns = true;
			/* fall through */
		default:
			if (r[i].line < other_first) {
				other_first = r[i].line;
				other = &r[i];
			}
		}
	}
	if (types > UINT16_MAX)
		return fail(l, DNS_EZONE, r[0].file, r[0].line, "too many types at %s",
			    name_str(r[0].owner, nbuf));
	*rrsets += types;

	if (cname && apex)
		return fail(l, DNS_EZONE, cname->file, cname->line, "CNAME at the zone apex %s",
			    name_str(cname->owner, nbuf));
	if (cname && other) {
		const struct rec *late = cname_first > other_first ? cname : other;
		return fail(l, DNS_EZONE, late->file, late->line, "CNAME and other data at %s",
			    name_str(late->owner, nbuf));
	}
	if (cname_second != UINT32_MAX) {
		for (size_t i = 0; i < n; i++)
			if (r[i].type == DNS_T_CNAME && r[i].line == cname_second)
				return fail(l, DNS_EZONE, r[i].file, r[i].line,
					    "more than one CNAME record at %s",
					    name_str(r[i].owner, nbuf));
	}
	if (apex && !has_ns)
		return fail(l, DNS_EZONE, l->soa_file, l->soa_line, "no NS records at the apex %s",
			    name_str(l->apex, nbuf));
	return 0;
}

/*
 * Group the sorted records into candidate nodes, in canonical order, adding
 * empty non-terminals. An ancestor A of owner X was already emitted exactly
 * when the previous owner is at or below A: in canonical order a name's
 * descendants follow it contiguously.
 */
static int
group_nodes(struct loader *l, struct pnodes *p, size_t *rrsets, size_t *bytes)
{
	const uint8_t *prev = NULL;
	for (size_t b = 0, e; b < l->nrec; b = e) {
		for (e = b + 1; e < l->nrec && same_owner(&l->recs[b], &l->recs[e]); e++)
			;
		const struct rec *r = &l->recs[b];
		uint8_t ofs[DNS_NAME_MAXLABELS];
		unsigned nl = 0;
		for (size_t o = 0; r->owner[o]; o += 1u + r->owner[o])
			ofs[nl++] = (uint8_t)o;
		/* ofs[i] starts the suffix with nl - i labels; ancestors below the apex: */
		unsigned apex_labels = dns_name_labels(l->apex);
		for (unsigned i = nl - apex_labels; i-- > 1;) {
			const uint8_t *anc = r->owner + ofs[i];
			if (prev && dns_name_is_sub(prev, anc))
				continue;
			if (!pnode_push(p, anc, b, b))
				return fail(l, -ENOMEM, r->file, r->line, "out of memory");
		}
		bool apex = r->owner_len == l->apex_len && memcmp(r->owner, l->apex, l->apex_len) == 0;
		int rc = check_node(l, r, e - b, apex, rrsets, bytes);
		if (rc < 0)
			return rc;
		if (!pnode_push(p, r->owner, b, e))
			return fail(l, -ENOMEM, r->file, r->line, "out of memory");
		prev = r->owner;
	}
	return 0;
}

static size_t
align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Flags, parent, cut and wildcard links; nodes are in canonical order, so parents come first. */
static void
link_nodes(struct dns_zone *z)
{
	for (size_t i = 0; i < z->node_count; i++) {
		struct dns_node *n = &z->nodes[i];
		if (n->rrset_count == 0)
			n->flags |= DNS_NODE_ENT;
		if (n->name[0] == 1 && n->name[1] == '*')
			n->flags |= DNS_NODE_WILD;
		if (i == 0) {
			n->flags |= DNS_NODE_APEX;
			continue;
		}
		if (dns_node_rrset(n, DNS_T_NS))
			n->flags |= DNS_NODE_DELEG;
		const struct name_slot *ps = table_find(&z->index, n->name + 1 + n->name[0],
							n->name_len - 1u - n->name[0]);
		struct dns_node *parent = &z->nodes[ps->idx];
		n->parent = parent;
		if (parent->cut) {
			n->flags |= DNS_NODE_NONAUTH;
			n->cut = parent->cut;
		} else if (n->flags & DNS_NODE_DELEG) {
			n->cut = n;
		}
		if (n->flags & DNS_NODE_WILD)
			parent->wildcard = n;
	}
}

static int
build(struct loader *l, const char *path, struct dns_zone **out)
{
	char abuf[1024];
	if (!l->soa_file)
		return fail(l, DNS_EZONE, path, l->eof_line ? l->eof_line : 1,
			    "no SOA record for the zone %s", name_str(l->apex, abuf));

	qsort(l->recs, l->nrec, sizeof(*l->recs), rec_cmp);
	for (size_t i = 1; i < l->nrec; i++) {
		const struct rec *a = &l->recs[i - 1];
		struct rec *b = &l->recs[i];
		b->dup = a->type == b->type && same_owner(a, b) &&
			 dns_rdata_cmp(a->canon, a->rdlen, b->canon, b->rdlen) == 0;
	}

	struct pnodes p = { 0 };
	size_t nrrsets = 0, nbytes = 0;
	int rc = group_nodes(l, &p, &nrrsets, &nbytes);
	if (rc < 0) {
		free(p.v);
		return rc;
	}
	for (size_t i = 0; i < p.n; i++)
		nbytes += p.v[i].len;

	size_t nslots = table_size(p.n);
	size_t off_nodes = align_up(sizeof(struct dns_zone), alignof(struct dns_node));
	size_t off_rrsets = align_up(off_nodes + p.n * sizeof(struct dns_node),
				     alignof(struct dns_rrset));
	size_t off_slots = align_up(off_rrsets + nrrsets * sizeof(struct dns_rrset),
				    alignof(struct name_slot));
	size_t off_bytes = off_slots + nslots * sizeof(struct name_slot);
	size_t off_path = off_bytes + nbytes;
	size_t total = off_path + strlen(path) + 1;
	uint8_t *block = calloc(1, total);
	if (!block) {
		free(p.v);
		return fail(l, -ENOMEM, path, 0, "out of memory");
	}

	struct dns_zone *z = (struct dns_zone *)block;
	z->refs = 1;
	z->serial = l->serial;
	z->max_ttl = l->max_ttl;
	z->node_count = p.n;
	z->nodes = (struct dns_node *)(block + off_nodes);
	z->index.slots = (struct name_slot *)(block + off_slots);
	z->index.mask = nslots - 1;
	z->path = strcpy((char *)block + off_path, path);

	struct dns_rrset *rs = (struct dns_rrset *)(block + off_rrsets);
	uint8_t *bp = block + off_bytes;
	for (size_t i = 0; i < p.n; i++) {
		const struct pnode *pn = &p.v[i];
		struct dns_node *n = &z->nodes[i];
		n->name = memcpy(bp, pn->name, pn->len);
		n->name_len = pn->len;
		n->labels = (uint8_t)dns_name_labels(pn->name);
		n->rrsets = rs;
		bp += pn->len;
		for (size_t j = pn->first; j < pn->end; j++) {
			const struct rec *r = &l->recs[j];
			if (j == pn->first || r->type != r[-1].type) {
				if (j != pn->first)
					rs++;
				*rs = (struct dns_rrset){ .type = r->type, .ttl = r->ttl, .rdata = bp };
				n->rrset_count++;
			}
			if (r->ttl < rs->ttl)
				rs->ttl = r->ttl;
			if (r->dup)
				continue;
			dns_put16(bp, r->rdlen);
			memcpy(bp + 2, r->rdata, r->rdlen);
			bp += 2u + r->rdlen;
			rs->rdlen += 2u + r->rdlen;
			rs->count++;
		}
		if (pn->end > pn->first)
			rs++;
		table_insert(&z->index, n, (uint32_t)i);
	}
	free(p.v);
	link_nodes(z);
	*out = z;
	return 0;
}

int
dns_zone_load(const char *origin, const char *path, struct dns_zone **out, char *err, size_t errlen)
{
	struct loader l = { .err = err, .errlen = err ? errlen : 0 };
	if (l.errlen)
		err[0] = '\0';
	*out = NULL;

	ldns_rdf *org = ldns_dname_new_frm_str(origin);
	if (!org || ldns_rdf_size(org) > DNS_NAME_MAXLEN) {
		ldns_rdf_deep_free(org);
		return fail(&l, DNS_ESYNTAX, path, 0, "bad origin \"%s\"", origin);
	}
	l.apex_len = dns_name_lower(l.apex, ldns_rdf_data(org));
	l.buf = ldns_buffer_new(1024);
	if (!l.buf) {
		ldns_rdf_deep_free(org);
		return fail(&l, -ENOMEM, path, 0, "out of memory");
	}

	int rc = read_file(&l, path, NULL, 0, org, ZONE_DEFAULT_TTL, 0);
	if (rc == 0)
		rc = build(&l, path, out);

	ldns_buffer_free(l.buf);
	free(l.recs);
	while (l.chunks) {
		struct chunk *c = l.chunks;
		l.chunks = c->next;
		free(c);
	}
	return rc;
}

void
dns_zone_ref(struct dns_zone *z)
{
	z->refs++;
}

void
dns_zone_unref(struct dns_zone *z)
{
	if (z && --z->refs == 0)
		free(z);
}

const struct dns_node *
dns_zone_apex(const struct dns_zone *z)
{
	return z->nodes;
}

const uint8_t *
dns_zone_name(const struct dns_zone *z)
{
	return z->nodes->name;
}

uint32_t
dns_zone_serial(const struct dns_zone *z)
{
	return z->serial;
}

bool
dns_rrset_has(const struct dns_rrset *rs, const uint8_t *rdata, size_t len)
{
	uint32_t pos = 0;
	uint16_t l;
	for (const uint8_t *rd; (rd = dns_rrset_next(rs, &pos, &l));)
		if (l == len && memcmp(rd, rdata, len) == 0)
			return true;
	return false;
}

uint32_t
dns_zone_max_ttl(const struct dns_zone *z)
{
	return z->max_ttl;
}

size_t
dns_zone_node_count(const struct dns_zone *z)
{
	return z->node_count;
}

const char *
dns_zone_path(const struct dns_zone *z)
{
	return z->path;
}

int
dns_zone_lookup(const struct dns_zone *z, const struct dns_name *name, struct dns_lookup *out)
{
	const struct dns_node *apex = z->nodes;
	if (name->labels < apex->labels)
		return DNS_ENOTFOUND;
	unsigned top = name->labels - apex->labels; /* label index where the apex starts */
	size_t aofs = suffix_ofs(name, top);
	if (name->len - aofs != apex->name_len ||
	    memcmp(name->lwire + aofs, apex->name, apex->name_len) != 0)
		return DNS_ENOTFOUND;

	const struct dns_node *n = apex;
	if (top > 0) {
		const struct name_slot *s = table_find(&z->index, name->lwire, name->len);
		n = s ? s->node : NULL;
	}
	if (n) {
		out->node = out->encloser = n;
		out->cut = n->cut;
		return 0;
	}
	/*
	 * Every ancestor of a node down to the apex exists (empty non-terminals
	 * are nodes), so the suffixes that exist are exactly those from the apex
	 * up to the closest encloser: binary search between a suffix known to
	 * exist (good) and one known not to (bad).
	 */
	const struct dns_node *enc = apex;
	unsigned good = top, bad = 0;
	while (good - bad > 1) {
		unsigned mid = bad + (good - bad) / 2;
		size_t o = name->lofs[mid];
		const struct name_slot *s = table_find(&z->index, name->lwire + o, name->len - o);
		if (s) {
			good = mid;
			enc = s->node;
		} else {
			bad = mid;
		}
	}
	out->node = NULL;
	out->encloser = enc;
	out->cut = enc->cut;
	return 0;
}

const struct dns_rrset *
dns_node_rrset(const struct dns_node *n, uint16_t type)
{
	for (uint16_t i = 0; i < n->rrset_count; i++) {
		if (n->rrsets[i].type == type)
			return &n->rrsets[i];
		if (n->rrsets[i].type > type)
			break;
	}
	return NULL;
}

/* ---- zone sets -------------------------------------------------------- */

struct dns_zoneset *
dns_zoneset_new(struct dns_zone *const *zones, size_t n)
{
	size_t nslots = table_size(n);
	size_t off_slots = align_up(sizeof(struct dns_zoneset) + n * sizeof(zones[0]),
				    alignof(struct name_slot));
	struct dns_zoneset *zs = calloc(1, off_slots + nslots * sizeof(struct name_slot));
	if (!zs)
		return NULL;
	zs->index.slots = (struct name_slot *)((uint8_t *)zs + off_slots);
	zs->index.mask = nslots - 1;
	for (size_t i = 0; i < n; i++) {
		const struct dns_node *apex = dns_zone_apex(zones[i]);
		if (!table_insert(&zs->index, apex, (uint32_t)i)) {
			free(zs);
			return NULL;
		}
		zs->zones[i] = zones[i];
		zs->depths[apex->labels >> 6] |= UINT64_C(1) << (apex->labels & 63);
		if (apex->labels > zs->max_depth)
			zs->max_depth = apex->labels;
	}
	for (size_t i = 0; i < n; i++)
		dns_zone_ref(zones[i]);
	zs->count = n;
	return zs;
}

void
dns_zoneset_free(struct dns_zoneset *zs)
{
	if (!zs)
		return;
	for (size_t i = 0; i < zs->count; i++)
		dns_zone_unref(zs->zones[i]);
	free(zs);
}

size_t
dns_zoneset_count(const struct dns_zoneset *zs)
{
	return zs->count;
}

struct dns_zone *
dns_zoneset_at(const struct dns_zoneset *zs, size_t i)
{
	return i < zs->count ? zs->zones[i] : NULL;
}

const struct dns_zone *
dns_zoneset_find(const struct dns_zoneset *zs, const struct dns_name *name, size_t *idx)
{
	/* Probe only the suffix lengths some apex has, longest first. */
	unsigned d = name->labels < zs->max_depth ? name->labels : zs->max_depth;
	for (;; d--) {
		if (zs->depths[d >> 6] >> (d & 63) & 1) {
			size_t o = suffix_ofs(name, name->labels - d);
			const struct name_slot *s = table_find(&zs->index, name->lwire + o,
								name->len - o);
			if (s) {
				if (idx)
					*idx = s->idx;
				return zs->zones[s->idx];
			}
		}
		if (d == 0)
			return NULL;
	}
}
