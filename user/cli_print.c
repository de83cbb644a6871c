// SPDX-License-Identifier: GPL-2.0
/*
 * cli_print.c - the CLI's one print path for text and JSON.
 *
 * A listing names each field once: cli_print_str(c, CLI_ANY, "dev",
 * " dev %s", dev) prints " dev v1" as text, or sets "dev": "v1" in the
 * JSON object being built under -j (iproute2's print_*(PRINT_ANY, ...)
 * idea). CLI_TEXT or CLI_JSON print to one form only, for what the other
 * form says another way (separators, a value shown differently). Objects
 * and arrays nest on a small stack over the document cli_doc() returns;
 * a NULL key appends to the array being built.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

json_t *cli_doc(struct cli *c)
{
	if (!c->out)
		c->out = json_pack("{s:i}", "schema", CLI_SCHEMA);
	return c->out;
}

/* The document (or the stack's) to stdout; text is flushed too. */
void cli_flush(struct cli *c)
{
	c->depth = 0;
	if (c->out) {
		json_dumpf(c->out, stdout,
			   c->pretty ? JSON_INDENT(2) : JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(c->out);
		c->out = NULL;
	}
	fflush(stdout);
}

void cli_printf(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (c->json)
		return;
	va_start(ap, fmt);
	vfprintf(c->text ?: stdout, fmt, ap);
	va_end(ap);
}

/* The object or array being built. */
static json_t *cli_json_top(struct cli *c)
{
	return c->depth ? c->stack[c->depth - 1] : cli_doc(c);
}

/*
 * Put @v (a new reference, taken) under @key in the object being built,
 * or append it to the array being built when @key is NULL.
 */
static void cli_json_put(struct cli *c, const char *key, json_t *v)
{
	json_t *top = cli_json_top(c);

	if (key)
		json_object_set_new(top, key, v);
	else
		json_array_append_new(top, v);
}

/* Whether @mode prints in the form this command prints. */
static bool cli_prints(const struct cli *c, enum cli_mode mode)
{
	return mode & (c->json ? CLI_JSON : CLI_TEXT);
}

/* Open @v (taken: dropped in text mode) under @key in the document. */
static void cli_open(struct cli *c, const char *key, json_t *v)
{
	if (!c->json) {
		json_decref(v);
		return;
	}
	if (c->depth == CLI_PRINT_DEPTH) {
		/* A bug in the caller: keep the document well-formed. */
		json_decref(v);
		return;
	}
	cli_json_put(c, key, v);
	c->stack[c->depth++] = v;
}

void cli_open_object(struct cli *c, const char *key)
{
	cli_open(c, key, json_object());
}

void cli_open_array(struct cli *c, const char *key)
{
	cli_open(c, key, json_array());
}

void cli_open_json(struct cli *c, json_t *o)
{
	c->depth = 0;
	c->stack[c->depth++] = o;
}

void cli_close(struct cli *c)
{
	if (c->json && c->depth)
		c->depth--;
}

/*
 * Whether a field of @mode is printed as text; under -j it is set here
 * (@v, taken: NULL in text mode) and false returned.
 */
static bool cli_field(struct cli *c, enum cli_mode mode, const char *key,
		      json_t *v)
{
	if (!cli_prints(c, mode)) {
		json_decref(v);
		return false;
	}
	if (c->json)
		cli_json_put(c, key, v);
	return !c->json;
}

void cli_print_str(struct cli *c, enum cli_mode mode, const char *key,
		   const char *fmt, const char *val)
{
	if (cli_field(c, mode, key, c->json ? json_string(val) : NULL) && fmt)
		cli_printf(c, fmt, val);
}

void cli_print_uint(struct cli *c, enum cli_mode mode, const char *key,
		    const char *fmt, unsigned long long val)
{
	if (cli_field(c, mode, key,
		      c->json ? json_integer((json_int_t)val) : NULL) && fmt)
		cli_printf(c, fmt, val);
}

void cli_print_real(struct cli *c, enum cli_mode mode, const char *key,
		    const char *fmt, double val)
{
	if (cli_field(c, mode, key, c->json ? json_real(val) : NULL) && fmt)
		cli_printf(c, fmt, val);
}

void cli_print_bool(struct cli *c, enum cli_mode mode, const char *key,
		    const char *fmt, bool val)
{
	if (cli_field(c, mode, key, c->json ? json_boolean(val) : NULL) &&
	    fmt)
		cli_printf(c, fmt, val ? "yes" : "no");
}

void cli_print_pair(struct cli *c, enum cli_mode mode, const char *key,
		    unsigned long long val)
{
	cli_print_uint(c, mode, key, NULL, val);
	if (cli_prints(c, mode))
		cli_printf(c, " %s %llu", key, val);
}

void cli_print_nl(struct cli *c)
{
	cli_printf(c, "\n");
}

int cli_text_open(struct cli *t, char *buf, size_t len)
{
	memset(t, 0, sizeof(*t));
	buf[0] = '\0';
	buf[len - 1] = '\0';	/* fmemopen() ends it only when there is room */
	t->text = fmemopen(buf, len - 1, "w");
	return t->text ? 0 : -1;
}

void cli_text_close(struct cli *t)
{
	fclose(t->text);
	t->text = NULL;
}
