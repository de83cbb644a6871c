// SPDX-License-Identifier: GPL-2.0
/*
 * cni_conf.c - rxlane-cni's request: the CNI environment, the network
 * config and prevResult, turned into a CLI container (struct cli_set) by
 * the parsers the CLI and policy files use (policy_load_cont(),
 * cli_parse_cont(), cli_parse_rule()).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/magic.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni.h"
#include "policy.h"

/* The name a CLI container may have, for ids and network names too. */
static bool cni_word_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n && n < max && s[0] != '-' && s[0] != '.' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/*
 * CNI_NETNS: a network namespace (cli_netns_fd(): opened without
 * blocking, so a FIFO there cannot hang the runtime), not the plugin's own.
 */
static int cni_check_netns(struct cni_req *r)
{
	struct stat st, self;
	char why[PATH_MAX + 128];
	int fd, err = 0;

	fd = cli_netns_fd(r->netns, why, sizeof(why));
	if (fd < 0)
		return cni_fail(r, CNI_ERR_ENV, "CNI_NETNS: %s", why);
	if (!getenv("CNI_NETNS_OVERRIDE") && !fstat(fd, &st) &&
		 !stat("/proc/self/ns/net", &self) && st.st_ino == self.st_ino &&
		 st.st_dev == self.st_dev)
		err = cni_fail(r, CNI_ERR_ENV,
			       "CNI_NETNS '%s' is the plugin's own network namespace",
			       r->netns);
	close(fd);
	return err;
}

/* "IgnoreUnknown=1;K8S_POD_NAME=web": each part K=V. */
static int cni_check_args(struct cni_req *r)
{
	const char *p = r->args;

	while (p && *p) {
		size_t n = strcspn(p, ";");
		const char *eq = memchr(p, '=', n);

		if (!eq || eq == p)
			return cni_fail(r, CNI_ERR_ENV,
					"CNI_ARGS: '%.*s' is not KEY=VALUE",
					(int)n, p);
		p += n + (p[n] == ';');
	}
	return 0;
}

int cni_parse_env(struct cni_req *r)
{
	bool del = !strcmp(r->cmd, "DEL");

	r->cid = getenv("CNI_CONTAINERID");
	r->netns = getenv("CNI_NETNS");
	r->ifname = getenv("CNI_IFNAME");
	r->args = getenv("CNI_ARGS");
	if (!r->cid || !cni_word_ok(r->cid, CNI_CID_MAX))
		return cni_fail(r, CNI_ERR_ENV,
				"CNI_CONTAINERID '%s' is missing or invalid (1-%d of A-Z a-z 0-9 _ . -)",
				r->cid ?: "", CNI_CID_MAX - 1);
	if (!r->ifname || !*r->ifname || strlen(r->ifname) >= IFNAMSIZ ||
	    strpbrk(r->ifname, "/: \t\n") || !strcmp(r->ifname, ".") ||
	    !strcmp(r->ifname, ".."))
		return cni_fail(r, CNI_ERR_ENV,
				"CNI_IFNAME '%s' is missing or not an interface name",
				r->ifname ?: "");
	if (r->netns && !*r->netns)
		r->netns = NULL;
	if (!r->netns && !del)
		return cni_fail(r, CNI_ERR_ENV, "CNI_NETNS is not set");
	if (r->netns && !del && cni_check_netns(r))
		return -1;
	return cni_check_args(r);
}

static int cni_opt_string(struct cni_req *r, const char *key,
			  const char **out, size_t max)
{
	json_t *v = json_object_get(r->conf, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v) || !json_string_length(v) ||
	    json_string_length(v) >= max)
		return cni_fail(r, CNI_ERR_CONFIG,
				"'%s' must be a string of 1-%zu characters",
				key, max - 1);
	*out = json_string_value(v);
	return 0;
}

/*
 * 'cpus' of runtimeConfig (the runtime's, per container: capability
 * "cpus") or else of the network config: the CPUs of a container with
 * 'hw' (its RSS context), in the CLI's list grammar ("0-3,8"), which the
 * CLI's parser checks.
 */
static int cni_parse_cpus(struct cni_req *r)
{
	json_t *rc = json_object_get(r->conf, "runtimeConfig");
	json_t *v = json_object_get(r->conf, "cpus");
	const char *key = "cpus";

	if (json_is_object(rc) && json_object_get(rc, "cpus")) {
		v = json_object_get(rc, "cpus");
		key = "runtimeConfig.cpus";
	}
	if (!v)
		return 0;
	if (!json_is_string(v) || !json_string_length(v))
		return cni_fail(r, CNI_ERR_CONFIG,
				"'%s' must be a CPU list such as \"0-3,8\"", key);
	if (!r->hw)
		return cni_fail(r, CNI_ERR_CONFIG,
				"'%s' needs 'hw': true (the CPUs are those of the container's RSS context in the NIC)",
				key);
	r->cpus = json_string_value(v);
	return 0;
}

/* The keys the plugin reads; DEL (@policy false) needs fewer. */
int cni_parse_conf(struct cni_req *r, bool policy)
{
	json_t *v = json_object_get(r->conf, "cniVersion");
	json_t *hw = json_object_get(r->conf, "hw");
	json_t *pol = json_object_get(r->conf, "policy");
	const char *type;

	if (!json_is_string(v))
		return cni_fail(r, CNI_ERR_CONFIG,
				"'cniVersion' is missing or not a string");
	r->version = json_string_value(v);
	if (!cni_version_ok(r->version))
		return cni_fail(r, CNI_ERR_VERSION,
				"cniVersion '%s' is not supported (0.3.1, 0.4.0, 1.0.0, 1.1.0)",
				r->version);
	if (cni_opt_string(r, "name", &r->net, CNI_NET_MAX) ||
	    cni_opt_string(r, "type", &type, 256) ||
	    cni_opt_string(r, "device", &r->device, IFNAMSIZ) ||
	    cni_opt_string(r, "pinDir", &r->pin_dir, PATH_MAX))
		return -1;
	if (!r->net || !cni_word_ok(r->net, CNI_NET_MAX))
		return cni_fail(r, CNI_ERR_CONFIG,
				"'name' is missing or invalid (1-%d of A-Z a-z 0-9 _ . -)",
				CNI_NET_MAX - 1);
	if (!type)
		return cni_fail(r, CNI_ERR_CONFIG, "'type' is missing");
	if (r->pin_dir && r->pin_dir[0] != '/')
		return cni_fail(r, CNI_ERR_CONFIG,
				"'pinDir' '%s' is not an absolute path",
				r->pin_dir);
	r->pin_dir = r->pin_dir ?: CLI_PIN_DIR;
	snprintf(r->key.net, sizeof(r->key.net), "%s", r->net);
	if (r->cid) {		/* GC and STATUS name no attachment */
		snprintf(r->key.cid, sizeof(r->key.cid), "%s", r->cid);
		snprintf(r->key.ifname, sizeof(r->key.ifname), "%s",
			 r->ifname);
	}
	if (!policy)
		return 0;
	if (!strcmp(r->cmd, "CHECK") && !cni_version_checkable(r->version))
		return cni_fail(r, CNI_ERR_UNSUPPORTED,
				"CHECK needs cniVersion 0.4.0 or later, not %s",
				r->version);
	if (hw && !json_is_boolean(hw))
		return cni_fail(r, CNI_ERR_CONFIG, "'hw' must be true or false");
	r->hw = json_is_true(hw);
	if (r->hw && !r->device)
		return cni_fail(r, CNI_ERR_CONFIG,
				"'hw': true needs 'device', the uplink NIC that is to hold the container's filters");
	if (cni_parse_cpus(r))
		return -1;
	if (pol && !json_is_object(pol))
		return cni_fail(r, CNI_ERR_CONFIG, "'policy' must be an object");
	r->prev = json_object_get(r->conf, "prevResult");
	if (!r->prev)
		return cni_fail(r, CNI_ERR_CONFIG,
				"no 'prevResult': rxlane-cni is a chained plugin, it runs after an interface plugin (bridge, macvlan, ipvlan, ptp)");
	if (!json_is_object(r->prev))
		return cni_fail(r, CNI_ERR_CONFIG,
				"'prevResult' must be an object");
	return 0;
}

/* Characters a CLI name cannot have become '_'. */
static void cni_clean(char *s)
{
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *s))
			*s = '_';
}

/* The value of @key in CNI_ARGS into @buf ("" when absent). */
static void cni_arg(const struct cni_req *r, const char *key, char *buf,
		    size_t len)
{
	const char *p = r->args;
	size_t k = strlen(key);

	buf[0] = '\0';
	while (p && *p) {
		size_t n = strcspn(p, ";");

		if (n > k && !strncmp(p, key, k) && p[k] == '=')
			snprintf(buf, len, "%.*s", (int)(n - k - 1), p + k + 1);
		p += n + (p[n] == ';');
	}
}

/*
 * NS.POD or POD (cut to 18) + "-" + the id's first 12 characters; without
 * a pod name the id's first 31 (Documentation/cni.rst, "Name").
 */
static void cni_name(struct cni_req *r)
{
	char ns[64], pod[256], base[320];

	cni_arg(r, "K8S_POD_NAMESPACE", ns, sizeof(ns));
	cni_arg(r, "K8S_POD_NAME", pod, sizeof(pod));
	if (!pod[0]) {
		snprintf(r->name, sizeof(r->name), "%s", r->cid);
		return;
	}
	snprintf(base, sizeof(base), "%s%s%s", ns, ns[0] ? "." : "", pod);
	base[18] = '\0';
	snprintf(r->name, sizeof(r->name), "%.18s-%.12s", base, r->cid);
	cni_clean(r->name);
	if (r->name[0] == '-' || r->name[0] == '.')
		r->name[0] = '_';
}

/* @name is a bridge of this network namespace (its driver is "bridge"). */
static bool cni_is_bridge(const char *name)
{
	return cli_dev_driver_is(name, "bridge");
}

/*
 * prevResult's interface index of CNI_IFNAME (in a sandbox), -1 when it
 * has no interfaces list; its MAC into r->mac (when it has one); the
 * host-side device into @dev: the first interface outside the sandbox that
 * exists here and is not a bridge (the host end of a bridge or ptp veth;
 * macvlan and ipvlan have none).
 */
static int cni_prev_ifaces(struct cni_req *r, char *dev, size_t len,
			   int *mine)
{
	json_t *ifs = json_object_get(r->prev, "interfaces"), *i;
	size_t k;

	*mine = -1;
	dev[0] = '\0';
	if (!ifs)
		return 0;
	if (!json_is_array(ifs))
		return cni_fail(r, CNI_ERR_CONFIG,
				"prevResult: 'interfaces' must be a list");
	json_array_foreach(ifs, k, i) {
		const char *name = json_string_value(json_object_get(i, "name"));
		const char *sb = json_string_value(json_object_get(i, "sandbox"));

		if (!json_is_object(i) || !name)
			return cni_fail(r, CNI_ERR_CONFIG,
					"prevResult: interfaces[%zu] has no 'name'",
					k);
		if (sb && *sb && !strcmp(name, r->ifname)) {
			json_t *mac = json_object_get(i, "mac");

			if (mac && !json_is_string(mac))
				return cni_fail(r, CNI_ERR_CONFIG,
						"prevResult: interfaces[%zu] 'mac' must be a string",
						k);
			r->mac = json_string_value(mac);
			*mine = k;
			continue;
		}
		if ((sb && *sb) || dev[0] || strlen(name) >= len ||
		    !if_nametoindex(name))
			continue;
		if (!cni_is_bridge(name))
			snprintf(dev, len, "%s", name);
	}
	return 0;
}

/* The addresses of CNI_IFNAME in prevResult, without their lengths. */
static int cni_prev_ips(struct cni_req *r, int mine, json_t *out)
{
	json_t *ips = json_object_get(r->prev, "ips"), *ip, *idx;
	char buf[64], *slash;
	const char *a;
	size_t k;

	if (ips && !json_is_array(ips))
		return cni_fail(r, CNI_ERR_CONFIG,
				"prevResult: 'ips' must be a list");
	json_array_foreach(ips, k, ip) {
		a = json_string_value(json_object_get(ip, "address"));
		idx = json_object_get(ip, "interface");
		if (!a || strlen(a) >= sizeof(buf))
			return cni_fail(r, CNI_ERR_CONFIG,
					"prevResult: ips[%zu] has no 'address'",
					k);
		if (idx && !json_is_integer(idx))
			return cni_fail(r, CNI_ERR_CONFIG,
					"prevResult: ips[%zu]: 'interface' must be a number",
					k);
		if (idx && mine >= 0 && json_integer_value(idx) != mine)
			continue;
		strcpy(buf, a);
		slash = strchr(buf, '/');
		if (slash)
			*slash = '\0';
		json_array_append_new(out, json_string(buf));
	}
	if (!json_array_size(out))
		return cni_fail(r, CNI_ERR_CONFIG,
				"prevResult has no address for interface '%s'",
				r->ifname);
	return 0;
}

/*
 * Per-container overrides of the config's policy in @o (cni.rst,
 * "Overrides"): runtimeConfig.rxlanePolicy (sent by runtimes for a
 * plugin whose config declares the capability) replaces the default and
 * appends its rules; then CNI_ARGS RXLANE_DEFAULT=allow|drop replaces
 * the default.
 */
static int cni_overrides(struct cni_req *r, json_t *o)
{
	json_t *rc = json_object_get(r->conf, "runtimeConfig");
	json_t *pol = json_object_get(rc, "rxlanePolicy"), *v, *rules;
	char dflt[16];
	const char *k;
	size_t i;

	if (pol && !json_is_object(pol))
		return cni_fail(r, CNI_ERR_CONFIG,
				"runtimeConfig: 'rxlanePolicy' must be an object");
	json_object_foreach(pol, k, v) {
		if (!strcmp(k, "default")) {
			json_object_set(o, k, v);
			continue;
		}
		if (strcmp(k, "rules"))
			return cni_fail(r, CNI_ERR_CONFIG,
					"runtimeConfig: rxlanePolicy: unknown key '%s' (default, rules)",
					k);
		if (!json_is_array(v))
			return cni_fail(r, CNI_ERR_CONFIG,
					"runtimeConfig: rxlanePolicy: 'rules' must be a list");
		rules = json_object_get(o, "rules");
		if (!rules) {
			rules = json_array();
			json_object_set_new(o, "rules", rules);
		}
		if (!json_is_array(rules))
			continue;	/* the policy parser refuses it */
		for (i = 0; i < json_array_size(v); i++)
			json_array_append(rules, json_array_get(v, i));
	}
	cni_arg(r, "RXLANE_DEFAULT", dflt, sizeof(dflt));
	if (!dflt[0])
		return 0;
	if (strcmp(dflt, "allow") && strcmp(dflt, "drop"))
		return cni_fail(r, CNI_ERR_ENV,
				"CNI_ARGS: RXLANE_DEFAULT='%s' is not allow or drop",
				dflt);
	json_object_set_new(o, "default", json_string(dflt));
	return 0;
}

/*
 * The container as a policy file's container object: name, ips, the
 * config's default and rules (with the overrides), and dev.
 */
static json_t *cni_cont_object(struct cni_req *r)
{
	json_t *pol = json_object_get(r->conf, "policy"), *v;
	json_t *o = json_object(), *ips = json_array();
	char dev[IFNAMSIZ];
	const char *k;
	int mine;

	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "ips", ips);
	if (cni_prev_ifaces(r, dev, sizeof(dev), &mine) ||
	    cni_prev_ips(r, mine, ips))
		goto err_free;
	r->set_dev = dev[0];
	if (dev[0])
		json_object_set_new(o, "dev", json_string(dev));
	json_object_foreach(pol, k, v) {
		if (strcmp(k, "default") && strcmp(k, "rules")) {
			cni_fail(r, CNI_ERR_CONFIG,
				 "policy: unknown key '%s' (default, rules)", k);
			goto err_free;
		}
		json_object_set_new(o, k, json_deep_copy(v));
	}
	if (cni_overrides(r, o))
		goto err_free;
	return o;

err_free:
	json_decref(o);
	return NULL;
}

static int cni_rules(struct cni_req *r, struct cli *c,
		     const struct pol_cont *pc)
{
	struct cli_set *s = &r->set;
	unsigned int i, k;
	int err = 0;

	s->rules = calloc(pc->nrules ?: 1, sizeof(*s->rules));
	if (!s->rules)
		return cni_fail(r, CNI_ERR_STATE, "out of memory");
	cni_lib_begin();
	for (i = 0; i < pc->nrules && !err; i++) {
		err = cli_parse_rule(c, pc->rules[i].argc, pc->rules[i].argv,
				     &s->rules[i]);
		s->rules[i].handle = i + 1;
		s->nrules++;
	}
	if (cni_lib_end(r, err, CNI_ERR_CONFIG))
		return -1;
	for (i = 0; i < s->nrules; i++)
		for (k = 0; k < i; k++)
			if (cli_rule_same(&s->rules[i], &s->rules[k]))
				return cni_fail(r, CNI_ERR_CONFIG,
						"policy: rules %u and %u are the same",
						k + 1, i + 1);
	s->cont.next_handle = s->nrules + 1;
	return 0;
}

/*
 * The policy's container words, plus "mac MAC" (the sandbox interface's,
 * checked by the CLI's parser) when it has a host-side device, where the
 * anti-spoofing check runs (conntrack.rst, "Anti-spoofing"); without
 * one, "port CNI_IFNAME netns CNI_NETNS" (and its MAC): the check runs
 * on that interface's egress in the container's namespace.
 */
static int cni_parse_cont(struct cni_req *r, struct cli *c,
			  const struct pol_cont *pc)
{
	int argc = pc->cont.argc, err;
	char **argv = calloc(argc + 12, sizeof(*argv));
	bool port;

	cni_lib_begin();
	if (!argv) {
		fprintf(stderr, "rxlane-cni: out of memory\n");
		return -ENOMEM;
	}
	memcpy(argv, pc->cont.argv, argc * sizeof(*argv));
	/*
	 * Without a host-side device (macvlan, ipvlan), the check runs on
	 * CNI_IFNAME's egress in CNI_NETNS (conntrack.rst, "The port check").
	 */
	port = !r->set_dev && r->netns && r->ifname &&
	       strlen(r->netns) < sizeof(r->set.cont.netns);
	if (!r->set_dev && r->netns && !port)
		fprintf(stderr, "rxlane-cni: CNI_NETNS '%s' is longer than %zu characters: '%s' is not bound by its interface (no anti-spoofing check there)\n",
			r->netns, sizeof(r->set.cont.netns) - 1, r->name);
	if (r->mac && (r->set_dev || port)) {
		argv[argc++] = "mac";
		argv[argc++] = (char *)r->mac;
	}
	if (port) {
		argv[argc++] = "port";
		argv[argc++] = (char *)r->ifname;
		argv[argc++] = "netns";
		argv[argc++] = (char *)r->netns;
	}
	/* The NIC too, or XDP alone with the reason on stderr (the log). */
	if (r->hw) {
		argv[argc++] = "nic";
		argv[argc++] = (char *)r->device;
		argv[argc++] = "hw";
	}
	if (r->cpus) {
		argv[argc++] = "cpus";
		argv[argc++] = (char *)r->cpus;
	}
	c->ctx = "policy";
	err = cli_parse_cont(c, argc, argv, &r->set.cont);
	c->ctx = NULL;
	/* Its ifindex there, and the namespace's cookie. */
	if (!err && port)
		err = cli_port_resolve(c, &r->set.cont, NULL, 0);
	free(argv);
	return err;
}

/*
 * With 'hw', the record keeps CNI_NETNS and its namespace's cookie:
 * whenever the CLI makes the NIC's container anew (check --repair,
 * container set), it goes with the container's namespace again, and
 * never with another one bound to the path since (hwfilter.rst,
 * "Namespaces").
 */
static int cni_keep_netns(struct cni_req *r)
{
	char err[CLI_NETNS_MAX + 128];
	int fd;

	if (!r->hw || !r->netns)
		return 0;
	if (strlen(r->netns) >= sizeof(r->set.cont.netns))
		return cni_fail(r, CNI_ERR_ENV,
				"CNI_NETNS '%s' is longer than %zu characters: 'hw': true keeps it in the container's record",
				r->netns, sizeof(r->set.cont.netns) - 1);
	fd = cli_netns_open(r->netns, 0, &r->set.cont.netns_cookie, err,
			    sizeof(err));
	if (fd < 0)
		return cni_fail(r, CNI_ERR_ENV, "CNI_NETNS: %s", err);
	close(fd);
	snprintf(r->set.cont.netns, sizeof(r->set.cont.netns), "%s", r->netns);
	return 0;
}

int cni_build(struct cni_req *r, struct cli *c)
{
	json_t *o;
	struct pol_cont pc;
	int err;

	cni_name(r);
	o = cni_cont_object(r);
	if (!o)
		return -1;
	err = policy_load_cont(o, &pc, r->msg, sizeof(r->msg));
	json_decref(o);
	if (err) {
		policy_cont_free(&pc);
		if (!r->msg[0])
			snprintf(r->msg, sizeof(r->msg), "policy: %s",
				 strerror(-err));
		r->code = CNI_ERR_CONFIG;
		return -1;
	}
	err = cni_parse_cont(r, c, &pc);
	err = cni_lib_end(r, err, CNI_ERR_CONFIG);
	if (!err)
		err = cni_keep_netns(r);
	if (!err)
		err = cni_rules(r, c, &pc);
	policy_cont_free(&pc);
	return err;
}

/*
 * GC's list, as libcni 1.2 sends it: cni.dev/valid-attachments (the 1.1.0
 * tag's cni.dev/attachments when it is absent), [{containerID, ifname}].
 * Missing or malformed, it is refused: GC must not take it for "nothing
 * is valid".
 */
static int cni_parse_valid(struct cni_req *r)
{
	const char *key = "cni.dev/valid-attachments";
	json_t *a, *l = json_object_get(r->conf, key);
	size_t i;

	if (!l) {
		key = "cni.dev/attachments";
		l = json_object_get(r->conf, key);
	}
	if (!json_is_array(l))
		return cni_fail(r, CNI_ERR_CONFIG,
				"GC needs 'cni.dev/valid-attachments', an array of {containerID, ifname}");
	json_array_foreach(l, i, a)
		if (!json_is_string(json_object_get(a, "containerID")) ||
		    !json_is_string(json_object_get(a, "ifname")))
			return cni_fail(r, CNI_ERR_CONFIG,
					"'%s'[%zu] is not an object with the strings 'containerID' and 'ifname'",
					key, i);
	r->valid = l;
	return 0;
}

int cni_parse_gc(struct cni_req *r)
{
	if (strcmp(r->version, "1.1.0"))
		return cni_fail(r, CNI_ERR_VERSION,
				"%s needs cniVersion 1.1.0, not %s", r->cmd,
				r->version);
	return strcmp(r->cmd, "GC") ? 0 : cni_parse_valid(r);
}
