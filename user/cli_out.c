// SPDX-License-Identifier: GPL-2.0
/*
 * cli_out.c - errors of the rxlane CLI, and word matching.
 *
 * Output (text, or under -j one JSON document) is cli_print.c's. Errors go
 * to stderr: "rxlane: MESSAGE", or under -j
 * {"schema":2,"error":{"message":...,"token":...,"exit":N}}.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int cli_verr(struct cli *c, int code, const char *token,
		    const char *fmt, va_list ap)
{
	char msg[512];
	size_t n = 0;

	if (c->ctx)
		n = snprintf(msg, sizeof(msg), "%s: ", c->ctx);
	if (c->ctx && c->ctx_name && n < sizeof(msg))
		n += snprintf(msg + n, sizeof(msg) - n, "container '%s' ",
			      c->ctx_name);
	if (c->ctx && c->ctx_rule && n < sizeof(msg))
		n += snprintf(msg + n, sizeof(msg) - n, "rule %u: ",
			      c->ctx_rule);

	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	if (c->json) {
		json_t *doc = json_pack("{s:i, s:{s:s, s:i}}", "schema",
					CLI_SCHEMA, "error", "message", msg,
					"exit", code);

		if (token)
			json_object_set_new(json_object_get(doc, "error"),
					    "token", json_string(token));
		json_dumpf(doc, stderr, JSON_COMPACT);
		fputc('\n', stderr);
		json_decref(doc);
	} else {
		fprintf(stderr, "%s: %s\n", c->prog, msg);
	}
	return code;
}

int cli_err(struct cli *c, int code, const char *token, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = cli_verr(c, code, token, fmt, ap);
	va_end(ap);
	return ret;
}

int cli_usage_err(struct cli *c, const char *token, const char *fmt, ...)
{
	va_list ap;
	int ret;

	/* In a policy file (c->ctx set) a bad word is the file's error. */
	va_start(ap, fmt);
	ret = cli_verr(c, c->ctx ? CLI_ERR : CLI_USAGE, token, fmt, ap);
	va_end(ap);
	if (!c->json && !c->ctx)
		fprintf(stderr, "Try '%s help'.\n", c->prog);
	return ret;
}

int cli_fw_err(struct cli *c, const char *what)
{
	return cli_err(c, CLI_ERR, NULL, "%s: %s", what,
		       rxl_fw_error(&c->fw));
}

/* ---- words ------------------------------------------------------------- */

const struct cli_cmd *cli_match(struct cli *c, const struct cli_cmd *cmds,
				const char *word, const char *what)
{
	const struct cli_cmd *hit = NULL, *m;
	size_t len = strlen(word);
	char cand[256] = "";
	int n = 0;

	for (m = cmds; m->name; m++) {
		if (!strcmp(m->name, word))
			return m;
		if (len && !strncmp(m->name, word, len)) {
			/* An alias ("ls" for "list") is the same command. */
			if (hit && hit->fn == m->fn)
				continue;
			hit = m;
			n++;
			if (strlen(cand) + strlen(m->name) + 3 < sizeof(cand)) {
				if (cand[0])
					strcat(cand, ", ");
				strcat(cand, m->name);
			}
		}
	}
	if (n == 1)
		return hit;
	if (n > 1)
		cli_usage_err(c, word, "ambiguous %s '%s': %s", what, word,
			      cand);
	else
		cli_usage_err(c, word, "unknown %s '%s'", what, word);
	return NULL;
}

int cli_dispatch(struct cli *c, const struct cli_cmd *cmds, const char *what,
		 int argc, char **argv)
{
	const struct cli_cmd *m;

	if (argc < 1)
		return cli_usage_err(c, NULL, "missing %s", what);
	m = cli_match(c, cmds, argv[0], what);
	if (!m)
		return CLI_USAGE;
	return m->fn(c, argc - 1, argv + 1);
}

bool cli_is(const char *word, const char *keyword)
{
	return !strcmp(word, keyword);
}

int cli_parse_u32(struct cli *c, const char *s, unsigned long max, __u32 *out,
		  const char *what)
{
	if (rxl_parse_u32(s, max, out))
		return cli_err(c, CLI_ERR, s, "bad %s '%s' (0-%lu)", what, s,
			       max);
	return 0;
}

int cli_need_arg(struct cli *c, int argc, char *const *argv, int i)
{
	if (i + 1 < argc)
		return 0;
	return cli_usage_err(c, argv[i], "'%s' needs a value", argv[i]);
}

bool cli_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n >= CLI_NAME_MAX || s[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", s[i]))
			return false;
	return true;
}
