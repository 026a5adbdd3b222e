/* SPDX-License-Identifier: MIT */
/*
 * selftest-main.c - a modprobe for the kernel's dma-buf selftests.
 *
 * The tree's drivers/dma-buf/selftest.c is compiled unmodified; its
 * module_param_named() and module_init() register, through the shim's
 * constructors (linux/module.h), each selftest's "enabled" flag (named
 * igt__<line>__<name>), the st_filter string and st_init(). This runner
 * sets them as "modprobe dmabuf_selftests igt__..=1 st_filter=..." would
 * and calls st_init():
 *
 *	ktree_selftests --list                 the selftests, in selftests.h order
 *	ktree_selftests --run NAME             one selftest with all its subtests
 *	ktree_selftests --run NAME/SUBTEST     one subtest (st_filter=NAME/SUBTEST)
 *	ktree_selftests --run all              every selftest, as a plain modprobe
 *
 * Exit 0 only if st_init() returned 0, the requested (sub)test really ran
 * (its "dma-buf: Running ..." line was printed; dma_resv runs its subtests
 * once per dma_resv_usage, so at least once), and, after an
 * rcu_barrier(), every object a kernel file allocated was freed (else the
 * allocation sites are listed). A WARN is fatal (panic_on_warn).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fencefuzz/ktree-runtime.h>

#define MAX_PARAMS 64

static struct {
	const char *name;
	const char *type;
	void *var;
} params[MAX_PARAMS];
static int nparams;
static int (*init_fn)(void);
static const char *init_file;

void ktree_module_register_param(const char *name, const char *type, void *var)
{
	if (nparams == MAX_PARAMS) {
		fprintf(stderr, "ktree_selftests: too many module parameters\n");
		exit(2);
	}
	params[nparams].name = name;
	params[nparams].type = type;
	params[nparams].var = var;
	nparams++;
}

void ktree_module_register_init(int (*fn)(void), const char *file)
{
	if (init_fn) {
		fprintf(stderr, "ktree_selftests: two module_init()s (%s, %s)\n", init_file, file);
		exit(2);
	}
	init_fn = fn;
	init_file = file;
}

void ktree_module_register_exit(void (*fn)(void), const char *file)
{
	(void)fn;
	(void)file;
}

/* "igt__<line>__<name>" -> name, or NULL for other parameters. */
static const char *selftest_name(const char *param, long *line)
{
	char *end;

	if (strncmp(param, "igt__", 5))
		return NULL;
	*line = strtol(param + 5, &end, 10);
	if (end == param + 5 || strncmp(end, "__", 2))
		return NULL;
	return end + 2;
}

static int by_line(const void *a, const void *b)
{
	long la, lb;

	selftest_name(params[*(const int *)a].name, &la);
	selftest_name(params[*(const int *)b].name, &lb);
	return (la > lb) - (la < lb);
}

static char expect_line[256];
static int expect_seen;

static void count_running(const char *msg)
{
	if (!strcmp(msg, expect_line))
		__atomic_add_fetch(&expect_seen, 1, __ATOMIC_RELAXED);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ktree_selftests --list | --run NAME[/SUBTEST] | --run all\n"
		   "Runs the kernel tree's dma-buf selftests (drivers/dma-buf/selftest.c) against the\n"
		   "fencefuzz runtime. Exit 0 if the test ran, passed and freed everything.\n");
}

int main(int argc, char **argv)
{
	int order[MAX_PARAMS], n = 0, i, ret;
	const char *run = NULL;
	char *sub = NULL, want[128];
	bool found = false;
	long before, leaked;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (!init_fn) {
		fprintf(stderr, "ktree_selftests: selftest.c registered no module_init()\n");
		return 2;
	}
	for (i = 0; i < nparams; i++) {
		long line;

		if (selftest_name(params[i].name, &line))
			order[n++] = i;
	}
	qsort(order, (size_t)n, sizeof(order[0]), by_line);

	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (i = 0; i < n; i++) {
			long line;

			printf("%s\n", selftest_name(params[order[i]].name, &line));
		}
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "--run")) {
		usage(stderr);
		return 2;
	}
	run = argv[2];
	snprintf(want, sizeof(want), "%s", run);
	sub = strchr(want, '/');
	if (sub)
		*sub++ = '\0';

	for (i = 0; i < n; i++) {
		long line;
		const char *name = selftest_name(params[order[i]].name, &line);

		if (!strcmp(want, "all") || !strcmp(name, want)) {
			*(bool *)params[order[i]].var = true;
			found = true;
		}
	}
	if (!found) {
		fprintf(stderr, "ktree_selftests: no selftest '%s' (see --list)\n", want);
		return 2;
	}
	if (sub) {
		for (i = 0; i < nparams; i++)
			if (!strcmp(params[i].name, "st_filter"))
				*(char **)params[i].var = argv[2];
		snprintf(expect_line, sizeof(expect_line), "dma-buf: Running %s/%s\n", want, sub);
	} else if (strcmp(want, "all")) {
		snprintf(expect_line, sizeof(expect_line), "dma-buf: Running %s\n", want);
	}
	ktree_printk_set_hook(count_running);

	before = ktree_slab_live();
	ret = init_fn();
	ktree_rcu_barrier();
	leaked = ktree_slab_live() - before;

	if (ret) {
		fprintf(stderr, "ktree_selftests: %s: st_init() returned %d\n", run, ret);
		return 1;
	}
	if (expect_line[0] && expect_seen < 1) {
		fprintf(stderr, "ktree_selftests: %s: expected a line '%.*s', saw %d\n", run,
			(int)strlen(expect_line) - 1, expect_line, expect_seen);
		return 1;
	}
	if (leaked) {
		fprintf(stderr, "ktree_selftests: %s: %ld kmalloc'd objects not freed\n", run, leaked);
		ktree_slab_report("leak");
		return 1;
	}
	printf("ktree_selftests: %s: ok\n", run);
	return 0;
}
