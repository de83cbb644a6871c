// SPDX-License-Identifier: GPL-2.0
/*
 * policy_yaml.c - read a YAML policy file (libcyaml, libyaml for the keys
 * of empty lists) into the words the JSON reader gives (policy_load.c):
 * the same keys, the same checks. The CLI's alone: rxlane-cni reads JSON
 * and links neither YAML library.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cyaml/cyaml.h>
#include <yaml.h>

#include "policy.h"
#include "policy_priv.h"

struct y_rule {
	char *action, *proto, *from, *dport, *comment;
	char *prio;
	char *direction, *to;
};

struct y_cont {
	char *name, *def, *egress, *dev, *mac, *vni, *nic, *cpus;
	char *port, *netns;
	bool hw;
	char **ips;
	unsigned int ips_count;
	struct y_rule *rules;
	unsigned int rules_count;
};

struct y_vtep {
	char *addr, *type;
};

struct y_ports {
	char *vxlan, *geneve;
};

/* ct_timeouts: the states of 'rxlane ct timeout', in its order. */
struct y_ct {
	char *syn_sent, *syn_recv, *established, *fin_wait, *time_wait;
	char *close, *udp, *udp_stream, *icmp;
};

struct y_policy {
	unsigned int *schema;
	struct y_cont *containers;
	unsigned int containers_count;
	struct y_vtep *vteps;
	unsigned int vteps_count;
	char **vnis;
	unsigned int vnis_count;
	struct y_ports *ports;
	struct y_ct *ct;
};

#define Y_STR(key, st, f, flags) \
	CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | (flags), st, f, 0, \
			       CYAML_UNLIMITED)

static const cyaml_schema_field_t y_rule_fields[] = {
	Y_STR("action", struct y_rule, action, 0),
	Y_STR("proto", struct y_rule, proto, CYAML_FLAG_OPTIONAL),
	Y_STR("from", struct y_rule, from, CYAML_FLAG_OPTIONAL),
	Y_STR("dport", struct y_rule, dport, CYAML_FLAG_OPTIONAL),
	Y_STR("prio", struct y_rule, prio, CYAML_FLAG_OPTIONAL),
	Y_STR("comment", struct y_rule, comment, CYAML_FLAG_OPTIONAL),
	Y_STR("direction", struct y_rule, direction, CYAML_FLAG_OPTIONAL),
	Y_STR("to", struct y_rule, to, CYAML_FLAG_OPTIONAL),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t y_rule_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct y_rule, y_rule_fields),
};

static const cyaml_schema_value_t y_str_schema = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED),
};

static const cyaml_schema_field_t y_cont_fields[] = {
	Y_STR("name", struct y_cont, name, 0),
	CYAML_FIELD_SEQUENCE("ips", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct y_cont, ips, &y_str_schema, 0,
			     CYAML_UNLIMITED),
	Y_STR("vni", struct y_cont, vni, CYAML_FLAG_OPTIONAL),
	Y_STR("default", struct y_cont, def, CYAML_FLAG_OPTIONAL),
	Y_STR("egress_default", struct y_cont, egress, CYAML_FLAG_OPTIONAL),
	Y_STR("dev", struct y_cont, dev, CYAML_FLAG_OPTIONAL),
	Y_STR("mac", struct y_cont, mac, CYAML_FLAG_OPTIONAL),
	Y_STR("port", struct y_cont, port, CYAML_FLAG_OPTIONAL),
	Y_STR("netns", struct y_cont, netns, CYAML_FLAG_OPTIONAL),
	Y_STR("nic", struct y_cont, nic, CYAML_FLAG_OPTIONAL),
	Y_STR("cpus", struct y_cont, cpus, CYAML_FLAG_OPTIONAL),
	CYAML_FIELD_BOOL("hw", CYAML_FLAG_OPTIONAL, struct y_cont, hw),
	CYAML_FIELD_SEQUENCE("rules", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct y_cont, rules, &y_rule_schema, 0,
			     CYAML_UNLIMITED),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t y_cont_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct y_cont, y_cont_fields),
};

/* The tunnel keys, as in JSON: vteps: [{addr: A, type: T}], vnis, ports. */
static const cyaml_schema_field_t y_vtep_fields[] = {
	Y_STR("addr", struct y_vtep, addr, 0),
	Y_STR("type", struct y_vtep, type, CYAML_FLAG_OPTIONAL),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t y_vtep_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct y_vtep, y_vtep_fields),
};

static const cyaml_schema_field_t y_ports_fields[] = {
	Y_STR("vxlan", struct y_ports, vxlan, CYAML_FLAG_OPTIONAL),
	Y_STR("geneve", struct y_ports, geneve, CYAML_FLAG_OPTIONAL),
	CYAML_FIELD_END
};

#define Y_CT(f) Y_STR(#f, struct y_ct, f, CYAML_FLAG_OPTIONAL)
static const cyaml_schema_field_t y_ct_fields[] = {
	Y_CT(syn_sent), Y_CT(syn_recv), Y_CT(established), Y_CT(fin_wait),
	Y_CT(time_wait), Y_CT(close), Y_CT(udp), Y_CT(udp_stream), Y_CT(icmp),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t y_policy_fields[] = {
	CYAML_FIELD_UINT_PTR("schema", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct y_policy, schema),
	CYAML_FIELD_SEQUENCE("containers",
			     CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct y_policy, containers, &y_cont_schema, 0,
			     CYAML_UNLIMITED),
	CYAML_FIELD_SEQUENCE("vteps", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct y_policy, vteps, &y_vtep_schema, 0,
			     CYAML_UNLIMITED),
	CYAML_FIELD_SEQUENCE("vnis", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct y_policy, vnis, &y_str_schema, 0,
			     CYAML_UNLIMITED),
	CYAML_FIELD_MAPPING_PTR("ports",
				CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
				struct y_policy, ports, y_ports_fields),
	CYAML_FIELD_MAPPING_PTR("ct_timeouts",
				CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
				struct y_policy, ct, y_ct_fields),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t y_policy_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct y_policy,
			    y_policy_fields),
};

static char y_log_buf[384];

/* libcyaml's error lines, joined: "Unexpected key: colour; in mapping ..." */
static void y_log(cyaml_log_t level, void *ctx, const char *fmt, va_list ap)
{
	char line[160], *p = line;
	size_t n;

	(void)ctx;
	if (level < CYAML_LOG_ERROR)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (!strncmp(p, "Load: ", 6))
		p += 6;
	while (*p == ' ')
		p++;
	n = strlen(p);
	while (n && (p[n - 1] == '\n' || p[n - 1] == ' '))
		p[--n] = '\0';
	if (!n || !strcmp(p, "Backtrace:") ||
	    strlen(y_log_buf) + n + 3 >= sizeof(y_log_buf))
		return;
	if (y_log_buf[0])
		strcat(y_log_buf, "; ");
	strcat(y_log_buf, p);
}

static int y_rule_words(const struct y_rule *r, struct pol_build *w)
{
	/* A bad direction is a word the grammar refuses by name. */
	return (r->direction ? pol_push(w, r->direction) : 0) ?:
	       pol_push(w, r->action) ?: pol_push2(w, "proto", r->proto) ?:
	       pol_push2(w, "from", r->from) ?:
	       pol_push2(w, "to", r->to) ?:
	       pol_push2(w, "dport", r->dport) ?:
	       pol_push2(w, "prio", r->prio) ?:
	       pol_push2(w, "comment", r->comment);
}

static int y_cont_words(const struct y_cont *y, struct pol_cont *pc)
{
	struct pol_build *b = calloc(1, sizeof(*b));
	unsigned int i;
	int e = b ? pol_push(b, y->name) : -ENOMEM;

	for (i = 0; i < y->ips_count && !e; i++)
		e = pol_push2(b, "ip", y->ips[i]);
	e = e ?: pol_push2(b, "vni", y->vni) ?:
		 pol_push2(b, "default", y->def) ?:
		 pol_push2(b, "egress-default", y->egress) ?:
		 pol_push2(b, "dev", y->dev) ?:
		 pol_push2(b, "mac", y->mac) ?:
		 pol_push2(b, "port", y->port) ?:
		 pol_push2(b, "netns", y->netns) ?:
		 pol_push2(b, "cpus", y->cpus) ?:
		 pol_push2(b, "nic", y->nic) ?:
		 (y->hw ? pol_push(b, "hw") : 0) ?: pol_done(b, &pc->cont);
	pc->rules = calloc(y->rules_count ?: 1, sizeof(*pc->rules));
	if (!e && !pc->rules)
		e = -ENOMEM;
	for (i = 0; i < y->rules_count && !e; i++)
		e = y_rule_words(&y->rules[i], b) ?:
		    pol_done(b, &pc->rules[pc->nrules++]);
	free(b);
	return e;
}

/* The tunnel keys of @y as the JSON loader gives them (pol_json_tunnels). */
static int y_tunnels(const struct y_policy *y, bool has_vteps, bool has_vnis,
		     struct pol_tunnels *t)
{
	struct pol_build *b = calloc(1, sizeof(*b));
	unsigned int i;
	int e = b ? 0 : -ENOMEM;

	t->has_vteps = has_vteps;
	t->vteps = calloc(y->vteps_count ?: 1, sizeof(*t->vteps));
	if (!e && !t->vteps)
		e = -ENOMEM;
	for (i = 0; i < y->vteps_count && !e; i++)
		e = pol_push(b, y->vteps[i].addr) ?:
		    pol_push2(b, "type", y->vteps[i].type) ?:
		    pol_done(b, &t->vteps[t->nvteps++]);
	t->has_vnis = has_vnis;
	t->vnis = calloc(y->vnis_count ?: 1, sizeof(*t->vnis));
	if (!e && !t->vnis)
		e = -ENOMEM;
	for (i = 0; i < y->vnis_count && !e; i++) {
		t->vnis[t->nvnis] = strdup(y->vnis[i]);
		if (!t->vnis[t->nvnis++])
			e = -ENOMEM;
	}
	if (!e && y->ports) {
		t->has_ports = true;
		e = pol_push2(b, "vxlan", y->ports->vxlan) ?:
		    pol_push2(b, "geneve", y->ports->geneve) ?:
		    pol_done(b, &t->ports);
	}
	free(b);
	return e;
}

/* ct_timeouts (NULL: "ct_timeouts: {}" or empty, every state default). */
static int y_ct_words(const struct y_ct *y, struct policy *p)
{
	struct pol_build *b = calloc(1, sizeof(*b));
	int e = b ? 0 : -ENOMEM;

	if (!e && y)
		e = pol_push2(b, "syn_sent", y->syn_sent) ?:
		    pol_push2(b, "syn_recv", y->syn_recv) ?:
		    pol_push2(b, "established", y->established) ?:
		    pol_push2(b, "fin_wait", y->fin_wait) ?:
		    pol_push2(b, "time_wait", y->time_wait) ?:
		    pol_push2(b, "close", y->close) ?:
		    pol_push2(b, "udp", y->udp) ?:
		    pol_push2(b, "udp_stream", y->udp_stream) ?:
		    pol_push2(b, "icmp", y->icmp);
	e = e ?: pol_done(b, &p->ct);
	free(b);
	p->has_ct = true;
	return e;
}

/*
 * True if the top-level mapping of the YAML file at @path has @key: an
 * empty list ("vteps: []", all VTEPs removed) loads as no list at all.
 */
static bool y_has_key(const char *path, const char *key)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	bool found = false, done = false;
	int depth = 0, pos = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return false;
	}
	yaml_parser_set_input_file(&parser, f);
	while (!found && !done && yaml_parser_parse(&parser, &ev)) {
		switch (ev.type) {
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (depth == 1)
				pos++;	/* a value */
			depth++;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			break;
		case YAML_SCALAR_EVENT:
			/* Keys of the top mapping are its even scalars. */
			if (depth == 1 && !(pos++ % 2) &&
			    !strcmp((const char *)ev.data.scalar.value, key))
				found = true;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	return found;
}

int policy_load_yaml(const char *path, struct policy *p, char *err,
		     size_t len)
{
	static const cyaml_config_t cfg = {
		.log_fn = y_log, .mem_fn = cyaml_mem,
		.log_level = CYAML_LOG_ERROR, .flags = CYAML_CFG_DEFAULT,
	};
	struct y_policy *y = NULL;
	cyaml_err_t ce;
	unsigned int i;
	int e;

	memset(p, 0, sizeof(*p));
	y_log_buf[0] = '\0';
	ce = cyaml_load_file(path, &cfg, &y_policy_schema, (void **)&y, NULL);
	if (ce != CYAML_OK)
		return pol_fail(err, len, "%s: %s%s%s", path,
				cyaml_strerror(ce), y_log_buf[0] ? ": " : "",
				y_log_buf);
	e = y->schema && *y->schema != POL_SCHEMA ?
	    pol_fail(err, len, "%s: schema must be %d", path, POL_SCHEMA) :
	    pol_alloc(p, y->containers_count);
	if (!e)
		e = y_tunnels(y, y->vteps || y_has_key(path, "vteps"),
			      y->vnis || y_has_key(path, "vnis"), &p->tun);
	if (!e && (y->ct || y_has_key(path, "ct_timeouts")))
		e = y_ct_words(y->ct, p);
	for (i = 0; i < y->containers_count && !e; i++)
		e = y_cont_words(&y->containers[i], &p->conts[p->n++]);
	cyaml_free(&cfg, &y_policy_schema, y, 0);
	if (e && !err[0])
		pol_fail(err, len, "%s: %s", path, strerror(-e));
	return e;
}

int policy_load(const char *path, struct policy *p, char *err, size_t len)
{
	size_t n = strlen(path);
	int e;

	err[0] = '\0';
	memset(p, 0, sizeof(*p));
	if ((n > 5 && !strcmp(path + n - 5, ".yaml")) ||
	    (n > 4 && !strcmp(path + n - 4, ".yml")))
		e = policy_load_yaml(path, p, err, len);
	else
		e = policy_load_json(path, p, err, len);
	/* A refused file leaves nothing to free: what was read goes. */
	if (e)
		policy_free(p);
	return e;
}
