// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: module entry points and parameters.
 */
#include <linux/module.h>
#include <net/rtnetlink.h>

#include "rxlane.h"

unsigned int rxlane_ntuple_capacity = 4096;
module_param_named(ntuple_capacity, rxlane_ntuple_capacity, uint, 0644);
MODULE_PARM_DESC(ntuple_capacity,
		 "ntuple table entries of a device created from now on (1..65536, default 4096)");

unsigned int rxlane_arfs_max = 1024;
module_param_named(arfs_max, rxlane_arfs_max, uint, 0644);
MODULE_PARM_DESC(arfs_max,
		 "aRFS table entries of a device created from now on (1..65534, default 1024)");

unsigned int rxlane_ring_size = 1024;
module_param_named(ring_size, rxlane_ring_size, uint, 0644);
MODULE_PARM_DESC(ring_size, "frames each receive ring holds (default 1024)");

unsigned int rxlane_arfs_expire_ms = 100;
module_param_named(arfs_expire_ms, rxlane_arfs_expire_ms, uint, 0644);
MODULE_PARM_DESC(arfs_expire_ms,
		 "period of the aRFS expiry worker in ms (default 100)");

unsigned int rxlane_arfs_idle_ms = 5000;
module_param_named(arfs_idle_ms, rxlane_arfs_idle_ms, uint, 0644);
MODULE_PARM_DESC(arfs_idle_ms,
		 "an aRFS entry no frame used for this long expires (ms, 0 = only when rps_may_expire_flow() says so; default 5000)");

static int __init rxlane_init(void)
{
	int err;

	rxlane_debugfs_module_init();
	err = rxlane_netdev_init();
	if (err)
		goto err_debugfs;
	return 0;

err_debugfs:
	rxlane_debugfs_module_uninit();
	return err;
}

static void __exit rxlane_exit(void)
{
	rxlane_netdev_uninit();
	rxlane_debugfs_module_uninit();
}

module_init(rxlane_init);
module_exit(rxlane_exit);

MODULE_AUTHOR("The rxlane authors");
MODULE_DESCRIPTION("rxlane: software multi-queue NIC with container-aware filtering");
MODULE_LICENSE("GPL");
MODULE_VERSION(RXLANE_DRV_VERSION);
MODULE_ALIAS_RTNL_LINK(RXLANE_DRV_NAME);
