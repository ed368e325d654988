/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Result parsing for `make check`: kselftest/TAP output of test suites and
 * KUnit's KTAP on the kernel console.
 *
 * Suite stream format (what tests/vm/run-suites and the host unit test
 * runner print):
 *
 *	# credpass-suite: NAME
 *	...the suite's TAP output...
 *	# credpass-suite-time: NAME SECONDS	(optional)
 *	# credpass-suite-timeout: NAME SECONDS	(optional: killed at its time limit)
 *	# credpass-suite-exit: NAME STATUS
 *
 * A suite's output may hold more than one TAP document, as when a program
 * forks children that each print "TAP version 13" and their own plan
 * (capabilities/test_execve): a plan after a later "TAP version" line adds
 * to the suite's plan.
 */
#ifndef CREDPASS_TAP_H
#define CREDPASS_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TAP_NAME_MAX	128
#define TAP_PROBLEM_MAX	256
#define TAP_DETAILS_MAX	2048

struct tap_suite {
	char name[TAP_NAME_MAX];
	int plan;		/* from "1..N"; -1 when none seen */
	int results;		/* top-level result lines seen */
	int passed, failed, skipped;
	int exit_status;	/* -1 while no exit line was seen */
	bool ended;		/* exit line seen */
	int seconds;		/* from the time line; -1 when none */
	int timeout;		/* from the timeout line: the limit; -1 when none */
	bool new_document;	/* a "TAP version" line after the first plan */
	/*
	 * The failed and skipped top-level result lines, one per line, each
	 * "  fail: ..." or "  skip: ..." with the text after "ok N "; cut
	 * (ending in "...") when longer than TAP_DETAILS_MAX.
	 */
	char details[TAP_DETAILS_MAX];
	bool details_cut;
	/* Set by tap_suite_finish() when the suite counts one extra failure. */
	char problem[TAP_PROBLEM_MAX];
};

enum tap_result { TAP_NONE, TAP_PASS, TAP_FAIL, TAP_SKIP };

/*
 * Classify one TAP line: a result line "ok N ..." / "not ok N ..." after
 * `indent` leading spaces.  Returns TAP_NONE for anything else.
 */
enum tap_result tap_classify(const char *line, int *indent);

void tap_suite_init(struct tap_suite *s, const char *name);
/* Feed one line (without newline) of the suite's own output. */
void tap_suite_line(struct tap_suite *s, const char *line);
/*
 * Decide whether the suite as a whole is broken (killed at its time limit,
 * no plan, fewer results than planned, crash, non-zero exit without a
 * failing result, never finished) and if so count one extra failure and
 * describe it in s->problem.  A timeout is that one failure whatever the
 * suite printed before.
 */
void tap_suite_finish(struct tap_suite *s);

/*
 * Parse a suite stream.  Appends the suites found to *suites (realloc'd),
 * finishing each; returns 0 or -1 on allocation failure.
 */
int tap_parse_stream(FILE *in, struct tap_suite **suites, size_t *n);

/*
 * Subtotals by suite name (tapsum --group LABEL=PREFIX): groups[0..n-2]
 * each have a prefix, groups[n-1] (prefix NULL) takes every other name.
 * Returns the first group whose prefix starts `name`, else the last.
 */
struct tap_group {
	const char *label;
	const char *prefix;
	int passed, failed, skipped;
};

struct tap_group *tap_group_of(struct tap_group *groups, size_t n, const char *name);

/*
 * KUnit: feed console lines (kernel log, possibly with "\r" and printk
 * timestamps).  Leaf test cases (result lines with no nested results) below
 * the top level are counted; a failed parent without a failed leaf below it
 * (e.g. a suite whose init failed) counts as one failure.  Failed and
 * skipped leaves are named in sum.details as "SUITE.CASE" (the enclosing
 * "# Subtest:" names joined by '.'), e.g. "  fail: credpass.issue_basic".
 */
#define TAP_KUNIT_DEPTH 16
struct tap_kunit {
	struct tap_suite sum;	/* name "kunit" (or as given), passed/failed/skipped */
	bool seen_ktap;		/* a "KTAP version" line was seen */
	int depth_children[TAP_KUNIT_DEPTH];	/* results seen at level i since last result at level i-1 */
	int depth_failed[TAP_KUNIT_DEPTH];	/* failed leaves at level >= i since last result at level i-1 */
	char subtest[TAP_KUNIT_DEPTH][64];	/* "# Subtest: NAME" last seen at level i */
};

void tap_kunit_init(struct tap_kunit *k);
/* The same, with the summary named `name` (e.g. "debug/kunit"). */
void tap_kunit_init_named(struct tap_kunit *k, const char *name);
void tap_kunit_line(struct tap_kunit *k, const char *line);

#endif
