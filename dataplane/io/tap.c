/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/io/tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
/* After netinet/in.h, which makes the kernel headers skip their own in6_addr. */
#include <linux/if_tun.h>
#include <linux/ipv6.h>

#include "dns/err.h"

/* One interface request on a socket of family af (AF_INET or AF_INET6). */
static int
ifreq_call(int af, unsigned long req, void *arg)
{
	int s = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	int rc = ioctl(s, req, arg) < 0 ? -errno : 0;
	close(s);
	return rc;
}

static int
add_ip4(const char *name, const uint8_t ip[4], unsigned prefix)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	uint32_t mask = prefix ? htonl(~(uint32_t)0 << (32 - prefix)) : 0;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr, ip, 4);
	int rc = ifreq_call(AF_INET, SIOCSIFADDR, &ifr);
	if (rc)
		return rc;
	sin->sin_addr.s_addr = mask;
	return ifreq_call(AF_INET, SIOCSIFNETMASK, &ifr);
}

/* Turn off duplicate address detection for name's IPv6 addresses. */
static int
no_dad(const char *name)
{
	char path[96];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_dad", name);
	int f = open(path, O_WRONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	int rc = write(f, "0\n", 2) == 2 ? 0 : -errno;
	close(f);
	return rc;
}

static int
add_ip6(int ifindex, const uint8_t ip[16], unsigned prefix)
{
	struct in6_ifreq r;

	memset(&r, 0, sizeof(r));
	memcpy(&r.ifr6_addr, ip, 16);
	r.ifr6_prefixlen = prefix;
	r.ifr6_ifindex = ifindex;
	return ifreq_call(AF_INET6, SIOCSIFADDR, &r);
}

static int
set_up(const struct dp_tap_config *cfg, char *err, size_t errlen)
{
	struct ifreq ifr;
	char a[INET6_ADDRSTRLEN];
	int rc;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", cfg->name);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, cfg->mac, 6);
	if ((rc = ifreq_call(AF_INET, SIOCSIFHWADDR, &ifr)) < 0)
		return dns_errf(err, errlen, rc, "%s: setting its MAC: %s", cfg->name, strerror(-rc));
	if (cfg->mtu) {
		ifr.ifr_mtu = (int)cfg->mtu;
		if ((rc = ifreq_call(AF_INET, SIOCSIFMTU, &ifr)) < 0)
			return dns_errf(err, errlen, rc, "%s: MTU %u: %s", cfg->name, cfg->mtu,
				    strerror(-rc));
	}
	for (unsigned i = 0; i < cfg->n_ip4; i++)
		if ((rc = add_ip4(cfg->name, cfg->ip4[i], cfg->prefix4)) < 0)
			return dns_errf(err, errlen, rc, "%s: address %s/%u: %s", cfg->name,
				    inet_ntop(AF_INET, cfg->ip4[i], a, sizeof(a)), cfg->prefix4,
				    strerror(-rc));
	if (cfg->n_ip6) {
		int ifindex = (int)if_nametoindex(cfg->name);
		if ((rc = no_dad(cfg->name)) < 0)
			return dns_errf(err, errlen, rc, "%s: IPv6 (accept_dad): %s", cfg->name,
				    strerror(-rc));
		for (unsigned i = 0; i < cfg->n_ip6; i++)
			if ((rc = add_ip6(ifindex, cfg->ip6[i], cfg->prefix6)) < 0)
				return dns_errf(err, errlen, rc, "%s: address %s/%u: %s", cfg->name,
					    inet_ntop(AF_INET6, cfg->ip6[i], a, sizeof(a)),
					    cfg->prefix6, strerror(-rc));
	}
	if ((rc = ifreq_call(AF_INET, SIOCGIFFLAGS, &ifr)) < 0)
		return dns_errf(err, errlen, rc, "%s: reading its flags: %s", cfg->name,
			    strerror(-rc));
	ifr.ifr_flags |= IFF_UP;
	if ((rc = ifreq_call(AF_INET, SIOCSIFFLAGS, &ifr)) < 0)
		return dns_errf(err, errlen, rc, "%s: bringing it up: %s", cfg->name, strerror(-rc));
	return 0;
}

int
dp_tap_open(const struct dp_tap_config *cfg, int *fd, char *err, size_t errlen)
{
	if (strlen(cfg->name) == 0 || strlen(cfg->name) > DP_TAP_NAME_MAX)
		return dns_errf(err, errlen, -EINVAL, "'%s': an interface name has 1 to %d octets",
			    cfg->name, DP_TAP_NAME_MAX);
	int f = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (f < 0)
		return dns_errf(err, errlen, -errno, "%s: /dev/net/tun: %s", cfg->name,
			    strerror(errno));
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", cfg->name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(f, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		close(f);
		return dns_errf(err, errlen, -e, "%s: creating the TAP interface: %s%s", cfg->name,
			    strerror(e), e == EPERM ? " (needs CAP_NET_ADMIN)" : "");
	}
	int rc = set_up(cfg, err, errlen);
	if (rc < 0) {
		close(f);
		return rc;
	}
	*fd = f;
	return 0;
}
