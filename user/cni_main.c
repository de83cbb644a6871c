// SPDX-License-Identifier: GPL-2.0
/*
 * cni_main.c - rxlane-cni: a chained CNI plugin over the CLI's library
 * (Documentation/cni.rst). The command is CNI_COMMAND, the network config
 * is on stdin; a result or a CNI error object goes to stdout, logs to
 * stderr. Exit status 0, or 1 with the error object.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "cni.h"

static const char *const cni_versions[] = { "0.3.1", "0.4.0", "1.0.0", "1.1.0",
					       NULL };

static FILE *cni_real_stderr;
static char *cni_log;
static size_t cni_log_len;

int cni_fail(struct cni_req *r, int code, const char *fmt, ...)
{
	va_list ap;

	if (r->code)
		return -1;	/* the first error is the one reported */
	r->code = code;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void cni_lib_begin(void)
{
	if (cni_real_stderr)
		return;
	cni_real_stderr = stderr;
	stderr = open_memstream(&cni_log, &cni_log_len);
	if (!stderr) {
		stderr = cni_real_stderr;
		cni_real_stderr = NULL;
	}
}

/* The last line of the library's messages, without "rxlane-cni: ". */
static void cni_last_line(char *buf, size_t len)
{
	char *end, *start;

	buf[0] = '\0';
	if (!cni_log || !cni_log_len)
		return;
	end = cni_log + cni_log_len;
	while (end > cni_log && end[-1] == '\n')
		*--end = '\0';
	start = strrchr(cni_log, '\n');
	start = start ? start + 1 : cni_log;
	if (!strncmp(start, "rxlane-cni: ", 12))
		start += 12;
	snprintf(buf, len, "%s", start);
}

int cni_lib_end(struct cni_req *r, int ret, int code)
{
	char msg[512];

	if (!cni_real_stderr)
		return ret ? cni_fail(r, code, "failed (%d)", ret) : 0;
	fclose(stderr);
	stderr = cni_real_stderr;
	cni_real_stderr = NULL;
	if (cni_log_len)
		fputs(cni_log, stderr);
	cni_last_line(msg, sizeof(msg));
	free(cni_log);
	cni_log = NULL;
	cni_log_len = 0;
	if (!ret)
		return 0;
	return cni_fail(r, code, "%s", msg[0] ? msg : "failed");
}

bool cni_version_ok(const char *v)
{
	int i;

	for (i = 0; v && cni_versions[i]; i++)
		if (!strcmp(v, cni_versions[i]))
			return true;
	return false;
}

bool cni_version_checkable(const char *v)
{
	return v && strcmp(v, "0.3.1") && strcmp(v, "0.3.0") &&
	       strcmp(v, "0.2.0") && strcmp(v, "0.1.0");
}

static void cni_print(json_t *doc)
{
	json_dumpf(doc, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	fflush(stdout);
}

static int cni_version(struct cni_req *r)
{
	json_t *doc = json_object(), *list = json_array();
	int i;

	for (i = 0; cni_versions[i]; i++)
		json_array_append_new(list, json_string(cni_versions[i]));
	json_object_set_new(doc, "cniVersion",
			    json_string(r->version && cni_version_ok(r->version) ?
					r->version : "1.0.0"));
	json_object_set_new(doc, "supportedVersions", list);
	cni_print(doc);
	json_decref(doc);
	return 0;
}

static void cni_print_error(const struct cni_req *r)
{
	json_t *doc = json_object();

	json_object_set_new(doc, "cniVersion",
			    json_string(r->version && cni_version_ok(r->version) ?
					r->version : "1.0.0"));
	json_object_set_new(doc, "code", json_integer(r->code));
	json_object_set_new(doc, "msg", json_string(r->msg));
	if (r->details[0])
		json_object_set_new(doc, "details", json_string(r->details));
	cni_print(doc);
	json_decref(doc);
	fprintf(stderr, "rxlane-cni: %s: error %d: %s\n",
		r->cmd ? r->cmd : "?", r->code, r->msg);
}

/* stdin: the network config, a JSON object (VERSION may have none). */
static int cni_read_conf(struct cni_req *r)
{
	json_error_t je;

	r->conf = json_loadf(stdin, JSON_REJECT_DUPLICATES, &je);
	if (!r->conf && !strcmp(r->cmd, "VERSION"))
		return 0;
	if (!r->conf)
		return cni_fail(r, CNI_ERR_DECODE,
				"network config: line %d column %d: %s",
				je.line, je.column, je.text);
	if (!json_is_object(r->conf))
		return cni_fail(r, CNI_ERR_DECODE,
				"network config: not a JSON object");
	return 0;
}

static int cni_libbpf_print(enum libbpf_print_level level, const char *fmt,
			    va_list ap)
{
	/*
	 * stderr is the runtime's log, and libbpf's own lines are noise
	 * there (every tc query of a device with no clsact qdisc logs the
	 * kernel's "Parent Qdisc doesn't exists"): the plugin's errors say
	 * what failed. RXLANE_CNI_DEBUG shows them, as -v does the CLI's.
	 */
	if (level == LIBBPF_DEBUG || !getenv("RXLANE_CNI_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int cni_run(struct cni_req *r, struct cli *c)
{
	if (!r->cmd || !*r->cmd)
		return cni_fail(r, CNI_ERR_ENV, "CNI_COMMAND is not set");
	if (strcmp(r->cmd, "ADD") && strcmp(r->cmd, "DEL") &&
	    strcmp(r->cmd, "CHECK") && strcmp(r->cmd, "GC") &&
	    strcmp(r->cmd, "STATUS") && strcmp(r->cmd, "VERSION"))
		return cni_fail(r, CNI_ERR_ENV,
				"CNI_COMMAND '%s' is not ADD, DEL, CHECK, GC, STATUS or VERSION",
				r->cmd);
	if (cni_read_conf(r))
		return -1;
	if (!strcmp(r->cmd, "VERSION")) {
		if (r->conf)
			r->version = json_string_value(json_object_get(r->conf,
								       "cniVersion"));
		return cni_version(r);
	}
	/* GC and STATUS name no container: no CNI_CONTAINERID and the like. */
	if (!strcmp(r->cmd, "GC") || !strcmp(r->cmd, "STATUS")) {
		if (cni_parse_conf(r, false) || cni_parse_gc(r))
			return -1;
		c->pin_dir = r->pin_dir;
		return strcmp(r->cmd, "GC") ? cni_status(r, c) : cni_gc(r, c);
	}
	if (cni_parse_env(r) ||
	    cni_parse_conf(r, strcmp(r->cmd, "DEL")))
		return -1;
	c->pin_dir = r->pin_dir;
	if (!strcmp(r->cmd, "ADD"))
		return cni_add(r, c);
	if (!strcmp(r->cmd, "DEL"))
		return cni_del(r, c);
	return cni_check(r, c);
}

int main(void)
{
	struct cli c = {
		.prog = "rxlane-cni", .dir_fd = -1, .conts_fd = -1,
		.rules_fd = -1, .pin_dir = CLI_PIN_DIR, .no_bind = true,
	};
	struct cni_req r = { .cmd = getenv("CNI_COMMAND") };
	int ret;

	libbpf_set_print(cni_libbpf_print);
	ret = cni_run(&r, &c);
	if (ret && !r.code)
		cni_fail(&r, CNI_ERR_STATE, "failed");
	if (ret)
		cni_print_error(&r);
	/* What grows with the containers present: cni_scale.sh compares. */
	if (getenv("RXLANE_CNI_DEBUG"))
		fprintf(stderr, "rxlane-cni: %s: container records read %lu, link dumps %u, fast-path addresses walked %lu, rule keys walked %lu, slot words read %lu, program checks %u\n",
			r.cmd ? r.cmd : "?", c.conts_read, c.link_dumps,
			c.fw_open ? c.fw.addrs_walked : 0,
			c.fw_open ? c.fw.keys_walked : 0,
			c.fw_open ? c.fw.slots_visited : 0, cni_prog_checks);
	cni_state_close();
	cli_set_free(&r.set);
	cli_state_close(&c);
	json_decref(r.conf);
	return ret ? 1 : 0;
}
