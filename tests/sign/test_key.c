/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sign/key, sign/keyfile and sign/ds: fixtures from ldns-keygen,
 * dnssec-keygen and the RFCs load, key tags and DS match the tools, keys
 * round-trip through files, generated keys work in ldns, and every broken
 * key file gives its documented error.
 */
#include <errno.h>
#include <time.h>

#include <ldns/ldns.h>

#include "../tap.h"
#include "dns/err.h"
#include "dns/name.h"
#include "sign/ds.h"
#include "sign/keyfile.h"
#include "sign/rrsig.h"
#include "helpers.h"

static uint8_t zone_com[DNS_NAME_MAXLEN], zone_net[DNS_NAME_MAXLEN];

struct fix {
	const char *sub, *base;
	uint8_t alg;
	uint16_t tag, flags;
	const uint8_t *zone;
};

static const struct fix fixtures[] = {
	{ "ldns", "Kexample.com.+013+48596", 13, 48596, 256, zone_com },
	{ "ldns", "Kexample.com.+015+21321", 15, 21321, 257, zone_com },
	{ "ldns", "Kexample.com.+008+61713", 8, 61713, 256, zone_com },
	{ "bind", "Kexample.com.+013+55434", 13, 55434, 256, zone_com },
	{ "bind", "Kexample.com.+015+22313", 15, 22313, 257, zone_com },
	{ "bind", "Kexample.com.+008+20955", 8, 20955, 256, zone_com },
	{ "bind", "Kexample.com.+008+62140", 8, 62140, 257, zone_com }, /* 4096 bits */
	{ "rfc", "Kexample.com.+015+03613", 15, 3613, 257, zone_com },
	{ "rfc", "Kexample.com.+015+35217", 15, 35217, 257, zone_com },
	{ "rfc", "Kexample.net.+013+55648", 13, 55648, 257, zone_net },
	{ "rfc", "Kexample.net.+008+09033", 8, 9033, 256, zone_net },
};
#define NFIX (sizeof(fixtures) / sizeof(fixtures[0]))

static char err[512];

static struct sign_key *
load(const char *dir, const char *base, const uint8_t *zone, unsigned opts, int *rc)
{
	char path[4096];
	struct sign_key *k = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, base);
	err[0] = 0;
	*rc = sign_keyfile_load(path, zone, opts, &k, err, sizeof(err));
	return *rc == 0 ? k : NULL;
}

/* Sign a one-RR A RRset with k and verify it with pub. */
static bool
signs_and_verifies(const struct sign_key *k, const struct sign_key *pub)
{
	static const uint8_t rdata[] = { 0, 4, 192, 0, 2, 1 };
	uint8_t owner[DNS_NAME_MAXLEN], scratch[2048], sig[1024];
	struct sign_signer *s;
	bool ok = false;

	dns_name_from_str("www.example.com", owner, sizeof(owner));
	struct sign_rrset_ref rr = { owner, dns_name_len(owner), 1, 1, 300, sizeof(rdata), rdata };
	if (sign_signer_new(k, &s) < 0)
		return false;
	int n = sign_rrsig(s, &rr, 1000, 2000, scratch, sizeof(scratch), sig, sizeof(sig));
	ok = n > 0 && (size_t)n == sign_signer_rrsig_len(s) &&
	     sign_rrsig_verify(pub, &rr, sig, (size_t)n, scratch, sizeof(scratch)) == 0;
	sign_signer_free(s);
	return ok;
}

/* "tag alg type hex" of DS RDATA. */
static void
ds_text(const uint8_t *ds, int len, char *out)
{
	char h[2 * 48 + 1];

	hex(ds + 4, (size_t)len - 4, h);
	sprintf(out, "%u %u %u %s", ds[0] << 8 | ds[1], ds[2], ds[3], h);
}

/* Every key fixture loads; tags, algorithms, flags and DS agree with the tools. */
static void
test_fixtures(const char *dir)
{
	char *dstxt = slurp(fixture("ds.txt"));

	ok(dstxt != NULL, "ds.txt readable");
	for (size_t i = 0; i < NFIX; i++) {
		const struct fix *f = &fixtures[i];
		int rc;
		ok(copy_pair(f->sub, f->base, dir) == 0, "%s/%s copied", f->sub, f->base);
		struct sign_key *k = load(dir, f->base, f->zone, 0, &rc);
		is_int(rc, 0, "%s/%s loads", f->sub, f->base);
		if (!k) {
			diag("%s", err);
			continue;
		}
		is_int(sign_key_tag(k), f->tag, "%s: key tag equals the file name's", f->base);
		is_int(sign_key_alg(k), f->alg, "%s: algorithm", f->base);
		is_int(sign_key_flags(k), f->flags, "%s: flags", f->base);
		ok(sign_key_has_private(k), "%s: has its private key", f->base);
		ok(dns_name_equal(sign_key_owner(k), f->zone), "%s: owner", f->base);
		size_t dlen;
		const uint8_t *rd = sign_key_dnskey(k, &dlen);
		is_int(sign_keytag(rd, dlen), f->tag, "%s: sign_keytag of the DNSKEY RDATA", f->base);
		for (int dt = 2; dt <= 4; dt += 2) {
			uint8_t ds[SIGN_DS_MAXLEN];
			char want[256], line[512], got[256];
			int n = sign_key_ds(k, (uint8_t)dt, ds, sizeof(ds));
			ok(n == (dt == 2 ? 36 : 52), "%s: DS digest type %d length", f->base, dt);
			ds_text(ds, n, got);
			snprintf(line, sizeof(line), "%s/%s.key\t", f->sub, f->base);
			want[0] = 0;
			for (const char *p = dstxt ? strstr(dstxt, line) : NULL; p;
			     p = strstr(p + 1, line)) {
				/* "<file>\t<owner>\t3600\tIN\tDS\t<tag> <alg> <type> <hex>" */
				const char *ds_at = strstr(p, "\tDS\t");
				unsigned t, a, y;
				char hx[200];
				if (ds_at && sscanf(ds_at + 4, "%u %u %u %199s", &t, &a, &y, hx) == 4 &&
				    (int)y == dt)
					snprintf(want, sizeof(want), "%u %u %u %s", t, a, y, hx);
			}
			is_str(got, want, "%s: DS type %d equals ldns-key2ds", f->base, dt);
		}
		ok(signs_and_verifies(k, k), "%s: signs and verifies", f->base);
		sign_key_free(k);
	}
	free(dstxt);
}

/* Published values from the RFCs themselves. */
static void
test_rfc_values(const char *dir)
{
	int rc;
	uint8_t ds[SIGN_DS_MAXLEN];
	char got[256];
	struct sign_key *k = load(dir, "Kexample.com.+015+03613", zone_com, 0, &rc);

	ok(k != NULL, "RFC 8080 key loads");
	if (k) {
		ds_text(ds, sign_key_ds(k, 2, ds, sizeof(ds)), got);
		is_str(got, "3613 15 2 3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79a304b",
		       "RFC 8080 6.1 DS");
		sign_key_free(k);
	}
	k = load(dir, "Kexample.net.+013+55648", zone_net, 0, &rc);
	ok(k != NULL, "RFC 6605 key loads");
	if (k) {
		ds_text(ds, sign_key_ds(k, 2, ds, sizeof(ds)), got);
		is_str(got, "55648 13 2 b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17",
		       "RFC 6605 6.1 DS");
		sign_key_free(k);
	}
	k = load(dir, "Kexample.net.+008+09033", zone_net, 0, &rc);
	ok(k != NULL, "RFC 5702 key loads");
	if (k) {
		is_int(sign_key_tag(k), 9033, "RFC 5702 6.1 key tag");
		sign_key_free(k);
	}
}

/* The value of "Field: " in a file's text, as a string (static buffer). */
static const char *
field(const char *text, const char *name)
{
	static char v[64];
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "\n%s: ", name);
	p = text ? strstr(text, key) : NULL;
	if (!p || sscanf(p + strlen(key), "%63s", v) != 1)
		return "";
	return v;
}

/* BIND timing metadata is parsed, written back and survives a round trip. */
static void
test_timing_roundtrip(const char *dir, const char *out)
{
	char path[4096];
	int rc;
	struct sign_key *k = load(dir, "Kexample.com.+013+55434", zone_com, 0, &rc);

	ok(k != NULL, "BIND key loads");
	if (!k)
		return;
	snprintf(path, sizeof(path), "%s/Kexample.com.+013+55434.private", dir);
	char *orig = slurp(path);
	const struct sign_key_timing *t = sign_key_timing(k);
	ok(t->created != 0 && t->created == utc(field(orig, "Created")), "Created parsed");
	ok(t->publish == utc(field(orig, "Publish")), "Publish parsed");
	ok(t->activate == utc(field(orig, "Activate")), "Activate parsed");
	ok(t->inactive == 0 && t->remove == 0 && t->revoke == 0, "unset times are 0");

	struct sign_key_timing nt = *t;
	nt.inactive = utc("20300101000000");
	nt.remove = utc("20300201120000");
	nt.sync_publish = utc("20240229235959");
	sign_key_set_timing(k, &nt);
	is_int(sign_keyfile_write(k, out, false, err, sizeof(err)), 0, "written");
	snprintf(path, sizeof(path), "%s/Kexample.com.+013+55434.private", out);
	char *text = slurp(path);
	is_str(field(text, "Inactive"), "20300101000000", "Inactive written");
	is_str(field(text, "Delete"), "20300201120000", "Delete written");
	is_str(field(text, "SyncPublish"), "20240229235959", "SyncPublish written");
	is_str(field(text, "Created"), field(orig, "Created"), "Created written back");
	is_str(field(text, "PrivateKey"), field(orig, "PrivateKey"), "same private key");
	struct sign_key *k2 = load(out, "Kexample.com.+013+55434", zone_com, 0, &rc);
	is_int(rc, 0, "written key reloads");
	if (k2) {
		ok(memcmp(sign_key_timing(k2), &nt, sizeof(nt)) == 0, "timing survives");
		ok(signs_and_verifies(k2, k), "reloaded key signs for the original key");
		sign_key_free(k2);
	}
	free(text);
	free(orig);
	sign_key_free(k);
}

static mode_t
mode_of(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 ? st.st_mode & 07777 : 0;
}

/* Written files: modes, exclusive creation, replacement, lines kept, same fields. */
static void
test_write(const char *dir, const char *out)
{
	static const char extra[] = "Successor: 12345\nLifetime: 86400\n";
	char path[4096], path2[4096];
	int rc;

	for (size_t i = 0; i < NFIX; i++) {
		const struct fix *f = &fixtures[i];
		struct sign_key *k = load(dir, f->base, f->zone, 0, &rc);
		if (!k)
			continue;
		is_int(sign_keyfile_write(k, out, true, err, sizeof(err)), 0, "%s written", f->base);
		struct sign_key *k2 = load(out, f->base, f->zone, 0, &rc);
		is_int(rc, 0, "%s reloads", f->base);
		if (k2) {
			size_t a, b;
			const uint8_t *ra = sign_key_dnskey(k, &a), *rb = sign_key_dnskey(k2, &b);
			ok(a == b && memcmp(ra, rb, a) == 0, "%s: same DNSKEY", f->base);
			ok(signs_and_verifies(k2, k), "%s: same private key", f->base);
			sign_key_free(k2);
		}
		/* Same key fields as the tool wrote. */
		snprintf(path, sizeof(path), "%s/%s.private", dir, f->base);
		char *a = slurp(path);
		snprintf(path, sizeof(path), "%s/%s.private", out, f->base);
		char *b = slurp(path);
		const char *names[] = { "PrivateKey", "Modulus", "PublicExponent", "PrivateExponent",
					"Prime1", "Prime2", "Exponent1", "Exponent2", "Coefficient" };
		bool same = a && b;
		for (size_t n = 0; same && n < sizeof(names) / sizeof(names[0]); n++) {
			char fa[64];
			snprintf(fa, sizeof(fa), "%s", field(a, names[n]));
			same = strcmp(fa, field(b, names[n])) == 0;
		}
		/* ldns writes P-256 scalars without leading zero octets; compare those by value. */
		ok(same || (f->alg == 13 && strcmp(f->sub, "ldns") == 0),
		   "%s: private fields as the tool wrote them", f->base);
		free(a);
		free(b);
		sign_key_free(k);
	}
	is_int(mode_of(out, "Kexample.com.+013+48596.private"), 0600, "private file is 0600");
	is_int(mode_of(out, "Kexample.com.+013+48596.key"), 0644, "public file is 0644");

	struct sign_key *k = load(dir, "Kexample.com.+013+48596", zone_com, 0, &rc);
	if (!k)
		return;
	is_int(sign_keyfile_write(k, out, false, err, sizeof(err)), -EEXIST,
	       "exclusive write refuses an existing pair");
	ok(strstr(err, "Kexample.com.+013+48596.private: already exists") != NULL, "error: %s", err);
	snprintf(path, sizeof(path), "%s/Kexample.com.+013+48596.private", out);
	unlink(path);
	is_int(sign_keyfile_write(k, out, false, err, sizeof(err)), -EEXIST,
	       "exclusive write refuses an existing .key");
	ok(access(path, F_OK) != 0, "and leaves no .private behind");
	is_int(sign_keyfile_write(k, out, true, err, sizeof(err)), 0, "replace writes over");

	/* A replacement that fails leaves the .private, whose timing counts, as it was. */
	struct sign_key_timing tm = { .inactive = 1700000000 };
	sign_key_set_timing(k, &tm);
	unlink(path);
	mkdir(path, 0700);
	ok(sign_keyfile_write(k, out, true, err, sizeof(err)) < 0, "replace onto a directory fails");
	snprintf(path2, sizeof(path2), "%s/Kexample.com.+013+48596.key", out);
	char *keytext = slurp(path2);
	ok(keytext && strstr(keytext, "; Inactive: 20231114221320") != NULL,
	   "  the .key (timing only in comments) was replaced first");
	free(keytext);
	rmdir(path);
	is_int(sign_keyfile_write(k, out, true, err, sizeof(err)), 0, "  then it succeeds");
	sign_key_free(k);

	/* Lines of the private file this module does not interpret are kept. */
	snprintf(path, sizeof(path), "%s/Kexample.com.+015+21321.private", dir);
	char *text = slurp(path), *more = malloc(strlen(text ? text : "") + sizeof(extra));
	sprintf(more, "%s%s", text ? text : "", extra);
	put_file(out, "Kexample.com.+015+21321.private", more, 0600);
	snprintf(path, sizeof(path), "%s/Kexample.com.+015+21321.key", dir);
	char *pub = slurp(path);
	put_file(out, "Kexample.com.+015+21321.key", pub ? pub : "", 0644);
	k = load(out, "Kexample.com.+015+21321", zone_com, 0, &rc);
	is_int(rc, 0, "private file with unknown lines loads");
	if (k) {
		ok(sign_keyfile_write(k, out, true, err, sizeof(err)) == 0, "rewritten");
		snprintf(path, sizeof(path), "%s/Kexample.com.+015+21321.private", out);
		char *re = slurp(path);
		ok(re && strstr(re, extra) != NULL, "unknown lines written back");
		free(re);
		sign_key_free(k);
	}
	free(pub);
	free(more);
	free(text);
}

/* ldns loads a private file, signs with it; sigedge verifies that signature. */
static bool
ldns_signs(const char *dir, const char *base, const struct sign_key *k)
{
	char path[4096], text[256];
	ldns_key *lk = NULL;
	bool good = false;

	snprintf(path, sizeof(path), "%s/%s.private", dir, base);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return false;
	ldns_status st = ldns_key_new_frm_fp(&lk, fp);
	fclose(fp);
	if (st != LDNS_STATUS_OK) {
		diag("ldns_key_new_frm_fp: %s", ldns_get_errorstr_by_id(st));
		return false;
	}
	ldns_key_set_pubkey_owner(lk, ldns_dname_new_frm_str("example.com."));
	ldns_key_set_flags(lk, sign_key_flags(k));
	/* ldns computed the key tag when it read the file, with flags 256. */
	ldns_rr *dnskey = ldns_key2rr(lk);
	ldns_key_set_keytag(lk, ldns_calc_keytag(dnskey));
	ldns_rr_free(dnskey);
	ldns_key_set_inception(lk, 1000);
	ldns_key_set_expiration(lk, 2000);
	ldns_key_list *kl = ldns_key_list_new();
	ldns_key_list_push_key(kl, lk);
	ldns_rr_list *rrset = ldns_rr_list_new();
	ldns_rr *a = NULL;
	snprintf(text, sizeof(text), "www.example.com. 300 IN A 192.0.2.1");
	ldns_rr_new_frm_str(&a, text, 0, NULL, NULL);
	ldns_rr_list_push_rr(rrset, a);
	ldns_rr_list *sigs = ldns_sign_public(rrset, kl);
	if (sigs && ldns_rr_list_rr_count(sigs) == 1) {
		uint8_t *wire = NULL, owner[DNS_NAME_MAXLEN], scratch[2048];
		size_t wlen = 0;
		ldns_rr *sig = ldns_rr_list_rr(sigs, 0);
		ldns_rr2wire(&wire, sig, LDNS_SECTION_ANSWER, &wlen);
		/* RDATA follows owner (17 octets), type, class, TTL and RDLENGTH. */
		static const uint8_t rdata[] = { 0, 4, 192, 0, 2, 1 };
		dns_name_from_str("www.example.com", owner, sizeof(owner));
		struct sign_rrset_ref rr = { owner, 17, 1, 1, 300, sizeof(rdata), rdata };
		good = wire && wlen > 27 &&
		       sign_rrsig_verify(k, &rr, wire + 27, wlen - 27, scratch, sizeof(scratch)) == 0;
		free(wire);
	}
	ldns_rr_list_deep_free(sigs);
	ldns_rr_list_deep_free(rrset);
	ldns_key_list_free(kl);
	return good;
}

/* Generated keys: shape, files, reload, and ldns reads and signs with what we wrote. */
static void
test_generate(const char *out)
{
	static const struct {
		uint8_t alg;
		size_t dnskey_len;
	} gens[] = { { 13, 4 + 64 }, { 15, 4 + 32 }, { 8, 4 + 1 + 3 + 256 } };
	char base[512];

	for (size_t i = 0; i < sizeof(gens) / sizeof(gens[0]); i++) {
		struct sign_key *k = NULL;
		int rc = sign_key_generate(gens[i].alg, SIGN_FLAGS_KSK, zone_com, &k);
		is_int(rc, 0, "generate algorithm %u", gens[i].alg);
		if (!k)
			continue;
		size_t len;
		const uint8_t *rd = sign_key_dnskey(k, &len);
		is_int(len, gens[i].dnskey_len, "alg %u: DNSKEY RDATA length", gens[i].alg);
		ok(rd[0] == 1 && rd[1] == 1 && rd[2] == 3 && rd[3] == gens[i].alg,
		   "alg %u: flags 257, protocol 3", gens[i].alg);
		is_int(sign_key_tag(k), sign_keytag(rd, len), "alg %u: tag", gens[i].alg);
		ok(sign_key_has_private(k), "alg %u: private", gens[i].alg);
		sign_keyfile_name(k, base, sizeof(base));
		is_int(sign_keyfile_write(k, out, false, err, sizeof(err)), 0, "alg %u: written %s",
		       gens[i].alg, base);
		int lrc;
		struct sign_key *k2 = load(out, base, zone_com, 0, &lrc);
		is_int(lrc, 0, "alg %u: reloads", gens[i].alg);
		ok(k2 && signs_and_verifies(k2, k), "alg %u: reloaded key signs", gens[i].alg);
		ok(ldns_signs(out, base, k), "alg %u: ldns loads the .private and signs", gens[i].alg);
		sign_key_free(k2);
		sign_key_free(k);
	}
	struct sign_key *k = NULL;
	is_int(sign_key_generate(14, SIGN_FLAGS_ZSK, zone_com, &k), -ENOTSUP, "generate 14: ENOTSUP");
	is_int(sign_key_generate(13, 0, zone_com, &k), -EINVAL, "generate without zone bit: EINVAL");
}

/* Also the fixtures from the tools go through ldns' own reader. */
static void
test_ldns_reads_fixtures(const char *dir)
{
	for (size_t i = 0; i < 7; i++) {
		int rc;
		struct sign_key *k = load(dir, fixtures[i].base, zone_com, 0, &rc);
		ok(k && ldns_signs(dir, fixtures[i].base, k), "%s: ldns signature verifies here",
		   fixtures[i].base);
		sign_key_free(k);
	}
}

static void
test_public(const char *dir)
{
	int rc;
	struct sign_key *full = load(dir, "Kexample.com.+015+21321", zone_com, 0, &rc);
	struct sign_key *pub = load(dir, "Kexample.com.+015+21321.key", NULL, SIGN_KEYFILE_PUBLIC, &rc);
	struct sign_signer *s;

	ok(pub && !sign_key_has_private(pub), "SIGN_KEYFILE_PUBLIC: public-only key");
	if (!pub || !full)
		return;
	is_int(sign_signer_new(pub, &s), -EINVAL, "no signer without a private key");
	ok(signs_and_verifies(full, pub), "public-only key verifies");

	size_t len;
	const uint8_t *rd = sign_key_dnskey(full, &len);
	struct sign_key *imp = NULL;
	is_int(sign_key_from_dnskey(zone_com, rd, len, &imp), 0, "from DNSKEY RDATA");
	ok(imp && sign_key_tag(imp) == 21321 && !sign_key_has_private(imp), "imported key tag");
	ok(imp && signs_and_verifies(full, imp), "imported key verifies");
	sign_key_free(imp);
	uint8_t bad[SIGN_DNSKEY_MAXLEN];
	memcpy(bad, rd, len);
	is_int(sign_key_from_dnskey(zone_com, bad, len - 1, &imp), DNS_EMALFORMED,
	       "short Ed25519 key: EMALFORMED");
	bad[2] = 4;
	is_int(sign_key_from_dnskey(zone_com, bad, len, &imp), DNS_EMALFORMED, "protocol 4");
	bad[2] = 3;
	bad[3] = 16;
	is_int(sign_key_from_dnskey(zone_com, bad, len, &imp), -ENOTSUP, "algorithm 16");
	uint8_t offcurve[4 + 64] = { 1, 0, 3, 13 };
	memset(offcurve + 4, 0x11, 64);
	is_int(sign_key_from_dnskey(zone_com, offcurve, sizeof(offcurve), &imp), DNS_EMALFORMED,
	       "P-256 point off the curve");

	/* REVOKE: DNSKEY flags and key tag follow (RFC 5011 7: the tag changes). */
	uint16_t tag = sign_key_tag(full);
	is_int(sign_key_set_flags(full, SIGN_FLAGS_KSK | SIGN_FLAG_REVOKE), 0, "set REVOKE");
	rd = sign_key_dnskey(full, &len);
	ok(rd[0] == 0x01 && rd[1] == 0x81, "DNSKEY flags 385");
	ok(sign_key_tag(full) != tag && sign_key_tag(full) == sign_keytag(rd, len),
	   "revoked key tag %u", sign_key_tag(full));
	char name[512];
	sign_keyfile_name(full, name, sizeof(name));
	char want[64];
	snprintf(want, sizeof(want), "Kexample.com.+015+%05u", sign_key_tag(full));
	is_str(name, want, "file name follows the new tag");
	is_int(sign_key_set_flags(full, 1), -EINVAL, "flags without zone bit refused");
	sign_key_free(full);
	sign_key_free(pub);
}

/* A broken copy of a fixture pair in dir: text replaces one file of the pair. */
struct bad {
	const char *what;
	const char *base;     /* fixture (ldns/ unless it starts with "rfc/" ) */
	const char *ext;      /* file replaced: ".key" or ".private" */
	const char *text;     /* its new content */
	int rc;
	const char *message;  /* expected in err, after "<dir>/" */
};

static const struct bad bads[] = {
	{ "truncated .private (no PrivateKey)", "Kexample.com.+013+48596", ".private",
	  "Private-key-format: v1.2\nAlgorithm: 13 (ECDSAP256SHA256)\n", DNS_ETRUNC,
	  "Kexample.com.+013+48596.private:2: file ends without PrivateKey:" },
	{ "truncated .private (cut in the key)", "Kexample.com.+013+48596", ".private",
	  "Private-key-format: v1.2\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: r4LaW3Z/0Y\n",
	  DNS_ESYNTAX, "Kexample.com.+013+48596.private:3: PrivateKey is not valid base64" },
	{ "truncated RSA .private", "Kexample.com.+008+61713", ".private",
	  "Private-key-format: v1.2\nAlgorithm: 8 (RSASHA256)\nModulus: AQAB\nPublicExponent: AQAB\n",
	  DNS_ETRUNC, "Kexample.com.+008+61713.private:4: file ends without PrivateExponent:" },
	{ "empty .key", "Kexample.com.+013+48596", ".key", "; nothing here\n\n", DNS_ETRUNC,
	  "Kexample.com.+013+48596.key:3: file ends without a DNSKEY record" },
	{ "DNSKEY without key", "Kexample.com.+013+48596", ".key",
	  "example.com. IN DNSKEY 256 3 13\n", DNS_ETRUNC,
	  "Kexample.com.+013+48596.key:1: DNSKEY needs flags, protocol, algorithm and public key" },
	{ "unclosed parenthesis", "Kexample.com.+013+48596", ".key",
	  "example.com. IN DNSKEY 256 3 13 (\n ygrd\n", DNS_ETRUNC,
	  "Kexample.com.+013+48596.key:3: file ends inside parentheses" },
	{ "bad base64 in .key", "Kexample.com.+013+48596", ".key",
	  "; c\nexample.com. IN DNSKEY 256 3 13 ygrd!glYZtr\n", DNS_ESYNTAX,
	  "Kexample.com.+013+48596.key:2: public key is not valid base64" },
	{ "bad base64 in .private", "Kexample.com.+013+48596", ".private",
	  "Private-key-format: v1.2\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: r4La*3Z/0YeTjt/GswUGQUZzgZcT4DBwNJ7n1kTxGEQ=\n",
	  DNS_ESYNTAX, "Kexample.com.+013+48596.private:3: PrivateKey is not valid base64" },
	{ "mismatched .private", "Kexample.com.+013+48596", ".private",
	  "Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: 3wBeqmk6a5PZToZWIdadONei/X+y02eZN2viHz1RfSg=\n",
	  -EINVAL, "Kexample.com.+013+48596.private:3: private key does not match the public key in " },
	{ "algorithm differs", "Kexample.com.+013+48596", ".private",
	  "Private-key-format: v1.2\nAlgorithm: 15 (ED25519)\nPrivateKey: 3y3ulgX3OGz0CjG/y+lDtzC08A/IWShQG45mIaUhBKI=\n",
	  -EINVAL, "Kexample.com.+013+48596.private:2: Algorithm 15 differs from algorithm 13 in " },
	{ "unsupported algorithm in .key", "Kexample.com.+013+48596", ".key",
	  "example.com. IN DNSKEY 256 3 14 ygrdiglYZtr/MgsATvcYpcd9LmPU6/zUXjtWe6bqLygcSU2AnCdrPsYbdAFSf4M6\n",
	  -ENOTSUP, "Kexample.com.+013+48596.key:1: algorithm 14 is not supported (8, 13 and 15 are)" },
	{ "unsupported algorithm in .private", "Kexample.com.+013+48596", ".private",
	  "Private-key-format: v1.2\nAlgorithm: 10 (RSASHA512)\nModulus: AQAB\n", -ENOTSUP,
	  "Kexample.com.+013+48596.private:2: algorithm 10 is not supported (8, 13 and 15 are)" },
	{ "key for another zone", "Kexample.com.+013+48596", ".key",
	  "example.org. IN DNSKEY 256 3 13 ygrdiglYZtr/MgsATvcYpcd9LmPU6/zUXjtWe6bqLygcSU2AnCdrPsYbdAFSf4M62GK5iq9lBuOSRlNgLoMAXg==\n",
	  -EINVAL, "Kexample.com.+013+48596.key:1: key is for example.org., not for zone example.com." },
	{ "flags without zone bit", "Kexample.com.+013+48596", ".key",
	  "example.com. IN DNSKEY 1 3 13 ygrdiglYZtr/MgsATvcYpcd9LmPU6/zUXjtWe6bqLygcSU2AnCdrPsYbdAFSf4M62GK5iq9lBuOSRlNgLoMAXg==\n",
	  -EINVAL, "Kexample.com.+013+48596.key:1: flags 1 lack the zone key bit" },
	{ "protocol not 3", "Kexample.com.+013+48596", ".key",
	  "example.com. IN DNSKEY 256 2 13 ygrdiglYZtr/MgsATvcYpcd9LmPU6/zUXjtWe6bqLygcSU2AnCdrPsYbdAFSf4M62GK5iq9lBuOSRlNgLoMAXg==\n",
	  -EINVAL, "Kexample.com.+013+48596.key:1: protocol is 2, must be 3" },
	{ "two records", "Kexample.com.+013+48596", ".key",
	  "example.com. IN DNSKEY 256 3 13 ygrdiglYZtr/MgsATvcYpcd9LmPU6/zUXjtWe6bqLygcSU2AnCdrPsYbdAFSf4M62GK5iq9lBuOSRlNgLoMAXg==\n"
	  "example.com. IN DNSKEY 256 3 13 ygrdiglYZtr/MgsATvcYpcd9LmPU6/zUXjtWe6bqLygcSU2AnCdrPsYbdAFSf4M62GK5iq9lBuOSRlNgLoMAXg==\n",
	  DNS_ESYNTAX, "Kexample.com.+013+48596.key:2: more than one record" },
	{ "not a DNSKEY", "Kexample.com.+013+48596", ".key", "example.com. IN A 192.0.2.1\n",
	  DNS_ESYNTAX, "Kexample.com.+013+48596.key:1: expected a DNSKEY or KEY record" },
	{ "file name disagrees", "Kexample.com.+013+48596", ".key",
	  "example.com. IN DNSKEY 257 3 13 ygrdiglYZtr/MgsATvcYpcd9LmPU6/zUXjtWe6bqLygcSU2AnCdrPsYbdAFSf4M62GK5iq9lBuOSRlNgLoMAXg==\n",
	  -EINVAL, "Kexample.com.+013+48596: file name says algorithm 13 and key tag 48596, the key has algorithm 13 and key tag 48597" },
	{ "bad time", "Kexample.com.+013+48596", ".private",
	  "Private-key-format: v1.2\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: r4LaW3Z/0YeTjt/GswUGQUZzgZcT4DBwNJ7n1kTxGEQ=\nActivate: 20250230000000\n",
	  DNS_ESYNTAX, "Kexample.com.+013+48596.private:4: Activate must be a time YYYYMMDDHHMMSS (UTC), not \"20250230000000\"" },
	{ "field twice", "Kexample.com.+013+48596", ".private",
	  "Private-key-format: v1.2\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: r4LaW3Z/0YeTjt/GswUGQUZzgZcT4DBwNJ7n1kTxGEQ=\nPrivateKey: r4LaW3Z/0YeTjt/GswUGQUZzgZcT4DBwNJ7n1kTxGEQ=\n",
	  DNS_ESYNTAX, "Kexample.com.+013+48596.private:4: PrivateKey given twice" },
	{ "format v2", "Kexample.com.+013+48596", ".private",
	  "Private-key-format: v2.0\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: r4LaW3Z/0YeTjt/GswUGQUZzgZcT4DBwNJ7n1kTxGEQ=\n",
	  DNS_ESYNTAX, "Kexample.com.+013+48596.private:1: Private-key-format v2.0 is not supported (v1.x is)" },
	{ "no format line", "Kexample.com.+013+48596", ".private",
	  "Algorithm: 13 (ECDSAP256SHA256)\nPrivateKey: r4LaW3Z/0YeTjt/GswUGQUZzgZcT4DBwNJ7n1kTxGEQ=\n",
	  DNS_ETRUNC, "Kexample.com.+013+48596.private:2: file ends without Private-key-format" },
	{ "line without a field", "Kexample.com.+013+48596", ".private",
	  "Private-key-format: v1.2\nAlgorithm 13\n", DNS_ESYNTAX,
	  "Kexample.com.+013+48596.private:2: expected \"Field: value\"" },
	{ "RSA field in an ECDSA file", "Kexample.com.+013+48596", ".private",
	  "Private-key-format: v1.2\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: r4LaW3Z/0YeTjt/GswUGQUZzgZcT4DBwNJ7n1kTxGEQ=\nModulus: AQAB\n",
	  DNS_ESYNTAX, "Kexample.com.+013+48596.private:4: Modulus: does not belong to a ECDSAP256SHA256 key" },
	{ "short Ed25519 private key", "Kexample.com.+015+21321", ".private",
	  "Private-key-format: v1.2\nAlgorithm: 15 (ED25519)\nPrivateKey: 3y3ulgX3OGz0CjG/y+lDtzC08A/IWShQG45mIaUhBA==\n",
	  DNS_ESYNTAX, "Kexample.com.+015+21321.private:3: PrivateKey must be 32 octets, not 31" },
	{ "P-256 scalar zero", "Kexample.com.+013+48596", ".private",
	  "Private-key-format: v1.2\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
	  -EINVAL, "Kexample.com.+013+48596.private:3: PrivateKey is not a valid ECDSAP256SHA256 private key" },
};

/* RSA fields that do not belong together (OpenSSL would sign correctly through the CRT values). */
static void
test_bad_rsa(const char *dir)
{
	static const char *const fields[] = { "PrivateExponent: ", "Exponent1: ", "Coefficient: " };
	char path[4096], want[4200];
	int rc;

	snprintf(path, sizeof(path), "%s/Kexample.net.+008+09033.private", dir);
	snprintf(want, sizeof(want), "%s:3: the RSA fields do not form a valid key", path);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		copy_pair("rfc", "Kexample.net.+008+09033", dir);
		char *text = slurp(path);
		char *v = text ? strstr(text, fields[i]) : NULL;
		if (v) {
			v += strlen(fields[i]);
			*v = *v == 'A' ? 'B' : 'A';
			put_file(dir, "Kexample.net.+008+09033.private", text, 0600);
		}
		struct sign_key *k = load(dir, "Kexample.net.+008+09033", zone_net, 0, &rc);
		is_int(rc, -EINVAL, "RSA %sbroken: EINVAL", fields[i]);
		ok(v && k == NULL && strcmp(err, want) == 0, "message: %s", err);
		sign_key_free(k);
		free(text);
	}
	copy_pair("rfc", "Kexample.net.+008+09033", dir);
}

static void
test_bad(const char *dir)
{
	int rc;

	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		char name[256], want[1024];
		copy_pair("ldns", b->base, dir);
		snprintf(name, sizeof(name), "%s%s", b->base, b->ext);
		put_file(dir, name, b->text, strcmp(b->ext, ".private") == 0 ? 0600 : 0644);
		struct sign_key *k = load(dir, b->base, zone_com, 0, &rc);
		is_int(rc, b->rc, "%s: code", b->what);
		snprintf(want, sizeof(want), "%s/%s", dir, b->message);
		ok(k == NULL && strncmp(err, want, strlen(want)) == 0, "%s: message", b->what);
		if (strncmp(err, want, strlen(want)) != 0)
			diag("got  %s\n# want %s", err, want);
		sign_key_free(k);
		copy_pair("ldns", b->base, dir);
	}

	/* Permissions: group- or other-readable private files are refused. */
	char path[4096], want[4200];
	snprintf(path, sizeof(path), "%s/Kexample.com.+013+48596.private", dir);
	chmod(path, 0640);
	struct sign_key *k = load(dir, "Kexample.com.+013+48596", zone_com, 0, &rc);
	is_int(rc, -EACCES, "private file 0640: EACCES");
	snprintf(want, sizeof(want),
		 "%s: mode 0640 gives group or others access to a private key; it must be 0600",
		 path);
	ok(k == NULL && strncmp(err, want, strlen(want)) == 0, "mode message: %s", err);
	chmod(path, 0604);
	is_int(sign_keyfile_load(path, zone_com, 0, &k, err, sizeof(err)), -EACCES,
	       "private file 0604: EACCES");
	is_int(sign_keyfile_load(path, zone_com, SIGN_KEYFILE_PUBLIC, &k, err, sizeof(err)), 0,
	       "public-only load does not read the .private");
	sign_key_free(k);
	chmod(path, 0600);
	unlink(path);
	k = load(dir, "Kexample.com.+013+48596", zone_com, 0, &rc);
	is_int(rc, -ENOENT, "missing .private: ENOENT");
	ok(strstr(err, "Kexample.com.+013+48596.private: No such file") != NULL, "%s", err);
	copy_pair("ldns", "Kexample.com.+013+48596", dir);

	/* A KEY record (dnssec-keygen -T KEY -n ZONE, for SIG(0)) reads as the same key. */
	struct sign_key *dnskey = load(dir, "Kexample.com.+013+48596.key", zone_com,
				       SIGN_KEYFILE_PUBLIC, &rc);
	put_file(dir, "Kexample.com.+013+48596.key",
		 "example.com. 3600 IN KEY 256 3 13 ygrdiglYZtr/MgsATvcYpcd9LmPU6/zUXjtWe6bqLygcSU2AnCdrPsYbdAFSf4M62GK5iq9lBuOSRlNgLoMAXg==\n",
		 0644);
	struct sign_key *key = load(dir, "Kexample.com.+013+48596.key", zone_com,
				    SIGN_KEYFILE_PUBLIC, &rc);
	size_t l1 = 0, l2 = 0;
	const uint8_t *r1 = dnskey ? sign_key_dnskey(dnskey, &l1) : NULL;
	const uint8_t *r2 = key ? sign_key_dnskey(key, &l2) : NULL;
	ok(rc == 0 && r1 && r2 && l1 == l2 && memcmp(r1, r2, l1) == 0,
	   "a KEY record loads as the DNSKEY of the same key (%s)", rc ? err : "ok");
	sign_key_free(dnskey);
	sign_key_free(key);
	copy_pair("ldns", "Kexample.com.+013+48596", dir);
	test_bad_rsa(dir);
}

int
main(void)
{
	const char *d = tmpdir();
	char dir[64], out[64];

	dns_name_from_str("example.com", zone_com, sizeof(zone_com));
	dns_name_from_str("example.net", zone_net, sizeof(zone_net));
	snprintf(dir, sizeof(dir), "%s", d ? d : "");
	d = tmpdir();
	snprintf(out, sizeof(out), "%s", d ? d : "");
	if (!dir[0] || !out[0]) {
		printf("Bail out! cannot create temporary directories\n");
		return 1;
	}
	test_fixtures(dir);
	test_rfc_values(dir);
	test_timing_roundtrip(dir, out);
	test_write(dir, out);
	test_ldns_reads_fixtures(dir);
	test_generate(out);
	test_public(dir);
	test_bad(dir);
	rmtree(dir);
	rmtree(out);
	return tap_done();
}
