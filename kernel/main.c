// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: module entry points and parameters.
 */
#include <linux/cpuhotplug.h>
#include <linux/module.h>
#include <net/rtnetlink.h>

#include "rxlane.h"
#include "hw.h"

/*
 * Every parameter is range-checked when the module is loaded (a bad value
 * fails the load) and when it is written in /sys/module/rxlane/parameters
 * (-EINVAL for anything but a number in range, the value stays):
 * arfs_expire_ms 0 would spin the expiry worker, a huge ring_size would
 * let a queue hold unbounded memory.
 */
#define RXLANE_PARAM_UINT(name, min, max)					\
static int rxlane_param_set_##name(const char *val,				\
				   const struct kernel_param *kp)		\
{										\
	return param_set_uint_minmax(val, kp, min, max) ? -EINVAL : 0;		\
}										\
static const struct kernel_param_ops rxlane_param_##name##_ops = {		\
	.set = rxlane_param_set_##name,						\
	.get = param_get_uint,							\
};										\
module_param_cb(name, &rxlane_param_##name##_ops, &rxlane_##name, 0644)

unsigned int rxlane_ntuple_capacity = 4096;
RXLANE_PARAM_UINT(ntuple_capacity, 1, 65536);
MODULE_PARM_DESC(ntuple_capacity,
		 "ntuple table entries of a device created from now on (1..65536, default 4096)");

unsigned int rxlane_arfs_max = 1024;
RXLANE_PARAM_UINT(arfs_max, 1, RPS_NO_FILTER - 1);
MODULE_PARM_DESC(arfs_max,
		 "aRFS table entries of a device created from now on (1..65534, default 1024)");

unsigned int rxlane_ring_size = 1024;
RXLANE_PARAM_UINT(ring_size, 0, RXLANE_RING_MAX);
MODULE_PARM_DESC(ring_size,
		 "frames each receive ring of a device created from now on holds (0..65536, 0 drops every frame; default 1024; ethtool -G rx per device)");

unsigned int rxlane_arfs_expire_ms = 100;
RXLANE_PARAM_UINT(arfs_expire_ms, 10, 60000);
MODULE_PARM_DESC(arfs_expire_ms,
		 "period of the aRFS expiry worker in ms (10..60000, default 100)");

unsigned int rxlane_arfs_idle_ms = 5000;
RXLANE_PARAM_UINT(arfs_idle_ms, 0, 3600000);
MODULE_PARM_DESC(arfs_idle_ms,
		 "an aRFS entry no frame used for this long expires (ms, 0..3600000, 0 = only when rps_may_expire_flow() says so; default 5000)");

/*
 * Every device is an instance of one dynamic CPU hotplug state: its queues
 * leave a CPU that goes down and return when it comes back (netdev.c).
 */
enum cpuhp_state rxlane_cpuhp_state;

static int __init rxlane_init(void)
{
	int err;

	rxlane_debugfs_module_init();
	err = rxlane_ntuple_module_init();
	if (err)
		goto err_debugfs;
	err = cpuhp_setup_state_multi(CPUHP_AP_ONLINE_DYN, "net/rxlane:online",
				      rxlane_cpu_online, rxlane_cpu_down_prep);
	if (err < 0)
		goto err_ntuple;
	rxlane_cpuhp_state = err;
	err = rxlane_netdev_init();
	if (err)
		goto err_remove_cpuhp;
	err = rxlane_hw_init();
	if (err)
		goto err_netdev;
	err = rxlane_genl_init();
	if (err)
		goto err_hw;
	return 0;

err_hw:
	rxlane_hw_uninit();
err_netdev:
	rxlane_netdev_uninit();
err_remove_cpuhp:
	cpuhp_remove_multi_state(rxlane_cpuhp_state);
err_ntuple:
	rxlane_ntuple_module_uninit();
err_debugfs:
	rxlane_debugfs_module_uninit();
	return err;
}

static void __exit rxlane_exit(void)
{
	rxlane_genl_uninit();
	rxlane_hw_uninit();
	rxlane_netdev_uninit();
	cpuhp_remove_multi_state(rxlane_cpuhp_state);
	rxlane_ntuple_module_uninit();
	rxlane_debugfs_module_uninit();
}

module_init(rxlane_init);
module_exit(rxlane_exit);

MODULE_AUTHOR("The rxlane authors");
MODULE_DESCRIPTION("rxlane: software multi-queue NIC with container-aware filtering");
MODULE_LICENSE("GPL");
MODULE_VERSION(RXLANE_VERSION);
MODULE_ALIAS_RTNL_LINK(RXLANE_DRV_NAME);
