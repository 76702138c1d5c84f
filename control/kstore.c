/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/kstore.h"
#include "dns/err.h"
#include "dns/file.h"
#include "dns/name.h"

#define IMPORTED "$imported"
#define CONTRIBUTED "$contributed"

int
ctl_kstore_path(const char *statedir, const uint8_t *apex, char *out, size_t cap)
{
	char zone[1024];

	if (dns_name_to_str(apex, zone, sizeof(zone)) < 0)
		return -EINVAL;
	if (strchr(zone, '/'))
		return -EINVAL;
	for (char *c = zone; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	/* "example.com." gives example.com.keysync, the root zone root.keysync. */
	size_t len = strlen(zone);
	if (len == 1)
		snprintf(zone, sizeof(zone), "root");
	else if (len > 1 && zone[len - 1] == '.')
		zone[len - 1] = '\0';
	int n = snprintf(out, cap, "%s/%s.keysync", statedir, zone);
	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return n;
}

void
ctl_kstore_free(struct ctl_kstore *s)
{
	ksync_recset_free(&s->imported);
	ksync_recset_free(&s->contributed);
}

/* The origin names of each set: the peers, then the set's pseudo-origin. */
static int
origin_names(const char *const *peer_names, size_t npeers, const char **imp, const char **con,
	     char *err, size_t errlen)
{
	if (npeers > CTL_KSTORE_PEERS_MAX)
		return dns_errf(err, errlen, -EINVAL, "%zu peers, at most %d", npeers,
				CTL_KSTORE_PEERS_MAX);
	for (size_t i = 0; i < KSYNC_ORIGIN_MAX; i++) {
		imp[i] = con[i] = i < npeers ? peer_names[i] : NULL;
		if (imp[i] && (strcmp(imp[i], CTL_KSTORE_SELF_NAME) == 0 ||
			       strcmp(imp[i], CTL_KSTORE_OWNER_NAME) == 0))
			return dns_errf(err, errlen, -EINVAL, "peer name '%s' is reserved", imp[i]);
	}
	imp[CTL_KSTORE_OWNER] = CTL_KSTORE_OWNER_NAME;
	con[CTL_KSTORE_SELF] = CTL_KSTORE_SELF_NAME;
	return 0;
}

/* Read the whole file; -ENOENT when it does not exist. */
static int
read_file(const char *path, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf = NULL;

	if (fd < 0)
		return -errno;
	for (;;) {
		if (!buf || n == cap) {
			char *b = realloc(buf, buf ? cap *= 2 : cap);
			if (!b) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = b;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int rc = -errno;
			free(buf);
			close(fd);
			return rc;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*text = buf;
	*len = n;
	return 0;
}

/* One section of the file: its text and the number of the line before it. */
struct section {
	const char *text;
	size_t len;
	unsigned line0;
};

/* Is the line (len octets) the directive d, trailing white space aside? */
static bool
is_directive(const char *s, size_t len, const char *d)
{
	size_t dl = strlen(d);
	if (len < dl || memcmp(s, d, dl) != 0)
		return false;
	for (size_t i = dl; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

/* Find the two sections; what comes before $imported must be comments or empty. */
static int
split_sections(const char *path, const char *text, size_t len, struct section *imp,
	       struct section *con, char *err, size_t errlen)
{
	unsigned line = 0, seen = 0;
	size_t pos = 0;

	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - s) : len - pos;
		line++;
		if (seen == 0 && is_directive(s, l, IMPORTED)) {
			*imp = (struct section){ .text = s + l + (nl != NULL), .line0 = line };
			seen = 1;
		} else if (seen == 1 && is_directive(s, l, CONTRIBUTED)) {
			imp->len = (size_t)(s - imp->text);
			*con = (struct section){ .text = s + l + (nl != NULL), .line0 = line };
			seen = 2;
		} else if (l && s[0] == '$') {
			return dns_errf(err, errlen, DNS_ESYNTAX, "%s:%u: unexpected '%.*s'", path,
					line, (int)(l < 40 ? l : 40), s);
		} else if (seen == 0) {
			size_t lead = strspn(s, " \t\r");
			if (lead < l && s[lead] != ';')
				return dns_errf(err, errlen, DNS_ESYNTAX,
						"%s:%u: record before " IMPORTED, path, line);
		}
		pos += l + 1;
	}
	if (seen < 2)
		return dns_errf(err, errlen, DNS_ESYNTAX, "%s:%u: no %s line", path,
				line ? line : 1, seen ? CONTRIBUTED : IMPORTED);
	con->len = (size_t)(text + len - con->text);
	return 0;
}

/* Parse one section, turning recset's "LINE: reason" into "PATH:LINE: reason". */
static int
parse_section(const char *path, const uint8_t *apex, const struct section *sec,
	      const char **names, struct ksync_recset *out, size_t *unknown, char *err,
	      size_t errlen)
{
	char msg[512] = "";
	int rc = ksync_recset_parse(sec->text, sec->len, apex, names, KSYNC_ORIGIN_MAX, out,
				    unknown, msg, sizeof(msg));
	if (rc == -ENOMEM)
		return dns_errf(err, errlen, rc, "%s: out of memory", path);
	if (rc) {
		char *end;
		unsigned long line = strtoul(msg, &end, 10);
		return dns_errf(err, errlen, rc, "%s:%lu%s", path, line + sec->line0, end);
	}
	return 0;
}

int
ctl_kstore_load(const char *path, const uint8_t *apex, const char *const *peer_names,
		size_t npeers, struct ctl_kstore *out, size_t *unknown, char *err,
		size_t errlen)
{
	const char *imp_names[KSYNC_ORIGIN_MAX], *con_names[KSYNC_ORIGIN_MAX];
	struct ctl_kstore st = { 0 };
	struct section imp, con;
	size_t len = 0, unk_imp = 0, unk_con = 0;
	char *text = NULL;

	int rc = origin_names(peer_names, npeers, imp_names, con_names, err, errlen);
	if (rc)
		return rc;
	rc = read_file(path, &text, &len);
	if (rc == -ENOENT) {
		ctl_kstore_free(out);
		if (unknown)
			*unknown = 0;
		return 0;
	}
	if (rc)
		return dns_errf(err, errlen, rc, "%s: %s", path, dns_strerror(rc));
	rc = split_sections(path, text, len, &imp, &con, err, errlen);
	if (rc == 0)
		rc = parse_section(path, apex, &imp, imp_names, &st.imported, &unk_imp, err,
				   errlen);
	if (rc == 0)
		rc = parse_section(path, apex, &con, con_names, &st.contributed, &unk_con, err,
				   errlen);
	free(text);
	if (rc) {
		ctl_kstore_free(&st);
		return rc;
	}
	ctl_kstore_free(out);
	*out = st;
	if (unknown)
		*unknown = unk_imp + unk_con;
	return 0;
}

int
ctl_kstore_save(const char *path, const uint8_t *apex, const char *const *peer_names,
		size_t npeers, const struct ctl_kstore *s, char *err, size_t errlen)
{
	const char *imp_names[KSYNC_ORIGIN_MAX], *con_names[KSYNC_ORIGIN_MAX];
	char *imp = NULL, *con = NULL, *content = NULL, zone[1024];

	int rc = origin_names(peer_names, npeers, imp_names, con_names, err, errlen);
	if (rc)
		return rc;
	if (dns_name_to_str(apex, zone, sizeof(zone)) < 0)
		return dns_errf(err, errlen, -EINVAL, "%s: bad zone name", path);
	long r = ksync_recset_format(&s->imported, apex, imp_names, KSYNC_ORIGIN_MAX, &imp);
	if (r >= 0)
		r = ksync_recset_format(&s->contributed, apex, con_names, KSYNC_ORIGIN_MAX, &con);
	if (r >= 0) {
		r = asprintf(&content, "; sigedge multi-signer store of %s\n" IMPORTED "\n%s"
			     CONTRIBUTED "\n%s", zone, imp, con);
		if (r < 0) {
			content = NULL;
			r = -ENOMEM;
		}
	}
	free(imp);
	free(con);
	if (r == -EINVAL)
		rc = dns_errf(err, errlen, -EINVAL,
			      "%s: a record without a peer name or with malformed RDATA", path);
	else if (r < 0)
		rc = dns_errf(err, errlen, (int)r, "%s: out of memory", path);
	else
		rc = dns_file_write(path, content, (size_t)r, 0644, true, err, errlen);
	free(content);
	return rc;
}
