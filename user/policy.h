/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy.h - a policy file read into the words of the commands it stands
 * for (policy_load.c); checked, compared and applied by cmd_policy.c.
 */
#ifndef _RXLANE_POLICY_H
#define _RXLANE_POLICY_H

#include <stddef.h>

#define POL_SCHEMA	1
#define POL_MAX_WORDS	48

struct pol_words {
	int argc;
	char **argv;		/* one allocation: the pointers, then the words */
};

struct pol_cont {
	struct pol_words cont;		/* NAME ip A ... default D dev X */
	struct pol_words *rules;	/* allow|drop proto ... */
	unsigned int nrules;
};

struct policy {
	struct pol_cont *conts;
	unsigned int n;
};

/* JSON, or YAML when @path ends in .yaml or .yml; @err says why not. */
int policy_load(const char *path, struct policy *p, char *err, size_t len);
int policy_load_json(const char *path, struct policy *p, char *err,
		     size_t len);
int policy_load_yaml(const char *path, struct policy *p, char *err,
		     size_t len);
void policy_free(struct policy *p);

#endif /* _RXLANE_POLICY_H */
