// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: debugfs, under /sys/kernel/debug/rxlane/<device>/
 *
 *   queue_cpu		rw  "queue cpu" per line; write "Q CPU" to move queue
 *			    Q's emulated interrupt (and its NAPI) to CPU
 *   rss		ro  key and indirection table of every RSS context
 *   ntuple		ro  ntuple entries with value/mask, hits and insert seq
 *   arfs		ro  aRFS entries
 *   arfs_buckets	ro  "BUCKET ENTRIES" per non-empty aRFS hash bucket
 *   arfs_expiry	ro  expiry passes: quota, passes, entries scanned,
 *			    most scanned by one pass, where the next starts
 *   arfs_expire_quota	rw  N: entries one expiry pass examines at most
 *   arfs_inject	wo  N: add N synthetic aRFS entries (TCP
 *			    198.18.0.1:1..N -> 198.18.0.2:9, queue 0) that
 *			    the next pass to examine them expires
 *   queues		ro  per queue: CPU, ring length, counters
 *   tunnel_ports	rw  "vxlan PORT", "geneve PORT" add, "del PORT" removes
 *   fail_xdp		rw  1: refuse to attach XDP programs
 *   fail_filter_insert	rw  1: refuse ntuple inserts
 *   fail_alloc		rw  N: fail the next N allocations (ntuple and aRFS
 *			    entries, XDP buffers)
 *   open_delay_ms	rw  N: ndo_open sleeps N ms (at most 10 s) before it
 *			    enables NAPI, while frames already reach the rings
 *   table_size_in	rw  where ETHTOOL_GRXCLSRLCNT/GRXCLSRLALL report the
 *			    ntuple table's size: 0 both (rxlane's own), 1
 *			    GRXCLSRLALL only (mlx5 on 6.1), 2 neither
 *			    (enum rxlane_table_size_in)
 *   classify_bench	rw  write N (at most 10M): classify N synthetic UDP
 *			    frames, counting no rule hit and leaving aRFS alone;
 *			    read: picoseconds per frame of the last run
 *
 * and, module-wide, under /sys/kernel/debug/rxlane/:
 *
 *   fail_pcpu_alloc	rw  N: fail the next N per-CPU allocations of any
 *			    device (its stats at creation, an ntuple rule's hit
 *			    counters); global because a device being created
 *			    has no directory yet
 *
 * Files reach the device through i_private; removing the directory waits
 * for their users. Nothing here takes RTNL, so removal under RTNL is safe.
 */
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "rxlane.h"

/* Frames one classify_bench write may classify. */
#define RXLANE_BENCH_MAX	10000000U

static struct dentry *rxlane_debugfs_root;
/* Per-CPU allocations still to fail (fail_pcpu_alloc). */
static atomic_t rxlane_fail_pcpu = ATOMIC_INIT(0);

/**
 * rxlane_should_fail_pcpu() - whether to fail this per-CPU allocation
 *
 * The percpu allocator has no fault injection in 6.1 (FAILSLAB covers slab
 * only), so its callers ask here before alloc_percpu().
 *
 * Return: true while fail_pcpu_alloc is non-zero; each call consumes one.
 */
bool rxlane_should_fail_pcpu(void)
{
	return atomic_add_unless(&rxlane_fail_pcpu, -1, 0);
}

static int rxlane_queue_cpu_show(struct seq_file *seq, void *v)
{
	struct rxlane_priv *priv = seq->private;
	unsigned int i;

	for (i = 0; i < priv->dev->real_num_rx_queues; i++)
		seq_printf(seq, "%u %d\n", i, READ_ONCE(priv->rxqs[i].cpu));
	return 0;
}

static int rxlane_queue_cpu_open(struct inode *inode, struct file *file)
{
	return single_open(file, rxlane_queue_cpu_show, inode->i_private);
}

static ssize_t rxlane_queue_cpu_write(struct file *file,
				      const char __user *ubuf, size_t len,
				      loff_t *ppos)
{
	struct rxlane_priv *priv = file_inode(file)->i_private;
	unsigned int queue;
	char buf[32];
	int cpu, err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%u %d", &queue, &cpu) != 2)
		return -EINVAL;
	err = rxlane_set_queue_cpu(priv, queue, cpu);
	return err ?: len;
}

static const struct file_operations rxlane_queue_cpu_fops = {
	.owner		= THIS_MODULE,
	.open		= rxlane_queue_cpu_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
	.write		= rxlane_queue_cpu_write,
};

static int rxlane_rss_show(struct seq_file *seq, void *v)
{
	struct rxlane_priv *priv = seq->private;
	struct rxlane_rss_ctx *c;
	unsigned int id, i;

	rcu_read_lock();
	for (id = 0; id < RXLANE_RSS_MAX_CTX; id++) {
		c = rcu_dereference(priv->rss[id]);
		if (!c)
			continue;
		seq_printf(seq, "context %u\nkey %*phC\nindir", id,
			   RXLANE_RSS_KEY_SIZE, c->key);
		for (i = 0; i < RXLANE_RSS_INDIR_SIZE; i++)
			seq_printf(seq, " %u", c->indir[i]);
		seq_putc(seq, '\n');
	}
	rcu_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rxlane_rss);

static int rxlane_ntuple_show(struct seq_file *seq, void *v)
{
	rxlane_ntuple_dump(seq->private, seq);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rxlane_ntuple);

static int rxlane_arfs_show(struct seq_file *seq, void *v)
{
	rxlane_arfs_dump(seq->private, seq);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rxlane_arfs);

static int rxlane_arfs_buckets_show(struct seq_file *seq, void *v)
{
	rxlane_arfs_dump_buckets(seq->private, seq);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rxlane_arfs_buckets);

static int rxlane_arfs_expiry_show(struct seq_file *seq, void *v)
{
	rxlane_arfs_dump_expiry(seq->private, seq);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rxlane_arfs_expiry);

static ssize_t rxlane_arfs_inject_write(struct file *file,
					const char __user *ubuf, size_t len,
					loff_t *ppos)
{
	struct rxlane_priv *priv = file_inode(file)->i_private;
	u32 n;
	int err;

	err = kstrtou32_from_user(ubuf, len, 0, &n);
	if (err)
		return err;
	if (n > priv->arfs.max)
		return -EINVAL;
	err = rxlane_arfs_inject(priv, n);
	return err ?: len;
}

static const struct file_operations rxlane_arfs_inject_fops = {
	.owner		= THIS_MODULE,
	.open		= simple_open,
	.write		= rxlane_arfs_inject_write,
	.llseek		= noop_llseek,
};

static int rxlane_queues_show(struct seq_file *seq, void *v)
{
	struct rxlane_priv *priv = seq->private;
	unsigned int i;

	seq_puts(seq, "queue cpu ring packets bytes drops ring_full\n");
	for (i = 0; i < priv->num_rxqs; i++) {
		struct rxlane_rxq *q = &priv->rxqs[i];

		seq_printf(seq, "%u %d %u %llu %llu %llu %llu%s\n", i,
			   READ_ONCE(q->cpu), skb_queue_len_lockless(&q->ring),
			   READ_ONCE(q->stats.packets), READ_ONCE(q->stats.bytes),
			   READ_ONCE(q->stats.drops),
			   (u64)atomic64_read(&q->ring_full),
			   i < priv->dev->real_num_rx_queues ? "" : " inactive");
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rxlane_queues);

static int rxlane_tunnel_ports_show(struct seq_file *seq, void *v)
{
	struct rxlane_priv *priv = seq->private;
	unsigned int i;

	for (i = 0; i < RXLANE_TUNNEL_MAX_PORTS; i++) {
		u32 p = READ_ONCE(priv->tunnel_ports[i]);

		if (p)
			seq_printf(seq, "%s %u%s\n",
				   p & RXLANE_TUNNEL_GENEVE ? "geneve" : "vxlan",
				   p & 0xffff,
				   priv->tunnel_from_stack[i] ? " stack" : "");
	}
	return 0;
}

static int rxlane_tunnel_ports_open(struct inode *inode, struct file *file)
{
	return single_open(file, rxlane_tunnel_ports_show, inode->i_private);
}

static ssize_t rxlane_tunnel_ports_write(struct file *file,
					 const char __user *ubuf, size_t len,
					 loff_t *ppos)
{
	struct rxlane_priv *priv = file_inode(file)->i_private;
	char buf[32], kind[8];
	unsigned int port;
	int err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%7s %u", kind, &port) != 2 || !port || port > 65535)
		return -EINVAL;
	if (!strcmp(kind, "vxlan"))
		err = rxlane_tunnel_add(priv, port, false, false);
	else if (!strcmp(kind, "geneve"))
		err = rxlane_tunnel_add(priv, port, true, false);
	else if (!strcmp(kind, "del"))
		err = rxlane_tunnel_del(priv, port, false);
	else
		err = -EINVAL;
	return err ?: len;
}

static const struct file_operations rxlane_tunnel_ports_fops = {
	.owner		= THIS_MODULE,
	.open		= rxlane_tunnel_ports_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
	.write		= rxlane_tunnel_ports_write,
};

static int rxlane_classify_bench_show(struct seq_file *seq, void *v)
{
	struct rxlane_priv *priv = seq->private;

	seq_printf(seq, "%llu\n", READ_ONCE(priv->bench_ps));
	return 0;
}

static int rxlane_classify_bench_open(struct inode *inode, struct file *file)
{
	return single_open(file, rxlane_classify_bench_show, inode->i_private);
}

static ssize_t rxlane_classify_bench_write(struct file *file,
					   const char __user *ubuf, size_t len,
					   loff_t *ppos)
{
	struct rxlane_priv *priv = file_inode(file)->i_private;
	u32 n;
	int err;

	err = kstrtou32_from_user(ubuf, len, 0, &n);
	if (err)
		return err;
	if (n > RXLANE_BENCH_MAX)
		return -EINVAL;
	WRITE_ONCE(priv->bench_ps, rxlane_rx_bench(priv, n));
	return len;
}

static const struct file_operations rxlane_classify_bench_fops = {
	.owner		= THIS_MODULE,
	.open		= rxlane_classify_bench_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
	.write		= rxlane_classify_bench_write,
};

/**
 * rxlane_debugfs_init() - the device's directory and files
 * @priv: the device, being registered (its name is final)
 *
 * A device whose name is taken in debugfs (same name in another netns)
 * has no directory; the device works without it.
 *
 * Context: process context.
 */
void rxlane_debugfs_init(struct rxlane_priv *priv)
{
	struct dentry *d;

	priv->ddir = NULL;
	if (IS_ERR_OR_NULL(rxlane_debugfs_root))
		return;
	d = debugfs_create_dir(priv->dev->name, rxlane_debugfs_root);
	if (IS_ERR(d))
		return;
	priv->ddir = d;
	debugfs_create_file("queue_cpu", 0600, d, priv, &rxlane_queue_cpu_fops);
	debugfs_create_file("rss", 0400, d, priv, &rxlane_rss_fops);
	debugfs_create_file("ntuple", 0400, d, priv, &rxlane_ntuple_fops);
	debugfs_create_file("arfs", 0400, d, priv, &rxlane_arfs_fops);
	debugfs_create_file("arfs_buckets", 0400, d, priv,
			    &rxlane_arfs_buckets_fops);
	debugfs_create_file("arfs_expiry", 0400, d, priv,
			    &rxlane_arfs_expiry_fops);
	debugfs_create_u32("arfs_expire_quota", 0600, d,
			   &priv->arfs.expire_quota);
	debugfs_create_file("arfs_inject", 0200, d, priv,
			    &rxlane_arfs_inject_fops);
	debugfs_create_file("queues", 0400, d, priv, &rxlane_queues_fops);
	debugfs_create_file("tunnel_ports", 0600, d, priv,
			    &rxlane_tunnel_ports_fops);
	debugfs_create_bool("fail_xdp", 0600, d, &priv->faults.fail_xdp);
	debugfs_create_bool("fail_filter_insert", 0600, d,
			    &priv->faults.fail_filter_insert);
	debugfs_create_atomic_t("fail_alloc", 0600, d, &priv->faults.fail_alloc);
	debugfs_create_u32("open_delay_ms", 0600, d, &priv->faults.open_delay_ms);
	debugfs_create_u32("table_size_in", 0600, d,
			   &priv->faults.table_size_in);
	debugfs_create_file("classify_bench", 0600, d, priv,
			    &rxlane_classify_bench_fops);
}

/**
 * rxlane_debugfs_rename() - follow a rename of the device
 * @priv: the device
 *
 * Context: RTNL held.
 */
void rxlane_debugfs_rename(struct rxlane_priv *priv)
{
	struct dentry *d;

	if (!priv->ddir)
		return;
	d = debugfs_rename(rxlane_debugfs_root, priv->ddir,
			   rxlane_debugfs_root, priv->dev->name);
	if (IS_ERR(d)) {
		debugfs_remove_recursive(priv->ddir);
		priv->ddir = NULL;
	}
}

/**
 * rxlane_debugfs_uninit() - remove the device's directory
 * @priv: the device
 *
 * Context: process context; waits for the files' users.
 */
void rxlane_debugfs_uninit(struct rxlane_priv *priv)
{
	debugfs_remove_recursive(priv->ddir);
	priv->ddir = NULL;
}

void rxlane_debugfs_module_init(void)
{
	rxlane_debugfs_root = debugfs_create_dir(RXLANE_DRV_NAME, NULL);
	atomic_set(&rxlane_fail_pcpu, 0);
	debugfs_create_atomic_t("fail_pcpu_alloc", 0600, rxlane_debugfs_root,
				&rxlane_fail_pcpu);
}

void rxlane_debugfs_module_uninit(void)
{
	debugfs_remove_recursive(rxlane_debugfs_root);
	rxlane_debugfs_root = NULL;
}
