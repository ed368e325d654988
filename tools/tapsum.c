// SPDX-License-Identifier: GPL-2.0
/*
 * tapsum: summarise `make check` results.
 *
 *   tapsum [--suites FILE]... [--kunit [NAME=]CONSOLE_LOG]... [--expect NAME]...
 *          [--fail REASON]... [--group LABEL=PREFIX]... [--others LABEL]
 *
 * --suites  a suite stream (see tap.h); every suite in it is counted
 * --kunit   a kernel console log; its KUnit leaf cases are counted as one
 *           suite NAME ("kunit" by default; it joins the --group its name
 *           starts with), the failed and skipped ones named below it
 * --expect  a suite that must appear in some stream (else one failure)
 * --fail    one failure for something outside any suite (VM crash, ...)
 * --group   suites whose name starts with PREFIX are subtotalled as LABEL
 * --others  the label of the subtotal of all other suites and of kunit
 *           (default "others")
 *
 * Prints one line per suite (with its time and, below it, its failed and
 * skipped cases), then, when --group is given, one subtotal line for the
 * others and one per --group (and one for failures outside any suite; they
 * all add up to the total), then exactly one final line
 * "N passed, N failed[, N skipped]"; exits 1 if anything failed.
 */
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct totals {
	int passed, failed, skipped;
};

static void print_counts(const char *label, const struct totals *t)
{
	printf("%s: %d passed, %d failed", label, t->passed, t->failed);
	if (t->skipped)
		printf(", %d skipped", t->skipped);
}

static void report(const struct tap_suite *s, struct totals *t, struct tap_group *g)
{
	struct totals one = { s->passed, s->failed, s->skipped };

	print_counts(s->name, &one);
	if (s->problem[0])
		printf(" (%s)", s->problem);
	if (s->seconds >= 0)
		printf(" [%d s]", s->seconds);
	printf("\n%s", s->details);
	t->passed += s->passed;
	t->failed += s->failed;
	t->skipped += s->skipped;
	g->passed += s->passed;
	g->failed += s->failed;
	g->skipped += s->skipped;
}

static void usage(void)
{
	fprintf(stderr, "usage: tapsum [--suites FILE]... [--kunit [NAME=]LOG]... [--expect NAME]... [--fail REASON]...\n"
			"              [--group LABEL=PREFIX]... [--others LABEL]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct tap_suite *suites = NULL;
	size_t nsuites = 0, i;
	const char **expect = calloc((size_t)argc, sizeof(*expect));
	const char **fail = calloc((size_t)argc, sizeof(*fail));
	char **kunit = calloc((size_t)argc, sizeof(*kunit));
	/* the --group groups, then the others, always last */
	struct tap_group *groups = calloc((size_t)argc + 1, sizeof(*groups));
	size_t nexpect = 0, nfail = 0, ngroups = 0, nkunit = 0;
	const char *others = "others";
	struct totals t = { 0, 0, 0 };
	int a;

	if (!expect || !fail || !groups || !kunit)
		return 2;
	for (a = 1; a < argc; a++) {
		if (a + 1 >= argc)
			usage();
		if (!strcmp(argv[a], "--suites")) {
			FILE *f = fopen(argv[++a], "r");

			if (!f) {
				fprintf(stderr, "tapsum: %s: %s\n", argv[a], strerror(errno));
				fail[nfail++] = "suite output missing";
				continue;
			}
			if (tap_parse_stream(f, &suites, &nsuites))
				return 2;
			fclose(f);
		} else if (!strcmp(argv[a], "--kunit")) {
			kunit[nkunit++] = argv[++a];
		} else if (!strcmp(argv[a], "--expect")) {
			expect[nexpect++] = argv[++a];
		} else if (!strcmp(argv[a], "--fail")) {
			fail[nfail++] = argv[++a];
		} else if (!strcmp(argv[a], "--group")) {
			char *eq = strchr(argv[++a], '=');

			if (!eq || eq == argv[a] || !eq[1])
				usage();
			*eq = '\0';
			groups[ngroups].label = argv[a];
			groups[ngroups++].prefix = eq + 1;
		} else if (!strcmp(argv[a], "--others")) {
			others = argv[++a];
		} else {
			usage();
		}
	}

	groups[ngroups++].label = others;

	for (i = 0; i < nsuites; i++)
		report(&suites[i], &t, tap_group_of(groups, ngroups, suites[i].name));

	for (a = 0; a < (int)nexpect; a++) {
		bool found = false;

		for (i = 0; i < nsuites; i++)
			found |= !strcmp(suites[i].name, expect[a]);
		if (!found) {
			printf("%s: 0 passed, 1 failed (never ran)\n", expect[a]);
			t.failed++;
			tap_group_of(groups, ngroups, expect[a])->failed++;
		}
	}

	for (i = 0; i < nkunit; i++) {
		/* NAME=LOG (split at the first '='), or LOG alone */
		char *eq = strchr(kunit[i], '=');
		const char *name = "kunit", *log = kunit[i];
		struct tap_kunit k;
		char *line = NULL;
		size_t cap = 0;
		FILE *f;

		if (eq && eq != kunit[i]) {
			*eq = '\0';
			name = kunit[i];
			log = eq + 1;
		}
		f = fopen(log, "r");
		tap_kunit_init_named(&k, name);
		if (f) {
			while (getline(&line, &cap, f) >= 0)
				tap_kunit_line(&k, line);
			free(line);
			fclose(f);
		}
		if (k.seen_ktap)
			report(&k.sum, &t, tap_group_of(groups, ngroups, name));
		else
			printf("%s: no KTAP output in %s (no KUnit suite built in?)\n", name, log);
	}

	for (a = 0; a < (int)nfail; a++) {
		printf("FAILED: %s\n", fail[a]);
		t.failed++;
	}

	/* Subtotals: they and the failures outside any suite add up. */
	if (ngroups > 1) {
		/* the others (ours) first, then each --group */
		for (i = 0; i < ngroups; i++) {
			struct tap_group *gr = &groups[(i + ngroups - 1) % ngroups];
			struct totals g = { gr->passed, gr->failed, gr->skipped };

			print_counts(gr->label, &g);
			printf("\n");
		}
		if (nfail)
			printf("outside any suite: %zu failed\n", nfail);
	}

	printf("%d passed, %d failed", t.passed, t.failed);
	if (t.skipped)
		printf(", %d skipped", t.skipped);
	printf("\n");
	free(suites);
	free(expect);
	free(fail);
	free(kunit);
	free(groups);
	return t.failed ? 1 : 0;
}
