// SPDX-License-Identifier: GPL-2.0
/* Host unit tests of the `make check` result parser (tools/tap.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../tools/tap.h"

static void feed(struct tap_suite *s, const char *text)
{
	char *copy = strdup(text), *save = NULL, *line;

	assert_non_null(copy);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		tap_suite_line(s, line);
	free(copy);
}

static void test_classify(void **state)
{
	int indent = -1;

	(void)state;
	assert_int_equal(tap_classify("ok 1 a.b", &indent), TAP_PASS);
	assert_int_equal(indent, 0);
	assert_int_equal(tap_classify("not ok 12 a.b", NULL), TAP_FAIL);
	assert_int_equal(tap_classify("ok 3 x # SKIP no userns", NULL), TAP_SKIP);
	assert_int_equal(tap_classify("not ok 3 x # SKIP", NULL), TAP_SKIP);
	assert_int_equal(tap_classify("not ok 4 x # TODO later", NULL), TAP_SKIP);
	assert_int_equal(tap_classify("ok 5 x # XFAIL known", NULL), TAP_PASS);
	assert_int_equal(tap_classify("ok 6 name#with#hashes", NULL), TAP_PASS);
	assert_int_equal(tap_classify("        not ok 2 param", &indent), TAP_FAIL);
	assert_int_equal(indent, 8);
	assert_int_equal(tap_classify("# ok 1 comment", NULL), TAP_NONE);
	assert_int_equal(tap_classify("okay 1", NULL), TAP_NONE);
	assert_int_equal(tap_classify("ok x", NULL), TAP_NONE);
	assert_int_equal(tap_classify("", NULL), TAP_NONE);
}

/* What kselftest_harness.h prints, abridged. */
static const char harness_ok[] =
	"TAP version 13\n"
	"1..3\n"
	"# Starting 3 tests from 3 test cases.\n"
	"#  RUN           peer.stream.a ...\n"
	"#            OK  peer.stream.a\n"
	"ok 1 peer.stream.a\n"
	"ok 2 peer.dgram.a\n"
	"#      SKIP      no pidfd\n"
	"ok 3 peer.seqpacket.a # SKIP no pidfd\n"
	"# PASSED: 3 / 3 tests passed.\n"
	"# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:1 error:0\n";

static void test_suite_pass_skip(void **state)
{
	struct tap_suite s;

	(void)state;
	tap_suite_init(&s, "peer");
	feed(&s, harness_ok);
	s.ended = true;
	s.exit_status = 0;
	tap_suite_finish(&s);
	assert_int_equal(s.plan, 3);
	assert_int_equal(s.results, 3);
	assert_int_equal(s.passed, 2);
	assert_int_equal(s.failed, 0);
	assert_int_equal(s.skipped, 1);
	assert_string_equal(s.problem, "");
}

static void test_suite_failure_is_not_doubled(void **state)
{
	struct tap_suite s;

	(void)state;
	tap_suite_init(&s, "peer");
	feed(&s, "1..2\nok 1 a\nnot ok 2 b\n");
	s.ended = true;
	s.exit_status = 1;		/* the harness exits 1 on failure */
	tap_suite_finish(&s);
	assert_int_equal(s.passed, 1);
	assert_int_equal(s.failed, 1);
	assert_string_equal(s.problem, "");
}

static void test_suite_crash(void **state)
{
	struct tap_suite s;

	(void)state;
	tap_suite_init(&s, "peer");
	feed(&s, "1..4\nok 1 a\nok 2 b\n");
	s.ended = true;
	s.exit_status = 139;		/* SIGSEGV as the shell reports it */
	tap_suite_finish(&s);
	assert_int_equal(s.passed, 2);
	assert_int_equal(s.failed, 1);
	assert_non_null(strstr(s.problem, "signal 11"));
}

static void test_suite_short_plan(void **state)
{
	struct tap_suite s;

	(void)state;
	tap_suite_init(&s, "peer");
	feed(&s, "1..3\nok 1 a\nok 2 b\n");
	s.ended = true;
	s.exit_status = 0;
	tap_suite_finish(&s);
	assert_int_equal(s.failed, 1);
	assert_string_equal(s.problem, "reported 2 results, plan was 3");

	tap_suite_init(&s, "noplan");
	feed(&s, "ok 1 a\n");
	s.ended = true;
	s.exit_status = 0;
	tap_suite_finish(&s);
	assert_int_equal(s.failed, 1);
	assert_string_equal(s.problem, "printed no TAP plan (1..N)");
}

static void test_stream(void **state)
{
	static char text[] =
		"boot noise\n"
		"# credpass-suite: one\r\n"
		"1..1\r\n"
		"ok 1 x\r\n"
		"# credpass-suite-exit: one 0\r\n"
		"# credpass-suite: two\n"
		"1..2\n"
		"ok 1 y\n";		/* VM died here */
	FILE *f = fmemopen(text, strlen(text), "r");
	struct tap_suite *s = NULL;
	size_t n = 0;

	(void)state;
	assert_non_null(f);
	assert_int_equal(tap_parse_stream(f, &s, &n), 0);
	fclose(f);
	assert_int_equal(n, 2);
	assert_string_equal(s[0].name, "one");
	assert_int_equal(s[0].passed, 1);
	assert_int_equal(s[0].failed, 0);
	assert_string_equal(s[1].name, "two");
	assert_int_equal(s[1].passed, 1);
	assert_int_equal(s[1].failed, 1);
	assert_false(s[1].ended);
	assert_non_null(strstr(s[1].problem, "did not finish"));
	free(s);
}

/*
 * capabilities/test_execve: two forked children each print a TAP document
 * of their own; the parent prints nothing but comments.
 */
static void test_suite_two_documents(void **state)
{
	struct tap_suite s;

	(void)state;
	tap_suite_init(&s, "upstream/capabilities/test_execve");
	feed(&s, "TAP version 13\n1..2\nok 1 Passed\nok 2 Passed\n"
		 "# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:0 error:0\n"
		 "# ====\n"
		 "TAP version 13\n1..3\nok 1 Passed\nok 2 Passed\nok 3 Passed\n");
	s.ended = true;
	s.exit_status = 0;
	tap_suite_finish(&s);
	assert_int_equal(s.plan, 5);
	assert_int_equal(s.results, 5);
	assert_int_equal(s.passed, 5);
	assert_int_equal(s.failed, 0);
	assert_string_equal(s.problem, "");

	/* the second document dies before its plan: one result short */
	tap_suite_init(&s, "x");
	feed(&s, "TAP version 13\n1..1\nok 1 a\nTAP version 13\n1..2\nok 1 b\n");
	s.ended = true;
	s.exit_status = 0;
	tap_suite_finish(&s);
	assert_string_equal(s.problem, "reported 2 results, plan was 3");

	/* a repeated plan without a new document does not add up */
	tap_suite_init(&s, "y");
	feed(&s, "TAP version 13\n1..1\nok 1 a\n1..1\n");
	assert_int_equal(s.plan, 1);
	/* nor does a plan after a "TAP version" line that came first */
	tap_suite_init(&s, "z");
	feed(&s, "TAP version 13\nTAP version 13\n1..2\nok 1 a\nok 2 b\n");
	assert_int_equal(s.plan, 2);
}

static void test_suite_details(void **state)
{
	struct tap_suite s;
	int i;

	(void)state;
	tap_suite_init(&s, "upstream/pidfd/pidfd_getfd_test");
	feed(&s, "1..4\n"
		 "ok 1 child.fetch_fd # SKIP kcmp() syscall not supported\n"
		 "not ok 2 - vma.renaming\n"
		 "ok 3 fine\n"
		 "    not ok 1 nested: not listed\n"
		 "ok 4 x # XFAIL known\n");
	assert_string_equal(s.details,
			    "  skip: child.fetch_fd # SKIP kcmp() syscall not supported\n"
			    "  fail: vma.renaming\n");
	assert_false(s.details_cut);

	/* many failures: cut with a final "  ..." line, never overflowing */
	tap_suite_init(&s, "many");
	for (i = 0; i < 500; i++)
		tap_suite_line(&s, "not ok 1 a rather long test name to fill the buffer");
	assert_true(s.details_cut);
	assert_int_equal(s.failed, 500);
	assert_true(strlen(s.details) < sizeof(s.details));
	assert_string_equal(s.details + strlen(s.details) - 6, "  ...\n");
	assert_non_null(strstr(s.details, "  fail: a rather long test name to fill the buffer\n"));
}

static void test_stream_time(void **state)
{
	static char text[] =
		"# credpass-suite: upstream/pidfd/pidfd_poll_test\n"
		"1..1\n"
		"ok 1 pidfd_poll_test\n"
		"# credpass-suite-time: upstream/pidfd/pidfd_poll_test 17\n"
		"# credpass-suite-exit: upstream/pidfd/pidfd_poll_test 0\n"
		"# credpass-suite: untimed\n"
		"1..0\n"
		"# credpass-suite-exit: untimed 0\n";
	FILE *f = fmemopen(text, strlen(text), "r");
	struct tap_suite *s = NULL;
	size_t n = 0;

	(void)state;
	assert_non_null(f);
	assert_int_equal(tap_parse_stream(f, &s, &n), 0);
	fclose(f);
	assert_int_equal(n, 2);
	assert_int_equal(s[0].seconds, 17);
	assert_int_equal(s[0].passed, 1);
	assert_int_equal(s[0].failed, 0);
	assert_int_equal(s[1].seconds, -1);
	assert_int_equal(s[1].failed, 0);
	free(s);
}

static void test_group_of(void **state)
{
	struct tap_group g[] = {
		{ .label = "upstream", .prefix = "upstream/" },
		{ .label = "credpass", .prefix = NULL },
	};

	(void)state;
	assert_ptr_equal(tap_group_of(g, 2, "upstream/net/af_unix/msg_oob"), &g[0]);
	assert_ptr_equal(tap_group_of(g, 2, "acceptid"), &g[1]);
	assert_ptr_equal(tap_group_of(g, 2, "unit/test_tap"), &g[1]);
	assert_ptr_equal(tap_group_of(g, 2, "upstream"), &g[1]);
	/* only the others: everything goes there */
	assert_ptr_equal(tap_group_of(&g[1], 1, "upstream/x"), &g[1]);
}

static void feed_kunit(struct tap_kunit *k, const char *text)
{
	char *copy = strdup(text), *save = NULL, *line;

	assert_non_null(copy);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		tap_kunit_line(k, line);
	free(copy);
}

/* KUnit at boot: two suites, a parameterised case, a failing leaf. */
static const char kunit_console[] =
	"[    0.100000] ok 1 this is not KTAP yet\r\n"
	"[    0.500000] KTAP version 1\r\n"
	"[    0.500001] 1..2\r\n"
	"[    0.500002]     KTAP version 1\r\n"
	"[    0.500003]     # Subtest: alpha\r\n"
	"[    0.500004]     1..3\r\n"
	"[    0.500005]     ok 1 alpha_simple\r\n"
	"[    0.500006]         KTAP version 1\r\n"
	"[    0.500007]         # Subtest: alpha_params\r\n"
	"[    0.500008]         ok 1 p0\r\n"
	"[    0.500009]         not ok 2 p1\r\n"
	"[    0.500010]         ok 3 p2 # SKIP unsupported\r\n"
	"[    0.500011]     not ok 2 alpha_params\r\n"
	"[    0.500012]     ok 3 alpha_skip # SKIP later\r\n"
	"[    0.500013] # alpha: pass:1 fail:1 skip:1 total:3\r\n"
	"[    0.500014] not ok 1 alpha\r\n"
	"[    0.500015]     KTAP version 1\r\n"
	"[    0.500016]     # Subtest: beta\r\n"
	"[    0.500017]     1..1\r\n"
	"[    0.500018]     ok 1 beta_case\r\n"
	"[    0.500019] not ok 2 beta\r\n";

static void test_kunit_leaves(void **state)
{
	struct tap_kunit k;

	(void)state;
	tap_kunit_init(&k);
	feed_kunit(&k, kunit_console);
	assert_true(k.seen_ktap);
	/* leaves: alpha_simple, p0, p2(skip), p1(fail), alpha_skip, beta_case */
	assert_int_equal(k.sum.passed, 3);
	assert_int_equal(k.sum.skipped, 2);
	/* p1, plus beta failing with all its cases passing (suite exit?) */
	assert_int_equal(k.sum.failed, 2);
	assert_non_null(strstr(k.sum.problem, "beta"));
	/* the failed and skipped cases by name, suite first */
	assert_string_equal(k.sum.details,
			    "  fail: alpha.alpha_params.p1\n"
			    "  skip: alpha.alpha_params.p2 # SKIP unsupported\n"
			    "  skip: alpha.alpha_skip # SKIP later\n");
	assert_string_equal(k.sum.name, "kunit");
}

static void test_kunit_named(void **state)
{
	struct tap_kunit k;

	(void)state;
	tap_kunit_init_named(&k, "debug/kunit");
	feed_kunit(&k, "KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: credpass\n"
		       "    1..2\n    ok 1 issue\n    not ok 2 accept_twice\nnot ok 1 credpass\n");
	assert_string_equal(k.sum.name, "debug/kunit");
	assert_int_equal(k.sum.passed, 1);
	assert_int_equal(k.sum.failed, 1);
	assert_string_equal(k.sum.problem, "");
	assert_string_equal(k.sum.details, "  fail: credpass.accept_twice\n");
}

/* A program killed at its time limit: one failure, named, whatever it printed. */
static void test_stream_timeout(void **state)
{
	static char text[] =
		"# credpass-suite: hangs\n"
		"TAP version 13\n"
		"1..3\n"
		"ok 1 first\n"
		"credpass-timeout: ./hangs timed out after 120 s, killed\n"
		"# credpass-suite-timeout: hangs 120\n"
		"# credpass-suite-time: hangs 120\n"
		"# credpass-suite-exit: hangs 124\n"
		"# credpass-suite: failed-then-hung\n"
		"1..2\n"
		"not ok 1 first\n"
		"# credpass-suite-timeout: failed-then-hung 30\n"
		"# credpass-suite-exit: failed-then-hung 124\n"
		"# credpass-suite: fine\n"
		"1..1\n"
		"ok 1 x\n"
		"# credpass-suite-exit: fine 0\n";
	FILE *f = fmemopen(text, strlen(text), "r");
	struct tap_suite *s = NULL;
	size_t n = 0;

	(void)state;
	assert_non_null(f);
	assert_int_equal(tap_parse_stream(f, &s, &n), 0);
	fclose(f);
	assert_int_equal(n, 3);
	assert_int_equal(s[0].timeout, 120);
	assert_int_equal(s[0].passed, 1);
	assert_int_equal(s[0].failed, 1);
	assert_string_equal(s[0].problem, "timed out after 120 s, killed");
	assert_int_equal(s[1].failed, 2);
	assert_string_equal(s[1].problem, "timed out after 30 s, killed");
	assert_int_equal(s[2].timeout, -1);
	assert_int_equal(s[2].failed, 0);
	assert_string_equal(s[2].problem, "");
	free(s);
}

static void test_kunit_none(void **state)
{
	struct tap_kunit k;

	(void)state;
	tap_kunit_init(&k);
	feed_kunit(&k, "Linux version 6.12\nok 1 nothing\nKTAP version 1\n1..0\n");
	assert_true(k.seen_ktap);
	assert_int_equal(k.sum.passed + k.sum.failed + k.sum.skipped, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_suite_pass_skip),
		cmocka_unit_test(test_suite_failure_is_not_doubled),
		cmocka_unit_test(test_suite_crash),
		cmocka_unit_test(test_suite_short_plan),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_suite_two_documents),
		cmocka_unit_test(test_suite_details),
		cmocka_unit_test(test_stream_time),
		cmocka_unit_test(test_group_of),
		cmocka_unit_test(test_kunit_leaves),
		cmocka_unit_test(test_kunit_none),
		cmocka_unit_test(test_kunit_named),
		cmocka_unit_test(test_stream_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
