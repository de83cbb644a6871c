/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy_priv.h - the word builder the policy file readers share: JSON
 * (policy_load.c, in the CLI and rxlane-cni) and YAML (policy_yaml.c, in
 * the CLI only).
 */
#ifndef _RXLANE_POLICY_PRIV_H
#define _RXLANE_POLICY_PRIV_H

#include <stddef.h>

#include "policy.h"

/*
 * Words are gathered in a builder, then stored in one allocation per
 * container or rule (pointers, then the words): a file of a million rules
 * costs a million allocations, not eight million.
 */
struct pol_build {
	int argc;
	size_t len;
	size_t off[POL_MAX_WORDS];
	char buf[2048];
};

/* One word more in @b; -E2BIG past POL_MAX_WORDS or the buffer. */
int pol_push(struct pol_build *b, const char *s);
/* "@key @val", nothing when @val is NULL. */
int pol_push2(struct pol_build *b, const char *key, const char *val);
/* Store the builder's words in @w and empty the builder. */
int pol_done(struct pol_build *b, struct pol_words *w);
/* The message into @err; returns -EINVAL. */
int pol_fail(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Room for @n containers in @p. */
int pol_alloc(struct policy *p, unsigned int n);

#endif /* _RXLANE_POLICY_PRIV_H */
