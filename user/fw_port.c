// SPDX-License-Identifier: GPL-2.0
/*
 * fw_port.c - anti-spoofing bindings: which container a host-side device
 * belongs to (rxl_ports, rxl_cont_port), read by the tc ingress program
 * on that device (bpf/rxlane_tc.bpf.c, Documentation/conntrack.rst,
 * "Anti-spoofing").
 *
 * A device is keyed by its ifindex and the cookie of the network
 * namespace it was named in (the caller's), so that an ifindex of another
 * namespace never matches it. A container without a device but with a
 * MAC (macvlan, a frame bridged into an overlay) is bound by its MAC
 * instead: the key has ifindex 0 and the MAC in the first 6 bytes of
 * netns (rxl_port_mac_key()); the tc egress program on the uplink checks
 * that MAC and the container's addresses go together (rxl_tc_unpaired(),
 * Documentation/conntrack.rst, "Containers without a host-side device").
 * A container without a host-side device can be bound by its own
 * interface in its namespace instead ('port IF netns PATH'): the key is
 * that interface's ifindex and that namespace's cookie, both recorded
 * when it was named, and the check runs on the interface's tc egress.
 * Without the maps (opened through an XDP program, which does not use
 * them, or pins of an older build) nothing is bound: the tc checks then
 * pass every frame.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fw.h"
#include "fw_priv.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE	71
#endif

__u64 rxl_netns_cookie(void)
{
	socklen_t len = sizeof(__u64);
	__u64 cookie = 0;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
		cookie = 0;
	close(fd);
	return cookie;
}

/* Whether @k names a binding: a device, or a MAC (ifindex 0). */
static bool rxl_port_key_set(const struct rxl_port_key *k)
{
	return k->ifindex || k->netns;
}

/* The key of a container bound by its MAC @mac; none for 00:..:00. */
static struct rxl_port_key rxl_port_mac_key(const __u8 mac[6])
{
	struct rxl_port_key k = {};

	memcpy(&k.netns, mac, 6);
	return k;
}

/* Whether @k binds a container by its MAC (not by a device). */
static bool rxl_port_key_mac(const struct rxl_port_key *k)
{
	return !k->ifindex && k->netns;
}

/*
 * The count of MAC bindings in rxl_config (mac_bound): the tc egress
 * program skips the uplink's pairing check while it is 0. It moves by
 * one per binding, so a change costs the same however many containers
 * are bound, and in an order that makes a killed change err on checking:
 * raised before a MAC key is written (rxl_port_put()), lowered only after
 * one is deleted (rxl_port_drop()), so it is never below the MAC keys the
 * program can find. One a kill left too high costs a lookup per frame
 * until the next command finishes the killed change (cli_recover(), which
 * recounts: rxl_fw_port_recount()).
 */
static int rxl_port_mac_add(struct rxl_fw *fw, int delta)
{
	struct rxl_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fw->config, &zero, &cfg))
		return -errno;
	if (delta < 0 && !cfg.mac_bound)
		return 0;
	cfg.mac_bound += delta;
	return bpf_map_update_elem(fw->config, &zero, &cfg, 0) ? -errno : 0;
}

long rxl_fw_port_macs(struct rxl_fw *fw, __u32 *bound)
{
	struct rxl_port_key k, next;
	struct rxl_config cfg;
	void *prev = NULL;
	__u32 zero = 0;
	long n = 0;

	if (fw->ports < 0 || fw->config < 0)
		return -ENOENT;
	while (!bpf_map_get_next_key(fw->ports, prev, &next)) {
		n += rxl_port_key_mac(&next);
		k = next;
		prev = &k;
	}
	/* ENOENT is the walk's end; anything else cut it short. */
	if (errno != ENOENT)
		return -errno;
	if (bpf_map_lookup_elem(fw->config, &zero, &cfg))
		return -errno;
	*bound = cfg.mac_bound;
	return n;
}

void rxl_fw_port_recount(struct rxl_fw *fw)
{
	struct rxl_config cfg;
	__u32 bound, zero = 0;
	long n = rxl_fw_port_macs(fw, &bound);

	/* A walk cut short keeps the higher count. */
	if (n < 0 || bound == n ||
	    bpf_map_lookup_elem(fw->config, &zero, &cfg))
		return;
	cfg.mac_bound = n;
	bpf_map_update_elem(fw->config, &zero, &cfg, 0);
}

/* rxl_ports[@k] = @p; the count raised first for a MAC not bound yet. */
static int rxl_port_put(struct rxl_fw *fw, const struct rxl_port_key *k,
			const struct rxl_port *p)
{
	struct rxl_port old;
	int err = 0;

	if (rxl_port_key_mac(k) && bpf_map_lookup_elem(fw->ports, k, &old))
		err = rxl_port_mac_add(fw, 1);
	if (err) {
		errno = -err;
		return -1;
	}
	return bpf_map_update_elem(fw->ports, k, p, 0);
}

/*
 * rxl_ports[@k] deleted; the count lowered after, for a MAC. 0 (also when
 * it was not there), or -errno.
 */
static int rxl_port_drop(struct rxl_fw *fw, const struct rxl_port_key *k)
{
	if (bpf_map_delete_elem(fw->ports, k))
		return errno == ENOENT ? 0 : -errno;
	if (rxl_port_key_mac(k))
		rxl_port_mac_add(fw, -1);
	return 0;
}

/*
 * Unbind container @id's device or MAC, if it has one. 0, or -errno when
 * its key cannot be deleted (its pointer then stays, so that the binding
 * is whole and still its own) or its pointer not cleared.
 */
static int rxl_port_unbind(struct rxl_fw *fw, __u32 id)
{
	struct rxl_port_key k = {}, none = {};
	int err;

	if (fw->ports < 0 || fw->cont_port < 0)
		return 0;
	if (bpf_map_lookup_elem(fw->cont_port, &id, &k) ||
	    !rxl_port_key_set(&k))
		return 0;
	err = rxl_port_drop(fw, &k);
	if (!err && bpf_map_update_elem(fw->cont_port, &id, &none, 0))
		err = -errno;
	return err;
}

/*
 * The binding container @s is to have: its key in *@k (all zeroes: none)
 * and its value in *@p. Returns 0, or -EOPNOTSUPP (errno says why) when
 * the namespace's cookie cannot be read.
 */
static int rxl_port_want(const struct rxl_cont_spec *s,
			 struct rxl_port_key *k, struct rxl_port *p)
{
	memset(k, 0, sizeof(*k));
	memset(p, 0, sizeof(*p));
	p->id = s->id;
	if (s->port_ifindex > 0) {
		/* Named in its namespace: the cookie recorded for it. */
		k->ifindex = s->port_ifindex;
		k->netns = s->port_netns;
		if (!k->netns)
			return -EOPNOTSUPP;
		/* Its namespace is guarded (bpf/rxlane_guard.bpf.c). */
		p->flags |= RXL_PORT_OWN;
	} else if (s->redirect_ifindex > 0) {
		k->ifindex = s->redirect_ifindex;
		k->netns = rxl_netns_cookie();
		if (!k->netns)
			return -EOPNOTSUPP;
	} else if (s->has_mac && !s->mac_in_nic) {
		*k = rxl_port_mac_key(s->mac);
	}
	if (s->has_mac) {
		memcpy(p->mac, s->mac, sizeof(p->mac));
		p->flags |= RXL_PORT_MAC;
	}
	return 0;
}

/* "device N (netns cookie C)", "MAC M" or "none": binding @k in @buf. */
static const char *rxl_port_key_str(const struct rxl_port_key *k, char *buf,
				    size_t len)
{
	const __u8 *m = (const __u8 *)&k->netns;

	if (k->ifindex)
		snprintf(buf, len, "device %u (netns cookie %llu)", k->ifindex,
			 (unsigned long long)k->netns);
	else if (k->netns)
		snprintf(buf, len, "MAC %02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
	else
		snprintf(buf, len, "none");
	return buf;
}

int rxl_fw_port_move(struct rxl_fw *fw, const struct rxl_cont_spec *s,
		     struct rxl_port_undo *u)
{
	struct rxl_port_key k;
	struct rxl_port p, o;
	char b[64];
	int err;

	if (s->id >= fw->max_conts)
		return rxl_fail(fw, -EINVAL, "container id %u out of range",
				s->id);
	/* Maps of an older build, or of a program (no tc program reads). */
	if (fw->ports < 0 || fw->cont_port < 0)
		return 0;
	u->tried = true;
	u->had = !bpf_map_lookup_elem(fw->cont_port, &s->id, &u->old) &&
		 rxl_port_key_set(&u->old) &&
		 !bpf_map_lookup_elem(fw->ports, &u->old, &u->old_port);
	if (rxl_port_want(s, &k, &p))
		return rxl_fail(fw, -EOPNOTSUPP,
				"no network namespace cookie (SO_NETNS_COOKIE): %s",
				strerror(errno));
	if (s->port_ifindex > 0 && !bpf_map_lookup_elem(fw->ports, &k, &o) &&
	    o.id != s->id)
		return rxl_fail(fw, -EEXIST,
				"interface %u of netns cookie %llu is another container's (id %u)",
				k.ifindex, (unsigned long long)k.netns, o.id);
	if (!k.ifindex && rxl_port_key_set(&k) &&
	    !bpf_map_lookup_elem(fw->ports, &k, &o) && o.id != s->id)
		return rxl_fail(fw, -EEXIST,
				"MAC %02x:%02x:%02x:%02x:%02x:%02x is another container's (id %u)",
				s->mac[0], s->mac[1], s->mac[2],
				s->mac[3], s->mac[4], s->mac[5], o.id);
	if (!rxl_port_key_set(&k)) {
		/* Left, it is the recovery's (the intent stays: port_left). */
		err = rxl_port_unbind(fw, s->id);
		if (err) {
			rxl_fail(fw, err,
				 "its old anti-spoofing binding could not be removed: %s",
				 strerror(-err));
			fw->port_left = true;
		}
		return 0;
	}
	/*
	 * The new device first, then the container's pointer to it, then
	 * the old device goes: until the pointer moves, the old binding
	 * is whole, and rxl_fw_port_undo() finds both.
	 */
	u->key = k;
	u->bound = true;
	if (rxl_port_put(fw, &k, &p) ||
	    bpf_map_update_elem(fw->cont_port, &s->id, &k, 0))
		return rxl_fail(fw, -errno, "binding device %u to container %u: %s",
				k.ifindex, s->id, strerror(errno));
	/* Left, it is the recovery's (the intent stays: port_left). */
	err = u->had && memcmp(&u->old, &k, sizeof(k)) ?
	      rxl_port_drop(fw, &u->old) : 0;
	if (err) {
		rxl_fail(fw, err,
			 "its old anti-spoofing binding (%s) could not be removed: %s",
			 rxl_port_key_str(&u->old, b, sizeof(b)),
			 strerror(-err));
		fw->port_left = true;
	}
	return 0;
}

int rxl_fw_port_bind(struct rxl_fw *fw, const struct rxl_cont_spec *s)
{
	struct rxl_port_undo u = {};

	return rxl_fw_port_move(fw, s, &u);
}

void rxl_fw_port_undo(struct rxl_fw *fw, __u32 id,
		      const struct rxl_port_undo *u)
{
	struct rxl_port_key none = {};

	if (!u->tried || id >= fw->max_conts)
		return;
	if (u->bound && (!u->had || memcmp(&u->old, &u->key, sizeof(u->key))))
		rxl_port_drop(fw, &u->key);
	if (u->had) {
		rxl_port_put(fw, &u->old, &u->old_port);
		bpf_map_update_elem(fw->cont_port, &id, &u->old, 0);
	} else {
		bpf_map_update_elem(fw->cont_port, &id, &none, 0);
	}
}

void rxl_fw_port_unbind(struct rxl_fw *fw, __u32 id)
{
	if (id < fw->max_conts)
		rxl_port_unbind(fw, id);
}

void rxl_fw_port_forget(struct rxl_fw *fw, const struct rxl_cont_spec *old)
{
	struct rxl_port_key k, have;
	struct rxl_port p, got;

	if (fw->ports < 0 || fw->cont_port < 0 || old->id >= fw->max_conts ||
	    rxl_port_want(old, &k, &p) || !rxl_port_key_set(&k))
		return;
	if (bpf_map_lookup_elem(fw->ports, &k, &got) || got.id != old->id)
		return;		/* not bound, or another container's now */
	if (!bpf_map_lookup_elem(fw->cont_port, &old->id, &have) &&
	    !memcmp(&have, &k, sizeof(k)))
		return;		/* still its binding */
	rxl_port_drop(fw, &k);
}

int rxl_fw_port_verify(struct rxl_fw *fw, const struct rxl_cont_spec *s,
		       char *why, size_t len)
{
	struct rxl_port_key k, have = {};
	char a[64], b[64];
	struct rxl_port p, got;

	if (fw->ports < 0 || fw->cont_port < 0 || s->id >= fw->max_conts ||
	    rxl_port_want(s, &k, &p))
		return 0;	/* nothing bound, or nothing to tell by */
	if (bpf_map_lookup_elem(fw->cont_port, &s->id, &have))
		return -errno;
	if (memcmp(&have, &k, sizeof(k))) {
		snprintf(why, len, "its anti-spoofing binding is %s, not %s",
			 rxl_port_key_str(&have, a, sizeof(a)),
			 rxl_port_key_str(&k, b, sizeof(b)));
		return 1;
	}
	if (!rxl_port_key_set(&k))
		return 0;
	if (bpf_map_lookup_elem(fw->ports, &k, &got) || got.id != p.id ||
	    got.flags != p.flags || memcmp(got.mac, p.mac, sizeof(p.mac))) {
		snprintf(why, len,
			 "its anti-spoofing binding (%s) is missing from rxl_ports or differs",
			 rxl_port_key_str(&k, a, sizeof(a)));
		return 1;
	}
	return 0;
}

/* A binding in rxl_ports that its container's rxl_cont_port lacks. */
static bool rxl_port_stale(struct rxl_fw *fw, const struct rxl_port_key *k,
			   const struct rxl_port *p, const bool *recorded)
{
	struct rxl_port_key have;

	return p->id >= fw->max_conts || !recorded[p->id] ||
	       bpf_map_lookup_elem(fw->cont_port, &p->id, &have) ||
	       memcmp(&have, k, sizeof(have));
}

long rxl_fw_ports_stale(struct rxl_fw *fw, const bool *recorded, bool repair)
{
	struct rxl_port_key k, next, *gone = NULL, none = {}, *tmp;
	size_t ngone = 0, cap = 0, i;
	struct rxl_port p;
	long n = 0;
	void *prev = NULL;
	__u32 id;

	if (fw->ports < 0 || fw->cont_port < 0)
		return 0;
	while (!bpf_map_get_next_key(fw->ports, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fw->ports, &k, &p) ||
		    !rxl_port_stale(fw, &k, &p, recorded))
			continue;
		n++;
		if (ngone == cap) {
			cap = cap ? 2 * cap : 16;
			tmp = realloc(gone, cap * sizeof(*gone));
			if (!tmp) {
				free(gone);
				return -ENOMEM;
			}
			gone = tmp;
		}
		gone[ngone++] = k;
	}
	/* Deleted after the walk: a hash walk restarts at a deleted key. */
	for (i = 0; repair && i < ngone; i++)
		rxl_port_drop(fw, &gone[i]);
	free(gone);
	for (id = 0; id < fw->max_conts; id++) {
		if (recorded[id] ||
		    bpf_map_lookup_elem(fw->cont_port, &id, &k) ||
		    !rxl_port_key_set(&k))
			continue;
		n++;
		if (repair)
			bpf_map_update_elem(fw->cont_port, &id, &none, 0);
	}
	return n;
}
