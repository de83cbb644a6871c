/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxlane: a software multi-queue NIC over a lower Ethernet device.
 *
 * Private header shared by the files of the module. One file per kernel
 * interface: main.c (module), netdev.c (link kind and netdev ops).
 */
#ifndef _RXLANE_H
#define _RXLANE_H

#include <linux/netdevice.h>
#include <linux/types.h>

#define RXLANE_DRV_NAME		"rxlane"
#define RXLANE_DRV_VERSION	"0.1.0"
#define RXLANE_MAX_QUEUES	64

/**
 * struct rxlane_priv - per-device state
 * @dev:	the rxlane net device
 * @lower:	the device frames are received from and sent through; holds a
 *		reference for as long as the rxlane device exists
 * @lower_tracker: reference tracker for @lower
 */
struct rxlane_priv {
	struct net_device *dev;
	struct net_device *lower;
	netdevice_tracker lower_tracker;
};

extern struct rtnl_link_ops rxlane_link_ops;

int rxlane_netdev_init(void);
void rxlane_netdev_uninit(void);

#endif /* _RXLANE_H */
