// SPDX-License-Identifier: GPL-2.0
/* Result parsing for `make check`; see tap.h. */
#include "tap.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define SUITE_START	"# credpass-suite: "
#define SUITE_EXIT	"# credpass-suite-exit: "
#define SUITE_TIME	"# credpass-suite-time: "
#define SUITE_TIMEOUT	"# credpass-suite-timeout: "

static const char *directive(const char *line)
{
	const char *hash = strchr(line, '#');

	while (hash) {
		const char *d = hash + 1;

		while (*d == ' ' || *d == '\t')
			d++;
		if (!strncasecmp(d, "SKIP", 4) || !strncasecmp(d, "TODO", 4) ||
		    !strncasecmp(d, "XFAIL", 5))
			return d;
		hash = strchr(hash + 1, '#');
	}
	return NULL;
}

enum tap_result tap_classify(const char *line, int *indent)
{
	const char *p = line;
	bool ok;
	const char *d;

	while (*p == ' ')
		p++;
	if (indent)
		*indent = (int)(p - line);
	if (!strncmp(p, "ok ", 3)) {
		ok = true;
		p += 3;
	} else if (!strncmp(p, "not ok ", 7)) {
		ok = false;
		p += 7;
	} else {
		return TAP_NONE;
	}
	if (!isdigit((unsigned char)*p))
		return TAP_NONE;
	d = directive(p);
	if (d && !strncasecmp(d, "SKIP", 4))
		return TAP_SKIP;
	if (d && !strncasecmp(d, "TODO", 4) && !ok)
		return TAP_SKIP;		/* TAP: a failing TODO is not a failure */
	if (d && !strncasecmp(d, "XFAIL", 5))
		return TAP_PASS;		/* kselftest: expected failure */
	return ok ? TAP_PASS : TAP_FAIL;
}

void tap_suite_init(struct tap_suite *s, const char *name)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->plan = -1;
	s->exit_status = -1;
	s->seconds = -1;
	s->timeout = -1;
}

static void count(struct tap_suite *s, enum tap_result r)
{
	switch (r) {
	case TAP_PASS:
		s->passed++;
		break;
	case TAP_FAIL:
		s->failed++;
		break;
	case TAP_SKIP:
		s->skipped++;
		break;
	case TAP_NONE:
		break;
	}
}

/*
 * Append "  WHAT: TEXT\n" to s->details; once the next one does not fit,
 * end with "  ...\n" and append nothing more.
 */
static void detail(struct tap_suite *s, const char *what, const char *text)
{
	static const char more[] = "  ...\n";
	size_t len = strlen(s->details);
	char one[TAP_DETAILS_MAX];
	int n;

	if (s->details_cut)
		return;
	n = snprintf(one, sizeof(one), "  %s: %s\n", what, text);
	if (n < 0 || len + (size_t)n + sizeof(more) > sizeof(s->details)) {
		/* len + sizeof(more) <= sizeof(s->details) held before */
		memcpy(s->details + len, more, sizeof(more));
		s->details_cut = true;
		return;
	}
	memcpy(s->details + len, one, (size_t)n + 1);
}

/* "ok 3 name # SKIP why" -> "name # SKIP why" */
static const char *after_number(const char *p)
{
	p += strncmp(p, "ok ", 3) ? 7 : 3;
	while (isdigit((unsigned char)*p))
		p++;
	while (*p == ' ' || *p == '-')
		p++;
	return p;
}

void tap_suite_line(struct tap_suite *s, const char *line)
{
	int indent;
	enum tap_result r;

	if (!strncmp(line, "TAP version ", 12)) {
		if (s->plan >= 0)
			s->new_document = true;
		return;
	}
	if (line[0] == '1' && line[1] == '.' && line[2] == '.') {
		char *end;
		long v = strtol(line + 3, &end, 10);

		if (end == line + 3 || v < 0 || v >= 1000000)
			return;
		if (s->plan < 0) {
			s->plan = (int)v;
		} else if (s->new_document) {
			s->plan += (int)v;
			s->new_document = false;
		}
		return;
	}
	r = tap_classify(line, &indent);
	if (r == TAP_NONE || indent != 0)	/* nested subtests: the parent counts */
		return;
	s->results++;
	count(s, r);
	if (r == TAP_FAIL)
		detail(s, "fail", after_number(line));
	else if (r == TAP_SKIP)
		detail(s, "skip", after_number(line));
}

void tap_suite_finish(struct tap_suite *s)
{
	const char *why = NULL;
	char buf[TAP_PROBLEM_MAX];

	if (s->timeout >= 0) {
		snprintf(buf, sizeof(buf), "timed out after %d s, killed", s->timeout);
		why = buf;
	} else if (!s->ended) {
		why = "did not finish (crashed VM or runner?)";
	} else if (s->exit_status != 0 && s->failed == 0) {
		if (s->exit_status > 128)
			snprintf(buf, sizeof(buf),
				 "died with exit status %d (signal %d?) without a failing result",
				 s->exit_status, s->exit_status - 128);
		else
			snprintf(buf, sizeof(buf),
				 "exited with status %d without a failing result",
				 s->exit_status);
		why = buf;
	} else if (s->plan < 0) {
		why = "printed no TAP plan (1..N)";
	} else if (s->results != s->plan) {
		snprintf(buf, sizeof(buf), "reported %d results, plan was %d",
			 s->results, s->plan);
		why = buf;
	}
	if (why) {
		snprintf(s->problem, sizeof(s->problem), "%s", why);
		s->failed++;
	}
}

static void chomp(char *line)
{
	size_t len = strlen(line);

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
}

int tap_parse_stream(FILE *in, struct tap_suite **suites, size_t *n)
{
	char *line = NULL;
	size_t cap = 0;
	struct tap_suite *cur = NULL;

	while (getline(&line, &cap, in) >= 0) {
		chomp(line);
		if (!strncmp(line, SUITE_START, strlen(SUITE_START))) {
			struct tap_suite *a;

			if (cur)
				tap_suite_finish(cur);
			a = realloc(*suites, (*n + 1) * sizeof(**suites));
			if (!a) {
				free(line);
				return -1;
			}
			*suites = a;
			cur = &a[(*n)++];
			tap_suite_init(cur, line + strlen(SUITE_START));
			continue;
		}
		if (!cur)
			continue;
		if (!strncmp(line, SUITE_TIMEOUT, strlen(SUITE_TIMEOUT))) {
			const char *st = strrchr(line, ' ');

			cur->timeout = st ? atoi(st + 1) : 0;
			continue;
		}
		if (!strncmp(line, SUITE_TIME, strlen(SUITE_TIME))) {
			const char *st = strrchr(line, ' ');

			cur->seconds = st ? atoi(st + 1) : -1;
			continue;
		}
		if (!strncmp(line, SUITE_EXIT, strlen(SUITE_EXIT))) {
			const char *st = strrchr(line, ' ');

			cur->ended = true;
			cur->exit_status = st ? atoi(st + 1) : -1;
			tap_suite_finish(cur);
			cur = NULL;
			continue;
		}
		tap_suite_line(cur, line);
	}
	if (cur)
		tap_suite_finish(cur);
	free(line);
	return 0;
}

struct tap_group *tap_group_of(struct tap_group *groups, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if (groups[i].prefix && !strncmp(name, groups[i].prefix, strlen(groups[i].prefix)))
			return &groups[i];
	return &groups[n - 1];
}

void tap_kunit_init_named(struct tap_kunit *k, const char *name)
{
	memset(k, 0, sizeof(*k));
	tap_suite_init(&k->sum, name);
}

void tap_kunit_init(struct tap_kunit *k)
{
	tap_kunit_init_named(k, "kunit");
}

#define KMAX (TAP_KUNIT_DEPTH - 1)

/* "credpass.case_name # SKIP why" for a leaf at `level`, from its line */
static void kunit_detail(struct tap_kunit *k, int level, const char *what, const char *result)
{
	char path[TAP_DETAILS_MAX / 2];
	size_t len = 0;
	int i;

	path[0] = '\0';
	for (i = 1; i <= level; i++) {
		if (!k->subtest[i][0])
			continue;
		len += (size_t)snprintf(path + len, sizeof(path) - len, "%s.", k->subtest[i]);
		if (len >= sizeof(path))
			len = sizeof(path) - 1;
	}
	snprintf(path + len, sizeof(path) - len, "%s", after_number(result));
	detail(&k->sum, what, path);
}

void tap_kunit_line(struct tap_kunit *k, const char *raw)
{
	char line[1024];
	const char *p = raw;
	size_t len;
	int indent, level, i;
	enum tap_result r;

	/* printk timestamp "[    1.234567] " */
	if (p[0] == '[') {
		const char *close = strstr(p, "] ");

		if (close && close - p < 20)
			p = close + 2;
	}
	snprintf(line, sizeof(line), "%s", p);
	len = strlen(line);
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		line[--len] = '\0';

	if (strstr(line, "KTAP version ")) {
		k->seen_ktap = true;
		return;
	}
	if (!k->seen_ktap)
		return;
	{
		const char *st = line, *sub;

		while (*st == ' ')
			st++;
		sub = "# Subtest: ";
		if (!strncmp(st, sub, strlen(sub))) {
			level = (int)(st - line) / 4;
			if (level < TAP_KUNIT_DEPTH)
				snprintf(k->subtest[level], sizeof(k->subtest[level]),
					 "%s", st + strlen(sub));
			return;
		}
	}
	r = tap_classify(line, &indent);
	if (r == TAP_NONE)
		return;
	level = indent / 4;
	if (level >= KMAX)
		level = KMAX - 1;

	if (k->depth_children[level + 1] == 0) {
		/* a leaf */
		if (level > 0) {
			count(&k->sum, r);
			if (r == TAP_FAIL)
				for (i = 0; i <= level; i++)
					k->depth_failed[i]++;
		} else if (r != TAP_PASS) {
			/* a top-level suite with no case lines */
			count(&k->sum, r);
		}
		if (r == TAP_FAIL || r == TAP_SKIP)
			kunit_detail(k, level, r == TAP_FAIL ? "fail" : "skip", line + indent);
	} else if (r == TAP_FAIL && k->depth_failed[level + 1] == 0) {
		/* failed parent, all its leaves passed: suite init/exit failure */
		k->sum.failed++;
		for (i = 0; i <= level; i++)
			k->depth_failed[i]++;
		snprintf(k->sum.problem, sizeof(k->sum.problem),
			 "%.200s failed with no failing case", line + indent);
	}
	for (i = level + 1; i <= KMAX; i++) {
		k->depth_children[i] = 0;
		k->depth_failed[i] = 0;
		k->subtest[i][0] = '\0';
	}
	k->depth_children[level]++;
}
