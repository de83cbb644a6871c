// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: module entry points.
 */
#include <linux/module.h>
#include <net/rtnetlink.h>

#include "rxlane.h"

static int __init rxlane_init(void)
{
	return rxlane_netdev_init();
}

static void __exit rxlane_exit(void)
{
	rxlane_netdev_uninit();
}

module_init(rxlane_init);
module_exit(rxlane_exit);

MODULE_AUTHOR("The rxlane authors");
MODULE_DESCRIPTION("rxlane: software multi-queue NIC with container-aware filtering");
MODULE_LICENSE("GPL");
MODULE_VERSION(RXLANE_DRV_VERSION);
MODULE_ALIAS_RTNL_LINK(RXLANE_DRV_NAME);
