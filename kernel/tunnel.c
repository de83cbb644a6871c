// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: UDP tunnel ports.
 *
 * Frames to a known VXLAN or GENEVE port are hashed (RSS) and matched (aRFS)
 * on their inner 5-tuple. Ports come from the stack through udp_tunnel_nic
 * (a VXLAN/GENEVE device in the NIC's namespace announces its port) or from
 * the debugfs knob "tunnel_ports" (for tunnels terminated elsewhere, e.g.
 * decapsulated by XDP).
 */
#include <net/udp_tunnel.h>

#include "rxlane.h"

/**
 * rxlane_tunnel_lookup() - whether @port carries a tunnel
 * @priv:	the device
 * @port:	UDP destination port
 *
 * Context: any.
 * Return: 0 for VXLAN, 1 for GENEVE, -1 for no tunnel.
 */
int rxlane_tunnel_lookup(const struct rxlane_priv *priv, __be16 port)
{
	u16 p = ntohs(port);
	unsigned int i;

	for (i = 0; i < RXLANE_TUNNEL_MAX_PORTS; i++) {
		u32 v = READ_ONCE(priv->tunnel_ports[i]);

		if (v && (v & 0xffff) == p)
			return !!(v & RXLANE_TUNNEL_GENEVE);
	}
	return -1;
}

/**
 * rxlane_tunnel_add() - @port carries VXLAN (or GENEVE when @geneve)
 * @priv:	the device
 * @port:	the UDP port
 * @geneve:	GENEVE, else VXLAN
 * @from_stack:	added by udp_tunnel_nic
 *
 * A port the stack gave belongs to the stack: the knob cannot change it
 * (-EBUSY), or udp_tunnel_nic's unset, which removes only what the stack
 * set, would then leave it behind. The stack takes over a port the knob
 * set.
 *
 * Context: process context; takes cfg_lock.
 * Return: 0, -EINVAL, -EBUSY or -ENOSPC.
 */
int rxlane_tunnel_add(struct rxlane_priv *priv, u16 port, bool geneve,
		      bool from_stack)
{
	u32 v = port | (geneve ? RXLANE_TUNNEL_GENEVE : 0);
	int i, free = -1, err = 0;

	if (!port)
		return -EINVAL;
	mutex_lock(&priv->cfg_lock);
	for (i = 0; i < RXLANE_TUNNEL_MAX_PORTS; i++) {
		if ((priv->tunnel_ports[i] & 0xffff) == port) {
			free = i;
			break;
		}
		if (!priv->tunnel_ports[i] && free < 0)
			free = i;
	}
	if (free < 0) {
		err = -ENOSPC;
	} else if (!from_stack && priv->tunnel_from_stack[free]) {
		err = -EBUSY;
	} else {
		WRITE_ONCE(priv->tunnel_ports[free], v);
		priv->tunnel_from_stack[free] = from_stack;
	}
	mutex_unlock(&priv->cfg_lock);
	return err;
}

/**
 * rxlane_tunnel_del() - @port no longer carries a tunnel
 * @priv:	the device
 * @port:	the UDP port
 * @from_stack:	udp_tunnel_nic removes it (else the debugfs knob)
 *
 * Each side removes only the ports it set.
 *
 * Context: process context; takes cfg_lock.
 * Return: 0, -EBUSY (the knob, for a port of the stack) or -ENOENT.
 */
int rxlane_tunnel_del(struct rxlane_priv *priv, u16 port, bool from_stack)
{
	int i, err = -ENOENT;

	mutex_lock(&priv->cfg_lock);
	for (i = 0; i < RXLANE_TUNNEL_MAX_PORTS; i++) {
		if (!priv->tunnel_ports[i] ||
		    (priv->tunnel_ports[i] & 0xffff) != port)
			continue;
		if (from_stack != priv->tunnel_from_stack[i]) {
			if (!from_stack)
				err = -EBUSY;
			continue;
		}
		WRITE_ONCE(priv->tunnel_ports[i], 0);
		priv->tunnel_from_stack[i] = false;
		err = 0;
	}
	mutex_unlock(&priv->cfg_lock);
	return err;
}

static int rxlane_udp_tunnel_set_port(struct net_device *dev,
				      unsigned int table, unsigned int entry,
				      struct udp_tunnel_info *ti)
{
	return rxlane_tunnel_add(netdev_priv(dev), ntohs(ti->port),
				 ti->type == UDP_TUNNEL_TYPE_GENEVE, true);
}

static int rxlane_udp_tunnel_unset_port(struct net_device *dev,
					unsigned int table, unsigned int entry,
					struct udp_tunnel_info *ti)
{
	rxlane_tunnel_del(netdev_priv(dev), ntohs(ti->port), true);
	return 0;
}

/* Called by udp_tunnel_nic with RTNL held; may sleep. */
const struct udp_tunnel_nic_info rxlane_udp_tunnel_info = {
	.set_port	= rxlane_udp_tunnel_set_port,
	.unset_port	= rxlane_udp_tunnel_unset_port,
	.flags		= UDP_TUNNEL_NIC_INFO_MAY_SLEEP,
	.tables		= {
		{ .n_entries = 4, .tunnel_types = UDP_TUNNEL_TYPE_VXLAN, },
		{ .n_entries = 4, .tunnel_types = UDP_TUNNEL_TYPE_GENEVE, },
	},
};

void rxlane_tunnel_init(struct rxlane_priv *priv)
{
	memset(priv->tunnel_ports, 0, sizeof(priv->tunnel_ports));
	memset(priv->tunnel_from_stack, 0, sizeof(priv->tunnel_from_stack));
}

void rxlane_tunnel_uninit(struct rxlane_priv *priv)
{
	memset(priv->tunnel_ports, 0, sizeof(priv->tunnel_ports));
}
