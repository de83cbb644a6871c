// SPDX-License-Identifier: GPL-2.0
/*
 * The rxlane CLI's basic contract: `version` prints the version and the
 * libbpf it runs with, help goes to stdout with exit 0, and usage errors
 * exit 2 with a message on stderr that names the offending word.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"

#define CLI "../../user/rxlane"

/* Run the CLI with @args; capture stdout or stderr (@which) into @buf. */
static int run_cli(const char *args, const char *which, char *buf, size_t len)
{
	char cmd[512];
	FILE *p;
	size_t n;
	int status;

	snprintf(cmd, sizeof(cmd), !strcmp(which, "stdout") ?
		 "%s %s 2>/dev/null" : "%s %s 2>&1 >/dev/null", CLI, args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(buf, 1, len - 1, p);
	buf[n] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(version)
{
	char out[256];

	ASSERT_EQ(0, run_cli("version", "stdout", out, sizeof(out)));
	EXPECT_EQ(0, strncmp(out, "rxlane ", 7));
	EXPECT_NE(NULL, strstr(out, "(libbpf 1."));
}

TEST(help_to_stdout)
{
	char out[1024];

	ASSERT_EQ(0, run_cli("help", "stdout", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "Usage: rxlane"));
}

TEST(no_command_is_usage_error)
{
	char err[1024];

	EXPECT_EQ(2, run_cli("", "stderr", err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "Usage: rxlane"));
}

TEST(unknown_command_named)
{
	char err[1024];

	EXPECT_EQ(2, run_cli("frobnicate", "stderr", err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "'frobnicate'"));
}

TEST_HARNESS_MAIN
