/* Tests for lib/graph.c: the revision graph built from in-memory scripts. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/alembic.h"
#include "lib/graph.h"
#include "lib/script.h"
#include "lib/util.h"
#include "tests/suites.h"

/*
 * A repository from a list of specs, one per file, in listing order:
 *   "b < a"        revision b, down_revision a
 *   "a <"          a base (down_revision = None)
 *   "m < b c"      a merge
 *   "x < a @L1,L2" branch labels
 *   "y < a +x,L1"  depends_on
 * Each spec becomes a real file text, parsed by ag_script_parse, so every
 * value sits on a known line: revision 1, down_revision 2, branch_labels 3,
 * depends_on 4. The file is "v/<n>_<id>.py".
 */
static void add_script(struct ag_scripts *ss, const char *spec)
{
	char *copy = ag_strdup(spec);
	char *rev = strtok(copy, " ");
	char *lt = strtok(NULL, " ");
	ck_assert_msg(lt && strcmp(lt, "<") == 0, "bad spec %s", spec);
	struct ag_buf down = {0}, labels = {0}, deps = {0};
	ag_buf_adds(&down, "(");
	ag_buf_adds(&labels, "(");
	ag_buf_adds(&deps, "(");
	for (char *w; (w = strtok(NULL, " "));) {
		struct ag_buf *b = w[0] == '@' ? &labels : w[0] == '+' ? &deps : &down;
		if (w[0] == '@' || w[0] == '+')
			w++;
		for (char *item = strtok_r(w, ",", &w); item; item = strtok_r(NULL, ",", &w))
			ag_buf_addf(b, "'%s', ", item);
	}
	ag_buf_adds(&down, ")");
	ag_buf_adds(&labels, ")");
	ag_buf_adds(&deps, ")");
	char *src = ag_printf("revision = '%s'\ndown_revision = %s\nbranch_labels = %s\ndepends_on = %s\n",
			      rev, strcmp(down.p, "()") == 0 ? "None" : down.p, labels.p, deps.p);
	ag_grow((void **)&ss->v, &ss->cap, ss->n + 1, sizeof *ss->v);
	struct ag_script *sc = &ss->v[ss->n];
	memset(sc, 0, sizeof *sc);
	char *path = ag_printf("v/%zu_%s.py", ss->n, rev);
	ag_script_parse(sc, path, src, strlen(src), NULL);
	ck_assert_msg(sc->findings.n == 0, "%s: %s", spec, sc->findings.n ? sc->findings.v[0].message : "");
	ss->n++;
	free(path);
	free(src);
	ag_buf_free(&down);
	ag_buf_free(&labels);
	ag_buf_free(&deps);
	free(copy);
}

struct repo {
	struct ag_scripts ss;
	struct ag_graph *g;
};

static void build_opts(struct repo *r, const char *const *specs, const struct ag_graph_opts *opts)
{
	memset(r, 0, sizeof *r);
	for (size_t i = 0; specs[i]; i++)
		add_script(&r->ss, specs[i]);
	r->g = ag_graph_build(&r->ss, opts);
	ck_assert_ptr_nonnull(r->g);
}

static void build(struct repo *r, const char *const *specs)
{
	build_opts(r, specs, NULL);
}

static void repo_free(struct repo *r)
{
	ag_graph_free(r->g);
	ag_scripts_free(&r->ss);
}

#define REPO(r, ...)                                            \
	do {                                                    \
		static const char *const specs_[] = {__VA_ARGS__, NULL}; \
		build((r), specs_);                             \
	} while (0)

static char *join(const struct ag_strv *sv)
{
	return ag_strv_join(sv, " ");
}

#define ck_ids(sv, want)                          \
	do {                                      \
		char *j_ = join(sv);              \
		ck_assert_str_eq(j_, (want));     \
		free(j_);                         \
	} while (0)

static size_t node(const struct repo *r, const char *id)
{
	size_t i = ag_graph_find(r->g, id);
	ck_assert_msg(i != AG_NONE, "no node %s", id);
	return i;
}

static char *labels_of(const struct repo *r, const char *id)
{
	return join(&r->g->v[node(r, id)].labels);
}

#define ck_labels(r, id, want)                          \
	do {                                            \
		char *l_ = labels_of((r), (id));        \
		ck_assert_msg(strcmp(l_, (want)) == 0, "%s: labels '%s', want '%s'", (id), l_, (want)); \
		free(l_);                               \
	} while (0)

static size_t count_code(const struct ag_graph *g, const char *code)
{
	size_t n = 0;
	for (size_t i = 0; i < g->findings.n; i++)
		n += strcmp(g->findings.v[i].code, code) == 0;
	return n;
}

static const struct ag_finding *code(const struct ag_graph *g, const char *c)
{
	for (size_t i = 0; i < g->findings.n; i++)
		if (strcmp(g->findings.v[i].code, c) == 0)
			return &g->findings.v[i];
	return NULL;
}

/* The ids of an index array, space-separated; frees the array. n is a
 * pointer so that it is read after the call that fills it. */
static char *ids(const struct repo *r, size_t *v, const size_t *np)
{
	size_t n = *np;
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	for (size_t i = 0; i < n; i++)
		ag_buf_addf(&b, "%s%s", i ? " " : "", r->g->v[v[i]].id);
	free(v);
	return ag_buf_take(&b);
}

/* ---- structure ------------------------------------------------------ */

START_TEST(test_linear)
{
	struct repo r;
	REPO(&r, "c < b", "a <", "b < a");
	ck_assert_uint_eq(r.g->n, 3);
	ck_assert_uint_eq(r.g->findings.n, 0);
	ck_ids(&r.g->heads, "c");
	ck_ids(&r.g->bases, "a");
	ck_assert_uint_eq(r.g->merges.n, 0);
	ck_assert_uint_eq(r.g->branches.n, 0);
	ck_assert(!r.g->cycle);
	const struct ag_node *b = &r.g->v[node(&r, "b")];
	ck_assert_str_eq(b->id, "b");
	ck_assert_str_eq(b->script->name, "2_b.py");
	ck_assert_uint_eq(b->ndown, 1);
	ck_assert_str_eq(r.g->v[b->down[0]].id, "a");
	ck_assert_uint_eq(b->nnext, 1);
	ck_assert(!b->head && !b->base && !b->merge && !b->branch);
	ck_assert(r.g->v[node(&r, "a")].base);
	ck_assert(r.g->v[node(&r, "c")].head);
	ck_assert_uint_eq(ag_graph_find(r.g, "nope"), AG_NONE);
	ck_assert_uint_eq(ag_graph_find(r.g, NULL), AG_NONE);
	repo_free(&r);
}
END_TEST

START_TEST(test_branches_and_merges)
{
	struct repo r;
	/* a -> b -> m, a -> c -> m, m -> d; a second branch at b. */
	REPO(&r, "a <", "b < a", "c < a", "m < b c", "d < m", "e < b");
	ck_ids(&r.g->heads, "d e");
	ck_ids(&r.g->bases, "a");
	ck_ids(&r.g->merges, "m");
	ck_ids(&r.g->branches, "a b");
	ck_assert(r.g->v[node(&r, "m")].merge);
	ck_assert(r.g->v[node(&r, "a")].branch);
	ck_assert_uint_eq(count_code(r.g, "multiple-heads"), 1);
	repo_free(&r);

	/* down_revision = ("c1", "c1") is a merge point too. */
	REPO(&r, "c1 <", "m < c1 c1");
	ck_ids(&r.g->merges, "m");
	ck_ids(&r.g->heads, "m");
	ck_assert_uint_eq(r.g->v[node(&r, "m")].ndown, 2); /* repeats kept */
	ck_assert_uint_eq(r.g->v[node(&r, "c1")].nnext, 1);
	ck_assert_uint_eq(r.g->findings.n, 0);
	repo_free(&r);

	/* An empty repository. */
	static const char *const none[] = {NULL};
	build(&r, none);
	ck_assert_uint_eq(r.g->n, 0);
	ck_assert_uint_eq(r.g->heads.n, 0);
	ck_assert_uint_eq(r.g->findings.n, 0);
	ck_assert_uint_eq(ag_graph_find(r.g, "a"), AG_NONE);
	repo_free(&r);
	ag_graph_free(NULL);
}
END_TEST

START_TEST(test_depends_on)
{
	struct repo r;
	/* depends_on does not remove a head: b stays one ("effective head"). */
	REPO(&r, "a <", "b < a", "c < a +b");
	ck_ids(&r.g->heads, "b c");
	const struct ag_node *c = &r.g->v[node(&r, "c")];
	ck_assert_uint_eq(c->ndeps, 1);
	ck_assert_str_eq(r.g->v[c->deps[0]].id, "b");
	ck_assert_uint_eq(r.g->v[node(&r, "b")].ndnext, 1);
	ck_assert_uint_eq(count_code(r.g, "multiple-heads"), 1);
	repo_free(&r);

	/* depends_on may name a branch label. */
	REPO(&r, "a <", "x < a @feature", "y < a +feature");
	ck_assert_uint_eq(count_code(r.g, "dangling-dependency"), 0);
	const struct ag_node *y = &r.g->v[node(&r, "y")];
	ck_assert_uint_eq(y->ndeps, 1);
	ck_assert_str_eq(r.g->v[y->deps[0]].id, "x");
	ck_assert_uint_eq(ag_graph_find_label(r.g, "feature"), node(&r, "x"));
	ck_assert_uint_eq(ag_graph_find_label(r.g, "nope"), AG_NONE);
	repo_free(&r);
}
END_TEST

START_TEST(test_labels)
{
	struct repo r;
	/* A straight chain: the label reaches descendants and every ancestor. */
	REPO(&r, "a <", "b < a @L", "c < b", "d < c");
	ck_labels(&r, "a", "L");
	ck_labels(&r, "b", "L");
	ck_labels(&r, "c", "L");
	ck_labels(&r, "d", "L");
	repo_free(&r);

	/* Ancestors stop at a branch point. */
	REPO(&r, "a <", "b < a", "c < b @L", "d < c", "x < a");
	ck_labels(&r, "a", "");
	ck_labels(&r, "b", "L");
	ck_labels(&r, "c", "L");
	ck_labels(&r, "d", "L");
	ck_labels(&r, "x", "");
	repo_free(&r);

	/* ... and at a merge point (which keeps the label when it is a
	 * descendant). */
	REPO(&r, "a <", "b <", "m < a b", "n < m @L", "o < n");
	ck_labels(&r, "m", "");
	ck_labels(&r, "n", "L");
	ck_labels(&r, "o", "L");
	ck_labels(&r, "a", "");
	repo_free(&r);
	REPO(&r, "a <", "b < a @L", "c < a", "m < b c");
	ck_labels(&r, "b", "L");
	ck_labels(&r, "m", "L"); /* a descendant */
	ck_labels(&r, "c", "");
	ck_labels(&r, "a", "");
	repo_free(&r);

	/* A dependent counts as a child for the ancestor walk. */
	REPO(&r, "a <", "b < a", "c < b @L", "z < +b");
	ck_labels(&r, "c", "L");
	ck_labels(&r, "b", "");
	repo_free(&r);

	/* Two labelled branches from one base, labels sorted. */
	REPO(&r, "base <", "e1 < base @expand", "e2 < e1 @zeta,alpha", "c1 < base @contract");
	ck_labels(&r, "e1", "alpha expand zeta"); /* e2's reach e1 along the chain */
	ck_labels(&r, "e2", "alpha expand zeta");
	ck_labels(&r, "c1", "contract");
	ck_labels(&r, "base", "");
	ck_assert_uint_eq(ag_graph_find_label(r.g, "alpha"), node(&r, "e2"));
	repo_free(&r);
}
END_TEST

/* ---- findings ------------------------------------------------------- */

START_TEST(test_illegal_ids)
{
	static const char *const bad[] = {"a-b", "rev@head", "x+1"};
	for (size_t i = 0; i < AG_ARRAY_LEN(bad); i++) {
		struct repo r;
		char *spec = ag_printf("%s <", bad[i]);
		const char *specs[] = {spec, NULL};
		build(&r, specs);
		const struct ag_finding *f = code(r.g, "illegal-revision-id");
		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(f->severity, AG_SEV_ERROR);
		ck_assert_str_eq(f->revision, bad[i]);
		ck_assert_int_eq(f->line, 1);
		ck_assert_ptr_nonnull(strstr(f->file, bad[i]));
		ck_assert_ptr_nonnull(f->fix);
		repo_free(&r);
		free(spec);
	}
	/* The empty id. */
	struct repo r;
	memset(&r, 0, sizeof r);
	ag_grow((void **)&r.ss.v, &r.ss.cap, 1, sizeof *r.ss.v);
	memset(&r.ss.v[0], 0, sizeof r.ss.v[0]);
	const char *src = "revision = ''\ndown_revision = None\n";
	ag_script_parse(&r.ss.v[0], "v/empty.py", src, strlen(src), NULL);
	r.ss.n = 1;
	r.g = ag_graph_build(&r.ss, NULL);
	const struct ag_finding *f = code(r.g, "illegal-revision-id");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->file, "v/empty.py");
	ck_assert_int_eq(f->line, 1);
	repo_free(&r);

	/* Non-hex ids are fine. */
	REPO(&r, "guest_lockout_001 <", "kilo < guest_lockout_001", "django_0001 < kilo");
	ck_assert_uint_eq(r.g->findings.n, 0);
	repo_free(&r);
}
END_TEST

START_TEST(test_id_too_long)
{
	struct repo r;
	/* 32 characters fit VARCHAR(32); 33 do not. */
	REPO(&r, "abcdefghijabcdefghijabcdefghij12 <", "abcdefghijabcdefghijabcdefghij123 < abcdefghijabcdefghijabcdefghij12");
	ck_assert_uint_eq(count_code(r.g, "revision-id-too-long"), 1);
	const struct ag_finding *f = code(r.g, "revision-id-too-long");
	ck_assert_str_eq(f->revision, "abcdefghijabcdefghijabcdefghij123");
	ck_assert_int_eq(f->line, 1);
	ck_assert_str_eq(f->file, "v/1_abcdefghijabcdefghijabcdefghij123.py");
	ck_assert_ptr_nonnull(strstr(f->message, "33"));
	ck_assert_ptr_nonnull(f->fix);
	repo_free(&r);

	static const char *const specs[] = {"abcdef <", "abcdefg < abcdef", NULL};
	struct ag_graph_opts opts = {.max_id_len = 6};
	build_opts(&r, specs, &opts);
	ck_assert_uint_eq(count_code(r.g, "revision-id-too-long"), 1);
	ck_assert_str_eq(code(r.g, "revision-id-too-long")->revision, "abcdefg");
	repo_free(&r);
}
END_TEST

START_TEST(test_cycles)
{
	struct repo r;
	/* A self-loop. */
	REPO(&r, "a <", "b < b");
	const struct ag_finding *f = code(r.g, "cycle");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->revision, "b");
	ck_assert_int_eq(f->line, 2);
	ck_assert_str_eq(f->file, "v/1_b.py");
	ck_assert_ptr_nonnull(strstr(f->message, "Self-loop"));
	repo_free(&r);

	/* A dependency self-loop. */
	REPO(&r, "a <", "b < a +b");
	f = code(r.g, "cycle");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->line, 4);
	ck_assert_ptr_nonnull(strstr(f->message, "Dependency self-loop"));
	repo_free(&r);

	/* Two revisions naming each other: no base, no head. */
	REPO(&r, "a < b", "b < a");
	ck_assert(r.g->cycle);
	f = code(r.g, "cycle");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, AG_SEV_ERROR);
	ck_assert_ptr_nonnull(strstr(f->message, "Cycle is detected in revisions (a, b)"));
	ck_assert_int_eq(f->line, 2);
	ck_assert_ptr_nonnull(f->fix);
	repo_free(&r);

	/* A loop hanging off a healthy line. */
	REPO(&r, "r0 <", "r1 < r0", "a < r1 c", "b < a", "c < b");
	ck_assert_uint_ge(count_code(r.g, "cycle"), 1);
	ck_assert(r.g->cycle);
	repo_free(&r);

	/* A cycle through depends_on only. */
	REPO(&r, "a <", "b < a +c", "c < b");
	f = code(r.g, "cycle");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(strstr(f->message, "Dependency cycle"));
	repo_free(&r);
}
END_TEST

START_TEST(test_duplicates)
{
	struct repo r;
	REPO(&r, "a <", "b < a", "c < a", "b < c");
	ck_assert_uint_eq(r.g->n, 4);
	ck_assert(r.g->v[1].shadowed);  /* the first b: Alembic keeps the last */
	ck_assert(!r.g->v[3].shadowed);
	ck_assert_uint_eq(ag_graph_find(r.g, "b"), 3);
	const struct ag_finding *f = code(r.g, "duplicate-revision");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, AG_SEV_ERROR);
	ck_assert_str_eq(f->revision, "b");
	ck_assert_str_eq(f->file, "v/1_b.py");
	ck_assert_int_eq(f->line, 1);
	ck_assert_ptr_nonnull(strstr(f->message, "Revision b is present more than once"));
	ck_assert_ptr_nonnull(strstr(f->message, "3_b.py"));
	ck_assert_ptr_nonnull(f->fix);
	ck_ids(&r.g->heads, "b"); /* listed once, though Alembic prints it twice */
	/* The shadowed file's references are not followed: c's only child is b. */
	ck_assert_uint_eq(r.g->v[node(&r, "a")].nnext, 1);
	repo_free(&r);
}
END_TEST

/* Found by the differential test (tests/integration/test_differential.py):
 * where the copy Alembic does not use still counts, and a child that names
 * its parent twice. */
START_TEST(test_alembic_corners)
{
	struct repo r;
	/* q names p as down_revision and in depends_on: one child, so the
	 * label still climbs to p. */
	REPO(&r, "p <", "q < p +p @ql");
	char *l = labels_of(&r, "p");
	ck_assert_str_eq(l, "ql");
	free(l);
	repo_free(&r);
	/* The same through p's own label. */
	REPO(&r, "o <", "p < o @pl", "q < p +pl");
	l = labels_of(&r, "o");
	ck_assert_str_eq(l, "pl");
	free(l);
	repo_free(&r);

	/* The unused copy of b has a dangling depends_on: Alembic resolves it
	 * anyway and fails. */
	REPO(&r, "a <", "b < a +ghost", "b < a");
	ck_assert(r.g->v[1].shadowed);
	const struct ag_finding *f = code(r.g, "dangling-dependency");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->file, "v/1_b.py");
	ck_assert_int_eq(f->line, 4);
	ck_assert_ptr_nonnull(strstr(f->message, "the copy Alembic does not use"));
	repo_free(&r);
	/* ... or names a label as down_revision (Alembic: KeyError). */
	REPO(&r, "a < @lab", "b < lab", "b < a");
	f = code(r.g, "dangling-down-revision");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->file, "v/1_b.py");
	ck_assert_ptr_nonnull(strstr(f->message, "branch label"));
	repo_free(&r);

	/* The unused copy's label spreads to its parent, and a depends_on
	 * naming that label is the id, not a cycle. */
	REPO(&r, "a <", "b < a @bl", "b < a", "c < +bl");
	l = labels_of(&r, "a");
	ck_assert_str_eq(l, "bl");
	free(l);
	ck_assert_uint_eq(count_code(r.g, "cycle"), 0);
	ck_assert_uint_eq(count_code(r.g, "duplicate-revision"), 1);
	size_t c = node(&r, "c");
	ck_assert_uint_eq(r.g->v[c].ndeps, 1);
	ck_assert_uint_eq(r.g->v[c].deps[0], ag_graph_find(r.g, "b"));
	repo_free(&r);
}
END_TEST

START_TEST(test_dangling)
{
	struct repo r;
	REPO(&r, "a <", "b < a", "c < gone");
	const struct ag_finding *f = code(r.g, "dangling-down-revision");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->revision, "c");
	ck_assert_str_eq(f->file, "v/2_c.py");
	ck_assert_int_eq(f->line, 2);
	ck_assert_ptr_nonnull(strstr(f->message, "Revision gone referenced from c is not present"));
	ck_assert_ptr_nonnull(strstr(f->fix, "backfill gone"));
	ck_assert(r.g->v[node(&r, "c")].broken);
	/* The broken-off line is not reported as a second head too. */
	ck_assert_uint_eq(count_code(r.g, "multiple-heads"), 0);
	ck_assert_uint_eq(count_code(r.g, "cycle"), 0);
	repo_free(&r);

	/* A branch label as down_revision fails in Alembic. */
	REPO(&r, "a < @lab", "b < lab");
	f = code(r.g, "dangling-down-revision");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(strstr(f->message, "branch label"));
	ck_assert_ptr_nonnull(strstr(f->fix, "revision id a"));
	repo_free(&r);

	/* depends_on naming nothing. */
	REPO(&r, "a <", "b < a +nothing");
	f = code(r.g, "dangling-dependency");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->revision, "b");
	ck_assert_int_eq(f->line, 4);
	ck_assert_ptr_nonnull(strstr(f->message, "nothing"));
	repo_free(&r);
}
END_TEST

START_TEST(test_label_conflicts)
{
	struct repo r;
	/* A label equal to a revision id. */
	REPO(&r, "a <", "b < a @a");
	const struct ag_finding *f = code(r.g, "branch-label-conflict");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->revision, "b");
	ck_assert_int_eq(f->line, 3);
	ck_assert_str_eq(f->file, "v/1_b.py");
	ck_assert_ptr_nonnull(strstr(f->message, "the id of a"));
	repo_free(&r);

	/* One label on two revisions. */
	REPO(&r, "a <", "b < a @L", "c < a @L");
	ck_assert_uint_eq(count_code(r.g, "branch-label-conflict"), 1);
	f = code(r.g, "branch-label-conflict");
	ck_assert_str_eq(f->revision, "c");
	ck_assert_ptr_nonnull(strstr(f->message, "Branch name 'L' in revision c already used by revision b"));
	repo_free(&r);
}
END_TEST

START_TEST(test_heads_and_bases)
{
	struct repo r;
	REPO(&r, "a <", "b < a", "c < a");
	const struct ag_finding *f = code(r.g, "multiple-heads");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, AG_SEV_ERROR);
	ck_assert_ptr_null(f->file);
	ck_assert_int_eq(f->line, 0);
	ck_assert_ptr_nonnull(strstr(f->message, "Multiple head revisions are present for given argument 'head'"));
	ck_assert_ptr_nonnull(strstr(f->message, "(b, c)"));
	ck_assert_ptr_nonnull(strstr(f->fix, "alembic merge heads"));
	repo_free(&r);

	/* With several heads intended: information only. */
	static const char *const specs[] = {"a <", "b < a", "c < a", NULL};
	struct ag_graph_opts opts = {.heads_ok = true};
	build_opts(&r, specs, &opts);
	f = code(r.g, "multiple-heads");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, AG_SEV_INFO);
	repo_free(&r);

	REPO(&r, "a <", "b <", "m < a b");
	f = code(r.g, "multiple-bases");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, AG_SEV_WARNING);
	ck_assert_ptr_nonnull(strstr(f->message, "(a, b)"));
	ck_assert_uint_eq(count_code(r.g, "multiple-heads"), 0);
	repo_free(&r);
}
END_TEST

START_TEST(test_script_findings_moved)
{
	/* Findings of the scripts (and of the locations) end up in the graph;
	 * a file without a revision is no node. */
	struct repo r;
	memset(&r, 0, sizeof r);
	add_script(&r.ss, "a <");
	ag_grow((void **)&r.ss.v, &r.ss.cap, 2, sizeof *r.ss.v);
	memset(&r.ss.v[1], 0, sizeof r.ss.v[1]);
	ag_script_parse(&r.ss.v[1], "v/helpers.py", "x = 1\n", 6, NULL);
	r.ss.n = 2;
	ag_findings_add(&r.ss.findings, AG_SEV_WARNING, "missing-version-location", NULL, "v2", 0, "w");
	r.g = ag_graph_build(&r.ss, NULL);
	ck_assert_uint_eq(r.g->n, 1);
	ck_assert_uint_eq(count_code(r.g, "not-a-migration"), 1);
	ck_assert_uint_eq(count_code(r.g, "missing-version-location"), 1);
	ck_assert_uint_eq(r.ss.v[1].findings.n, 0);
	ck_assert_uint_eq(r.ss.findings.n, 0);
	repo_free(&r);
}
END_TEST

/* ---- queries -------------------------------------------------------- */

START_TEST(test_upgrade_path)
{
	struct repo r;
	/* Listed out of order on purpose: parents still come first. */
	REPO(&r, "d < m", "m < b c", "c < a", "b < a", "a <", "e < d");
	size_t head = node(&r, "e"), n;
	char *s = ids(&r, ag_graph_upgrade_path(r.g, NULL, 0, &head, 1, &n), &n);
	ck_assert_uint_eq(n, 6);
	/* a first; b and c (in listing order: c is listed first); the merge
	 * after both; then d, e. */
	ck_assert_str_eq(s, "a c b m d e");
	free(s);

	/* From a middle revision. */
	size_t cur = node(&r, "b");
	s = ids(&r, ag_graph_upgrade_path(r.g, &cur, 1, &head, 1, &n), &n);
	ck_assert_str_eq(s, "c m d e");
	free(s);

	/* From several current revisions (one row per branch). */
	size_t curs[2] = {node(&r, "b"), node(&r, "c")};
	s = ids(&r, ag_graph_upgrade_path(r.g, curs, 2, &head, 1, &n), &n);
	ck_assert_str_eq(s, "m d e");
	free(s);

	/* At head: nothing. */
	s = ids(&r, ag_graph_upgrade_path(r.g, &head, 1, &head, 1, &n), &n);
	ck_assert_uint_eq(n, 0);
	free(s);

	/* To an intermediate target. */
	size_t mid = node(&r, "c");
	s = ids(&r, ag_graph_upgrade_path(r.g, NULL, 0, &mid, 1, &n), &n);
	ck_assert_str_eq(s, "a c");
	free(s);
	repo_free(&r);

	/* Several targets (heads), depends_on pulling in another branch. */
	REPO(&r, "a <", "x < a", "y < a +x", "z < y");
	size_t targets[2] = {node(&r, "z")};
	s = ids(&r, ag_graph_upgrade_path(r.g, NULL, 0, targets, 1, &n), &n);
	ck_assert_str_eq(s, "a x y z");
	free(s);
	repo_free(&r);

	REPO(&r, "b1 <", "b2 <", "h1 < b1", "h2 < b2");
	size_t hs[2] = {node(&r, "h2"), node(&r, "h1")};
	s = ids(&r, ag_graph_upgrade_path(r.g, NULL, 0, hs, 2, &n), &n);
	ck_assert_str_eq(s, "b1 b2 h1 h2");
	free(s);
	repo_free(&r);

	/* A merge of one parent twice. */
	REPO(&r, "c1 <", "m < c1 c1", "n < m");
	size_t t = node(&r, "n");
	s = ids(&r, ag_graph_upgrade_path(r.g, NULL, 0, &t, 1, &n), &n);
	ck_assert_str_eq(s, "c1 m n");
	free(s);
	repo_free(&r);
}
END_TEST

START_TEST(test_ancestry)
{
	struct repo r;
	REPO(&r, "a <", "b < a", "c < a", "m < b c", "x < +b", "y < x");
	size_t a = node(&r, "a"), b = node(&r, "b"), c = node(&r, "c"), m = node(&r, "m");
	size_t x = node(&r, "x"), y = node(&r, "y");
	ck_assert(ag_graph_is_ancestor(r.g, a, m));
	ck_assert(ag_graph_is_ancestor(r.g, b, m));
	ck_assert(!ag_graph_is_ancestor(r.g, m, a));
	ck_assert(!ag_graph_is_ancestor(r.g, a, a)); /* strict */
	ck_assert(!ag_graph_is_ancestor(r.g, b, c));
	ck_assert(ag_graph_is_ancestor(r.g, b, y)); /* through depends_on */
	ck_assert(ag_graph_is_ancestor(r.g, x, y));
	ck_assert(!ag_graph_is_ancestor(r.g, a, AG_NONE));
	ck_assert(!ag_graph_is_ancestor(r.g, AG_NONE, a));

	bool *mark = calloc(r.g->n, sizeof(bool));
	ag_graph_mark_ancestors(r.g, &y, 1, false, mark);
	ck_assert(mark[y] && mark[x]);
	ck_assert(!mark[b]); /* without depends_on */
	memset(mark, 0, r.g->n);
	ag_graph_mark_ancestors(r.g, &y, 1, true, mark);
	ck_assert(mark[b] && mark[a]);
	ck_assert(!mark[c]);
	free(mark);
	repo_free(&r);
}
END_TEST

START_TEST(test_children_naming)
{
	struct repo r;
	REPO(&r, "a <", "b < a", "c < a", "d < +a", "e < gone", "f < b +gone");
	size_t n;
	char *s = ids(&r, ag_graph_children_naming(r.g, "a", &n), &n);
	ck_assert_str_eq(s, "b c d");
	free(s);
	s = ids(&r, ag_graph_children_naming(r.g, "gone", &n), &n);
	ck_assert_str_eq(s, "e f");
	free(s);
	s = ids(&r, ag_graph_children_naming(r.g, "f", &n), &n);
	ck_assert_uint_eq(n, 0);
	free(s);

	/* The placeholder for "gone" belongs where the line broke off: after
	 * the heads left when e, f and their descendants are set aside. */
	struct ag_strv heads = {0};
	ag_graph_placeholder_parents(r.g, "gone", &heads);
	ck_ids(&heads, "b c d");
	ag_strv_free(&heads);
	repo_free(&r);

	REPO(&r, "a <", "b < a", "d < x", "e < d");
	ag_graph_placeholder_parents(r.g, "x", &heads);
	ck_ids(&heads, "b");
	ag_strv_free(&heads);
	repo_free(&r);
}
END_TEST

START_TEST(test_limits)
{
	/* A long chain and a wide fan: no recursion, no quadratic blowup. */
	struct repo r;
	memset(&r, 0, sizeof r);
	char spec[64];
	add_script(&r.ss, "n0 <");
	for (int i = 1; i < 3000; i++) {
		snprintf(spec, sizeof spec, "n%d < n%d", i, i - 1);
		add_script(&r.ss, spec);
	}
	for (int i = 0; i < 500; i++) {
		snprintf(spec, sizeof spec, "f%d < n1500", i);
		add_script(&r.ss, spec);
	}
	r.g = ag_graph_build(&r.ss, NULL);
	ck_assert_uint_eq(r.g->n, 3500);
	ck_assert_uint_eq(r.g->heads.n, 501);
	ck_ids(&r.g->bases, "n0");
	size_t head = node(&r, "n2999"), n;
	size_t *path = ag_graph_upgrade_path(r.g, NULL, 0, &head, 1, &n);
	ck_assert_uint_eq(n, 3000);
	for (size_t i = 0; i < n; i++) {
		snprintf(spec, sizeof spec, "n%zu", i);
		ck_assert_str_eq(r.g->v[path[i]].id, spec);
	}
	free(path);
	ck_assert(ag_graph_is_ancestor(r.g, node(&r, "n0"), node(&r, "f499")));
	repo_free(&r);
}
END_TEST


/* The graph rules of lib/alembic.h's table: down_revision = '' (a base up
 * to 1.12.0, KeyError: '' from 1.12.1) and ':' in ids (refused from
 * 1.17.1). */
START_TEST(test_version_rules)
{
	static const char src_empty[] = "revision = 'a'\ndown_revision = ''\n";
	static const char src_colon[] = "revision = 'b:1'\ndown_revision = 'a'\n";
	static const unsigned vers[] = {AG_ALEMBIC_VER(1, 8, 1), AG_ALEMBIC_VER(1, 12, 0),
					AG_ALEMBIC_VER(1, 12, 1), AG_ALEMBIC_VER(1, 17, 0),
					AG_ALEMBIC_VER(1, 17, 1), AG_ALEMBIC_VER(1, 18, 4)};
	for (size_t k = 0; k < AG_ARRAY_LEN(vers); k++) {
		struct ag_scripts ss = {0};
		ss.v = ag_calloc(2, sizeof *ss.v);
		ss.cap = 2;
		ag_script_parse(&ss.v[0], "v/a.py", src_empty, strlen(src_empty), NULL);
		ag_script_parse(&ss.v[1], "v/b.py", src_colon, strlen(src_colon), NULL);
		ss.n = 2;
		struct ag_graph_opts o = {.alembic = vers[k]};
		struct ag_graph *g = ag_graph_build(&ss, &o);
		bool empty_fails = vers[k] >= AG_ALEMBIC_VER(1, 12, 1);
		bool colon_fails = vers[k] >= AG_ALEMBIC_VER(1, 17, 1);
		ck_assert_uint_eq(count_code(g, "dangling-down-revision"), empty_fails);
		ck_assert_uint_eq(count_code(g, "illegal-revision-id"), colon_fails);
		if (empty_fails)
			ck_assert_ptr_nonnull(strstr(code(g, "dangling-down-revision")->message,
						     "KeyError: ''"));
		if (colon_fails)
			ck_assert_ptr_nonnull(strstr(code(g, "illegal-revision-id")->message,
						     "not allowed in revision identifier 'b:1'"));
		ag_graph_free(g);
		ag_scripts_free(&ss);
	}
}
END_TEST

Suite *graph_suite(void)
{
	Suite *s = suite_create("graph");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_linear);
	tcase_add_test(tc, test_version_rules);
	tcase_add_test(tc, test_branches_and_merges);
	tcase_add_test(tc, test_depends_on);
	tcase_add_test(tc, test_labels);
	suite_add_tcase(s, tc);
	tc = tcase_create("findings");
	tcase_add_test(tc, test_illegal_ids);
	tcase_add_test(tc, test_id_too_long);
	tcase_add_test(tc, test_cycles);
	tcase_add_test(tc, test_duplicates);
	tcase_add_test(tc, test_dangling);
	tcase_add_test(tc, test_alembic_corners);
	tcase_add_test(tc, test_label_conflicts);
	tcase_add_test(tc, test_heads_and_bases);
	tcase_add_test(tc, test_script_findings_moved);
	suite_add_tcase(s, tc);
	tc = tcase_create("queries");
	tcase_add_test(tc, test_upgrade_path);
	tcase_add_test(tc, test_ancestry);
	tcase_add_test(tc, test_children_naming);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_limits);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
