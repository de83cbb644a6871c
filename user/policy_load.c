// SPDX-License-Identifier: GPL-2.0
/*
 * policy_load.c - read a policy file (JSON, with jansson) into words:
 * each container and each rule becomes the argument list its command
 * would take (container add NAME ..., fw add NAME ...), so a file is
 * checked by exactly the parsers the commands use.
 *
 *   {"schema": 1, "containers": [
 *     {"name": "web", "ips": ["10.200.0.2"], "default": "drop",
 *      "dev": "h0", "nic": "rx0", "hw": true, "cpus": "0-1",
 *      "rules": [{"action": "allow", "proto": "tcp",
 *                 "from": "10.100.0.0/24", "dport": "80", "prio": 10,
 *                 "comment": "http"},
 *                {"direction": "out", "action": "allow", "proto": "udp",
 *                 "to": "10.0.0.53/32", "dport": "53"},
 *                "drop proto udp"]}]}
 *
 * A rule is an object or a string of rule words. YAML has the same keys
 * (policy_yaml.c, the CLI's only: rxlane-cni reads JSON alone and links
 * neither YAML library, performance.rst "CNI plugin, per-call cost").
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "policy.h"
#include "policy_priv.h"

int pol_push(struct pol_build *b, const char *s)
{
	size_t n = strlen(s) + 1;

	if (b->argc >= POL_MAX_WORDS || b->len + n > sizeof(b->buf))
		return -E2BIG;
	memcpy(b->buf + b->len, s, n);
	b->off[b->argc++] = b->len;
	b->len += n;
	return 0;
}

int pol_push2(struct pol_build *b, const char *key, const char *val)
{
	if (!val)
		return 0;
	return pol_push(b, key) ?: pol_push(b, val);
}

/* Store the builder's words in @w and empty the builder. */
int pol_done(struct pol_build *b, struct pol_words *w)
{
	size_t ptrs = (b->argc + 1) * sizeof(char *);
	int i;

	w->argv = malloc(ptrs + b->len);
	if (!w->argv)
		return -ENOMEM;
	memcpy((char *)w->argv + ptrs, b->buf, b->len);
	for (i = 0; i < b->argc; i++)
		w->argv[i] = (char *)w->argv + ptrs + b->off[i];
	w->argv[b->argc] = NULL;
	w->argc = b->argc;
	b->argc = 0;
	b->len = 0;
	return 0;
}

/* "allow proto tcp" -> words */
static int pol_split(struct pol_build *b, const char *s)
{
	const char *p = s, *end;
	char word[256];
	int err = 0;

	while (!err && *p) {
		p += strspn(p, " \t");
		end = p + strcspn(p, " \t");
		if (end == p)
			break;
		if ((size_t)(end - p) >= sizeof(word))
			return -E2BIG;
		memcpy(word, p, end - p);
		word[end - p] = '\0';
		err = pol_push(b, word);
		p = end;
	}
	return err;
}

static void pol_words_free(struct pol_words *w)
{
	free(w->argv);
	w->argv = NULL;
	w->argc = 0;
}

void policy_free(struct policy *p)
{
	unsigned int i, k;

	for (i = 0; i < p->tun.nvteps; i++)
		pol_words_free(&p->tun.vteps[i]);
	for (i = 0; i < p->tun.nvnis; i++)
		free(p->tun.vnis[i]);
	free(p->tun.vteps);
	free(p->tun.vnis);
	pol_words_free(&p->tun.ports);
	pol_words_free(&p->ct);

	for (i = 0; i < p->n; i++) {
		pol_words_free(&p->conts[i].cont);
		for (k = 0; k < p->conts[i].nrules; k++)
			pol_words_free(&p->conts[i].rules[k]);
		free(p->conts[i].rules);
	}
	free(p->conts);
	memset(p, 0, sizeof(*p));
}

/*
 * Begin the message in @err with "@path: " unless it names the file
 * already: a structural refusal ('ct_timeouts' must be an object) says
 * where it is, as the parsers' refusals of a value do.
 */
static void pol_in_file(char *err, size_t len, const char *path)
{
	char *msg;

	if (!strncmp(err, path, strlen(path)))
		return;
	msg = strdup(err);
	if (msg)
		snprintf(err, len, "%s: %s", path, msg);
	free(msg);
}

int pol_fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int pol_alloc(struct policy *p, unsigned int n)
{
	p->conts = calloc(n ?: 1, sizeof(*p->conts));
	p->n = 0;
	return p->conts ? 0 : -ENOMEM;
}

/* ---- JSON ------------------------------------------------------------- */

/* A scalar as text: strings as they are, integers in decimal. */
static const char *pol_json_text(json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return NULL;
}

static int pol_json_keys(json_t *o, const char *const *keys,
			 const char *where, char *err, size_t len)
{
	const char *k;
	json_t *v;
	int i;

	json_object_foreach(o, k, v) {
		for (i = 0; keys[i] && strcmp(keys[i], k); i++)
			;
		if (!keys[i])
			return pol_fail(err, len, "%s: unknown key '%s'", where,
					k);
	}
	return 0;
}

/* A rule's "direction": one bare word of the grammar, in or out. */
static int pol_direction(struct pol_build *w, const char *v,
			 const char *where, char *err, size_t len)
{
	if (!v)
		return 0;
	if (strcmp(v, "in") && strcmp(v, "out"))
		return pol_fail(err, len, "%s: direction '%s' is not 'in' or 'out'",
				where, v);
	return pol_push(w, v);
}

static int pol_json_rule(json_t *r, struct pol_build *w, const char *cont,
			 size_t n, char *err, size_t len)
{
	char where[128];

	static const char *const keys[] = {
		"action", "proto", "from", "dport", "prio", "comment",
		"direction", "to", NULL
	};
	char buf[32];
	const char *v;
	int i, e;

	if (json_is_string(r))
		return pol_split(w, json_string_value(r));
	/* Only an object can be wrong here: name the place for it. */
	snprintf(where, sizeof(where), "%s rule %zu", cont, n);
	if (!json_is_object(r))
		return pol_fail(err, len, "%s: a rule is an object or a string",
				where);
	e = pol_json_keys(r, keys, where, err, len);
	for (i = 0; keys[i] && !e; i++) {
		json_t *j = json_object_get(r, keys[i]);

		if (!j)
			continue;
		v = pol_json_text(j, buf, sizeof(buf));
		if (!v)
			return pol_fail(err, len, "%s: '%s' must be a string or a number",
					where, keys[i]);
		if (!strcmp(keys[i], "direction"))
			e = pol_direction(w, v, where, err, len);
		else
			e = i ? pol_push2(w, keys[i], v) : pol_push(w, v);
	}
	if (!e && !json_object_get(r, "action"))
		return pol_fail(err, len, "%s: rule without 'action'", where);
	return e;
}

static int pol_json_ips(json_t *ips, struct pol_build *w, const char *where,
			char *err, size_t len)
{
	size_t i;
	json_t *a;
	int e = 0;

	if (!json_is_array(ips))
		return pol_fail(err, len, "%s: 'ips' must be a list", where);
	json_array_foreach(ips, i, a) {
		if (!json_is_string(a))
			return pol_fail(err, len, "%s: ips[%zu] is not a string",
					where, i);
		e = e ?: pol_push2(w, "ip", json_string_value(a));
	}
	return e;
}

/* The container's own words: NAME ip A ... default D dev X. */
static int pol_json_cont_words(json_t *o, struct pol_build *b,
			       struct pol_cont *pc, const char *where,
			       char *err, size_t len)
{
	static const char *const keys[] = {
		"name", "ips", "vni", "default", "egress_default", "dev",
		"mac", "port", "netns", "rules", "nic", "hw", "cpus", NULL
	};
	json_t *name = json_object_get(o, "name"), *r;
	json_t *ips = json_object_get(o, "ips");
	size_t i;
	int e;

	if (!json_is_object(o))
		return pol_fail(err, len, "%s: not an object", where);
	e = pol_json_keys(o, keys, where, err, len);
	if (e)
		return e;
	if (!json_is_string(name))
		return pol_fail(err, len, "%s: 'name' must be a string", where);
	r = json_object_get(o, "hw");
	if (r && !json_is_boolean(r))
		return pol_fail(err, len, "%s: 'hw' must be true or false",
				where);
	for (i = 0; i < 9; i++) {
		static const char *const k[] = {
			"default", "egress_default", "dev", "mac", "vni", "nic",
			"cpus", "port", "netns"
		};

		r = json_object_get(o, k[i]);
		if (r && !json_is_string(r))
			return pol_fail(err, len, "%s: '%s' must be a string",
					where, k[i]);
	}
	return pol_push(b, json_string_value(name)) ?:
	       (ips ? pol_json_ips(ips, b, where, err, len) : 0) ?:
	       pol_push2(b, "vni", json_string_value(json_object_get(o, "vni"))) ?:
	       pol_push2(b, "default",
			 json_string_value(json_object_get(o, "default"))) ?:
	       pol_push2(b, "egress-default",
			 json_string_value(json_object_get(o, "egress_default"))) ?:
	       pol_push2(b, "dev", json_string_value(json_object_get(o, "dev"))) ?:
	       pol_push2(b, "mac", json_string_value(json_object_get(o, "mac"))) ?:
	       pol_push2(b, "port", json_string_value(json_object_get(o, "port"))) ?:
	       pol_push2(b, "netns",
			 json_string_value(json_object_get(o, "netns"))) ?:
	       pol_push2(b, "cpus", json_string_value(json_object_get(o, "cpus"))) ?:
	       pol_push2(b, "nic", json_string_value(json_object_get(o, "nic"))) ?:
	       (json_is_true(json_object_get(o, "hw")) ? pol_push(b, "hw") : 0) ?:
	       pol_done(b, &pc->cont);
}

static int pol_json_cont(json_t *o, struct pol_cont *pc, const char *where,
			 char *err, size_t len)
{
	struct pol_build *b = calloc(1, sizeof(*b));
	json_t *rules, *r;
	size_t i;
	int e;

	if (!b)
		return -ENOMEM;
	e = pol_json_cont_words(o, b, pc, where, err, len);
	rules = e ? NULL : json_object_get(o, "rules");
	if (rules && !json_is_array(rules))
		e = pol_fail(err, len, "%s: 'rules' must be a list", where);
	if (rules && !e) {
		pc->rules = calloc(json_array_size(rules) ?: 1,
				   sizeof(*pc->rules));
		if (!pc->rules)
			e = -ENOMEM;
	}
	json_array_foreach(rules, i, r) {
		if (e)
			break;
		e = pol_json_rule(r, b, where, i + 1, err, len) ?:
		    pol_done(b, &pc->rules[pc->nrules++]);
	}
	free(b);
	return e;
}

/*
 * One container given as a policy file's container object @o (the CNI
 * plugin's network config): the same words, checked by the same parsers.
 */
int policy_load_cont(json_t *o, struct pol_cont *pc, char *err, size_t len)
{
	memset(pc, 0, sizeof(*pc));
	return pol_json_cont(o, pc, "policy", err, len);
}

void policy_cont_free(struct pol_cont *pc)
{
	unsigned int k;

	pol_words_free(&pc->cont);
	for (k = 0; k < pc->nrules; k++)
		pol_words_free(&pc->rules[k]);
	free(pc->rules);
	memset(pc, 0, sizeof(*pc));
}

/* "vteps": [{"addr": A, "type": "vxlan,geneve"}, ...] -> vtep add words */
static int pol_json_vteps(json_t *a, struct pol_tunnels *t, char *err,
			  size_t len)
{
	static const char *const keys[] = { "addr", "type", NULL };
	struct pol_build *b;
	char where[32];
	json_t *o;
	size_t i;
	int e = 0;

	if (!json_is_array(a))
		return pol_fail(err, len, "'vteps' must be a list");
	t->vteps = calloc(json_array_size(a) ?: 1, sizeof(*t->vteps));
	b = calloc(1, sizeof(*b));
	if (!t->vteps || !b)
		e = -ENOMEM;
	json_array_foreach(a, i, o) {
		json_t *addr = json_object_get(o, "addr");
		json_t *type = json_object_get(o, "type");

		if (e)
			break;
		snprintf(where, sizeof(where), "vtep %zu", i + 1);
		if (!json_is_object(o))
			e = pol_fail(err, len, "%s: not an object", where);
		else if (!json_is_string(addr) || (type && !json_is_string(type)))
			e = pol_fail(err, len,
				     "%s: 'addr' and 'type' must be strings",
				     where);
		e = e ?: pol_json_keys(o, keys, where, err, len) ?:
		    pol_push(b, json_string_value(addr)) ?:
		    pol_push2(b, "type", json_string_value(type)) ?:
		    pol_done(b, &t->vteps[t->nvteps++]);
	}
	free(b);
	t->has_vteps = true;
	return e;
}

/* "vnis": ["100", "geneve:200", 300] */
static int pol_json_vnis(json_t *a, struct pol_tunnels *t, char *err,
			 size_t len)
{
	char buf[32];
	const char *v;
	json_t *o;
	size_t i;

	if (!json_is_array(a))
		return pol_fail(err, len, "'vnis' must be a list");
	t->vnis = calloc(json_array_size(a) ?: 1, sizeof(*t->vnis));
	if (!t->vnis)
		return -ENOMEM;
	t->has_vnis = true;
	json_array_foreach(a, i, o) {
		v = pol_json_text(o, buf, sizeof(buf));
		if (!v)
			return pol_fail(err, len,
					"vnis[%zu] is not a string or a number",
					i);
		t->vnis[t->nvnis] = strdup(v);
		if (!t->vnis[t->nvnis++])
			return -ENOMEM;
	}
	return 0;
}

/* "ports": {"vxlan": 4789, "geneve": 6081} -> words */
static int pol_json_ports(json_t *o, struct pol_tunnels *t, char *err,
			  size_t len)
{
	static const char *const keys[] = { "vxlan", "geneve", NULL };
	struct pol_build *b;
	char buf[32];
	int i, e;

	if (!json_is_object(o))
		return pol_fail(err, len, "'ports' must be an object");
	e = pol_json_keys(o, keys, "ports", err, len);
	b = e ? NULL : calloc(1, sizeof(*b));
	if (!e && !b)
		e = -ENOMEM;
	for (i = 0; keys[i] && !e; i++) {
		json_t *j = json_object_get(o, keys[i]);
		const char *v = j ? pol_json_text(j, buf, sizeof(buf)) : NULL;

		if (j && !v)
			e = pol_fail(err, len,
				     "ports: '%s' must be a number", keys[i]);
		else
			e = pol_push2(b, keys[i], v);
	}
	e = e ?: pol_done(b, &t->ports);
	free(b);
	t->has_ports = true;
	return e;
}

/*
 * "ct_timeouts": {"established": 3600, "udp": "default"} -> words; the
 * states and values are checked by the ct commands' parser (cmd_ct.c).
 */
static int pol_json_ct(json_t *o, struct policy *p, char *err, size_t len)
{
	struct pol_build *b;
	const char *k, *v;
	char buf[32];
	json_t *j;
	int e = 0;

	if (!json_is_object(o))
		return pol_fail(err, len, "'ct_timeouts' must be an object");
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	json_object_foreach(o, k, j) {
		v = pol_json_text(j, buf, sizeof(buf));
		e = v ? pol_push2(b, k, v) :
		    pol_fail(err, len,
			     "ct_timeouts: '%s' must be a number or \"default\"",
			     k);
		if (e)
			break;
	}
	e = e ?: pol_done(b, &p->ct);
	free(b);
	p->has_ct = true;
	return e;
}

static int pol_json_tunnels(json_t *doc, struct pol_tunnels *t, char *err,
			    size_t len)
{
	json_t *v = json_object_get(doc, "vteps");
	json_t *n = json_object_get(doc, "vnis");
	json_t *p = json_object_get(doc, "ports");

	return (v ? pol_json_vteps(v, t, err, len) : 0) ?:
	       (n ? pol_json_vnis(n, t, err, len) : 0) ?:
	       (p ? pol_json_ports(p, t, err, len) : 0);
}

/* The whole file at once: jansson reads a FILE a character at a time. */
static json_t *pol_json_read(const char *path, json_error_t *je)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	json_t *doc = NULL;
	void *m;

	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size) {
		if (fd >= 0)
			close(fd);
		return json_load_file(path, JSON_REJECT_DUPLICATES, je);
	}
	m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return json_load_file(path, JSON_REJECT_DUPLICATES, je);
	doc = json_loadb(m, st.st_size, JSON_REJECT_DUPLICATES, je);
	munmap(m, st.st_size);
	return doc;
}

/*
 * Where container @i (@o) of the file is, for messages: by its name when
 * it has a plausible one (a short string of printable characters, which
 * the commands' parser then judges), else by its place (1-based).
 */
static void pol_cont_where(json_t *o, size_t i, char *where, size_t len)
{
	json_t *n = json_is_object(o) ? json_object_get(o, "name") : NULL;
	const char *s = json_is_string(n) ? json_string_value(n) : NULL;
	size_t k, l = s ? json_string_length(n) : 0;

	for (k = 0; k < l && s[k] > ' ' && s[k] < 0x7f && s[k] != '\'';
	     k++)
		;
	if (l && k == l && l < 32)
		snprintf(where, len, "container '%s'", s);
	else
		snprintf(where, len, "container %zu", i + 1);
}

int policy_load_json(const char *path, struct policy *p, char *err,
		     size_t len)
{
	json_t *doc, *conts, *schema, *o;
	json_error_t je;
	char where[96];
	size_t i;
	int e;

	memset(p, 0, sizeof(*p));
	doc = pol_json_read(path, &je);
	if (!doc)
		return pol_fail(err, len, "%s:%d:%d: %s", path, je.line,
				je.column, je.text);
	schema = json_object_get(doc, "schema");
	conts = json_object_get(doc, "containers");
	e = pol_json_keys(doc, (const char *const[]){ "schema", "containers",
						     "vteps", "vnis", "ports",
						     "ct_timeouts", NULL },
			  path, err, len);
	if (!e && schema && json_integer_value(schema) != POL_SCHEMA)
		e = pol_fail(err, len, "%s: schema must be %d", path,
			     POL_SCHEMA);
	if (!e && conts && !json_is_array(conts))
		e = pol_fail(err, len, "%s: 'containers' must be a list", path);
	if (!e)
		e = pol_alloc(p, json_array_size(conts));
	if (!e)
		e = pol_json_tunnels(doc, &p->tun, err, len);
	o = json_object_get(doc, "ct_timeouts");
	if (!e && o)
		e = pol_json_ct(o, p, err, len);
	json_array_foreach(conts, i, o) {
		if (e)
			break;
		pol_cont_where(o, i, where, sizeof(where));
		e = pol_json_cont(o, &p->conts[p->n++], where, err, len);
	}
	json_decref(doc);
	if (e && !err[0])
		pol_fail(err, len, "%s: %s", path, strerror(-e));
	else if (e)
		pol_in_file(err, len, path);
	return e;
}
