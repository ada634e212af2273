#include "graph.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>

#include "alembic.h"
#include "quote.h"
#include "util.h"

/* ---- id -> node map (open addressing, FNV-1a) ------------------------ */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static void map_init(struct ag_graph *g, size_t n)
{
	size_t c = 16;
	while (c < n * 2 + 1)
		c *= 2;
	g->nslots = c;
	g->slots = ag_malloc(c * sizeof *g->slots);
	for (size_t i = 0; i < c; i++)
		g->slots[i] = AG_NONE;
}

/* Puts node i under its id; a later node with the same id replaces the
 * earlier one, as Alembic's dict does. Returns the replaced node or AG_NONE. */
static size_t map_put(struct ag_graph *g, size_t i)
{
	size_t mask = g->nslots - 1;
	for (size_t s = (size_t)hash_str(g->v[i].id) & mask;; s = (s + 1) & mask) {
		if (g->slots[s] == AG_NONE) {
			g->slots[s] = i;
			return AG_NONE;
		}
		if (strcmp(g->v[g->slots[s]].id, g->v[i].id) == 0) {
			size_t old = g->slots[s];
			g->slots[s] = i;
			return old;
		}
	}
}

size_t ag_graph_find(const struct ag_graph *g, const char *id)
{
	if (!g->nslots || !id)
		return AG_NONE;
	size_t mask = g->nslots - 1;
	for (size_t s = (size_t)hash_str(id) & mask;; s = (s + 1) & mask) {
		if (g->slots[s] == AG_NONE)
			return AG_NONE;
		if (strcmp(g->v[g->slots[s]].id, id) == 0)
			return g->slots[s];
	}
}

size_t ag_graph_find_label(const struct ag_graph *g, const char *label)
{
	for (size_t i = 0; i < g->label_names.n; i++)
		if (strcmp(g->label_names.v[i], label) == 0)
			return g->label_nodes[i];
	return AG_NONE;
}

static void push_idx(size_t **v, size_t *n, size_t x)
{
	*v = ag_realloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = x;
}

static bool has_idx(const size_t *v, size_t n, size_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static const char *file_of(const struct ag_node *nd)
{
	return nd->script->path;
}

/* ---- checks on single revisions -------------------------------------- */

static void check_ids(struct ag_graph *g, const struct ag_graph_opts *opts)
{
	int max_len = opts && opts->max_id_len ? opts->max_id_len : 32;
	/* The characters the Alembic judged as refuses (lib/alembic.h). */
	unsigned al = opts ? opts->alembic : 0;
	bool colon = al && ag_alembic_applies(al, AG_AL_COLON_ILLEGAL);
	const char *illegal = colon ? "@-+:" : "@-+";
	bool empty_down_fails = al && ag_alembic_applies(al, AG_AL_EMPTY_DOWN_ERROR);
	for (size_t i = 0; i < g->n; i++) {
		struct ag_node *nd = &g->v[i];
		struct ag_script *sc = nd->script;
		const char *bad = strpbrk(nd->id, illegal);
		if (sc->down_empty_str && empty_down_fails) {
			struct ag_finding *f = ag_findings_add(
				&g->findings, AG_SEV_ERROR, "dangling-down-revision", nd->id, file_of(nd),
				sc->down_line,
				"%s sets down_revision = ''; Alembic 1.12.1 and later read that as a "
				"revision named '' and fail (KeyError: '')",
				sc->name);
			ag_finding_fix(f, "write down_revision = None for a base");
			nd->broken = true;
		}
		if (bad) {
			struct ag_finding *f = ag_findings_add(
				&g->findings, AG_SEV_ERROR, "illegal-revision-id", nd->id, file_of(nd),
				sc->revision_line,
				"revision id '%s' contains '%c'; Alembic refuses ids with '-', '@', '+'%s "
				"(\"Character(s) '%c' not allowed in revision identifier '%s'\")",
				nd->id, *bad, colon ? " or ':'" : "", *bad, nd->id);
			ag_finding_fix(f, "choose an id of letters, digits and '_' (and rename the file "
					  "and every down_revision that names it: alembic-guard rename --id)");
		} else if (nd->id[0] == '\0') {
			ag_findings_add(&g->findings, AG_SEV_ERROR, "illegal-revision-id", nd->id,
					file_of(nd), sc->revision_line,
					"%s sets revision to the empty string", sc->name);
		}
		/* PostgreSQL's VARCHAR(n) counts characters, not bytes. */
		size_t chars = u8_mbsnlen((const uint8_t *)nd->id, strlen(nd->id));
		if (chars > (size_t)max_len) {
			struct ag_finding *f = ag_findings_add(
				&g->findings, AG_SEV_ERROR, "revision-id-too-long", nd->id, file_of(nd),
				sc->revision_line,
				"revision id '%s' is %zu characters; alembic_version.version_num is "
				"VARCHAR(%d) by default, so PostgreSQL refuses to stamp it (SQLite does not check)",
				nd->id, chars, max_len);
			ag_finding_fix(f, "use an id of at most %d characters (alembic-guard rename --id %s "
					  "NEWID), or widen version_num in env.py and the database",
				       max_len, nd->id);
		}
		for (size_t k = 0; k < sc->down.n; k++) {
			if (strcmp(sc->down.v[k], nd->id) == 0) {
				struct ag_finding *f = ag_findings_add(
					&g->findings, AG_SEV_ERROR, "cycle", nd->id, file_of(nd), sc->down_line,
					"%s names itself as its down_revision; Alembic stops with \"Self-loop "
					"is there!\"",
					nd->id);
				ag_finding_fix(f, "set down_revision of %s to its real parent", nd->id);
				nd->broken = true;
			}
		}
		for (size_t k = 0; k < sc->depends.n; k++) {
			if (strcmp(sc->depends.v[k], nd->id) == 0) {
				struct ag_finding *f = ag_findings_add(
					&g->findings, AG_SEV_ERROR, "cycle", nd->id, file_of(nd),
					sc->depends_line,
					"%s names itself in depends_on; Alembic stops with \"Dependency "
					"self-loop is there!\"",
					nd->id);
				ag_finding_fix(f, "remove %s from its own depends_on", nd->id);
				nd->broken = true;
			}
		}
	}
}

static void check_duplicates(struct ag_graph *g)
{
	for (size_t i = 0; i < g->n; i++) {
		struct ag_node *nd = &g->v[i];
		if (!nd->shadowed)
			continue;
		size_t eff = ag_graph_find(g, nd->id);
		struct ag_finding *f = ag_findings_add(
			&g->findings, AG_SEV_ERROR, "duplicate-revision", nd->id, file_of(nd),
			nd->script->revision_line,
			"revision %s is defined by both %s and %s; Alembic warns \"Revision %s is present "
			"more than once\", counts the copy as one more head, and `alembic upgrade head` "
			"fails with \"Multiple head revisions are present for given argument 'head'\"",
			nd->id, nd->script->name, g->v[eff].script->name, nd->id);
		ag_finding_fix(f, "delete the copy that should not exist, or give one of them a new id "
				  "(a half-done rename leaves such copies: alembic-guard rename shows "
				  "the difference between them)");
		ag_finding_detail(f, "files: %s, %s", file_of(nd), file_of(&g->v[eff]));
	}
}

static void map_labels(struct ag_graph *g)
{
	size_t cap = 0;
	for (size_t i = 0; i < g->n; i++) {
		struct ag_node *nd = &g->v[i];
		for (size_t k = 0; k < nd->script->labels.n; k++) {
			const char *label = nd->script->labels.v[k];
			size_t by_id = ag_graph_find(g, label);
			size_t by_label = ag_graph_find_label(g, label);
			if (by_id != AG_NONE || by_label != AG_NONE) {
				size_t other = by_label != AG_NONE ? by_label : by_id;
				struct ag_finding *f = ag_findings_add(
					&g->findings, AG_SEV_ERROR, "branch-label-conflict", nd->id,
					file_of(nd), nd->script->labels_line,
					"branch label '%s' of %s is already %s %s; Alembic stops with "
					"\"Branch name '%s' in revision %s already used by revision %s\"",
					label, nd->id, by_label != AG_NONE ? "the label of" : "the id of",
					g->v[other].id, label, nd->id, g->v[other].id);
				ag_finding_fix(f, "give %s a branch label that no other revision has or "
						  "is named",
					       nd->id);
				continue;
			}
			if (g->label_names.n + 1 > cap) {
				ag_grow((void **)&g->label_nodes, &cap, g->label_names.n + 1,
					sizeof *g->label_nodes);
			}
			/* Alembic maps the label to a revision object, but what
			 * it resolves through it is the id: the node it uses. */
			g->label_nodes[g->label_names.n] = ag_graph_find(g, nd->id);
			ag_strv_push(&g->label_names, label);
		}
	}
}

/*
 * The copy of a duplicate id that Alembic does not use still has its
 * references followed: depends_on is resolved for every file it loads, and
 * the copy stays in its list of heads, from which the cycle check walks
 * down_revision by id. A name that does not resolve fails the load there.
 * The copy's parents and dependencies are kept in nd->down and nd->deps
 * (not in their children: no revision follows a copy) for the label walk
 * and the cycle check, which starts from the copy as from a head.
 */
static void resolve_copy(struct ag_graph *g, size_t i)
{
	struct ag_node *nd = &g->v[i];
	struct ag_script *sc = nd->script;
	for (size_t k = 0; k < sc->down.n; k++) {
		const char *d = sc->down.v[k];
		size_t p = ag_graph_find(g, d);
		if (p != AG_NONE) {
			push_idx(&nd->down, &nd->ndown, p);
			continue;
		}
		bool label = ag_graph_find_label(g, d) != AG_NONE;
		struct ag_finding *f = ag_findings_add(
			&g->findings, AG_SEV_ERROR, "dangling-down-revision", nd->id, file_of(nd),
			sc->down_line,
			"down_revision of %s in %s, the copy Alembic does not use, names '%s', which %s; "
			"Alembic still follows it and fails (KeyError: '%s')",
			nd->id, sc->name, d, label ? "is a branch label, not a revision" : "no file defines",
			d);
		ag_finding_fix(f, "delete the copy %s, which a half-done rename or merge left behind",
			       sc->name);
	}
	for (size_t k = 0; k < sc->depends.n; k++) {
		const char *d = sc->depends.v[k];
		size_t p = ag_graph_find(g, d);
		if (p == AG_NONE)
			p = ag_graph_find_label(g, d);
		if (p != AG_NONE) {
			if (!has_idx(nd->deps, nd->ndeps, p))
				push_idx(&nd->deps, &nd->ndeps, p);
			continue;
		}
		struct ag_finding *f = ag_findings_add(
			&g->findings, AG_SEV_ERROR, "dangling-dependency", nd->id, file_of(nd),
			sc->depends_line,
			"depends_on of %s in %s, the copy Alembic does not use, names '%s', which is no "
			"revision and no branch label; Alembic still resolves it and fails (KeyError: '%s')",
			nd->id, sc->name, d, d);
		ag_finding_fix(f, "delete the copy %s, which a half-done rename or merge left behind",
			       sc->name);
	}
}

static void resolve_edges(struct ag_graph *g)
{
	for (size_t i = 0; i < g->n; i++) {
		struct ag_node *nd = &g->v[i];
		struct ag_script *sc = nd->script;
		if (nd->shadowed) {
			resolve_copy(g, i);
			continue;
		}
		size_t dangling = 0;
		for (size_t k = 0; k < sc->down.n; k++) {
			const char *d = sc->down.v[k];
			size_t p = ag_graph_find(g, d);
			if (p == AG_NONE) {
				size_t lab = ag_graph_find_label(g, d);
				struct ag_finding *f;
				nd->broken = true;
				/* A finding with its fix and printed form costs about
				 * a kilobyte: a one-line list of a million names would
				 * cost gigabytes. Past the first ones, one finding
				 * counts the rest. */
				if (++dangling > AG_GRAPH_MAX_DANGLING)
					continue;
				if (lab != AG_NONE) {
					f = ag_findings_add(
						&g->findings, AG_SEV_ERROR, "dangling-down-revision", nd->id,
						file_of(nd), sc->down_line,
						"down_revision of %s names '%s', which is a branch label, not a "
						"revision; Alembic fails (KeyError: '%s')",
						nd->id, d, d);
					ag_finding_fix(f, "set down_revision of %s to the revision id %s",
						       nd->id, g->v[lab].id);
				} else {
					f = ag_findings_add(
						&g->findings, AG_SEV_ERROR, "dangling-down-revision", nd->id,
						file_of(nd), sc->down_line,
						"down_revision of %s names '%s', which no file defines; Alembic "
						"warns \"Revision %s referenced from %s is not present\" and fails",
						nd->id, d, d, nd->id);
					char *cmd = ag_quote_commandl("alembic-guard", "backfill", d,
								      (const char *)NULL);
					ag_finding_fix(f, "add the missing migration %s (`%s` writes a "
							  "no-op placeholder), or point %s at an "
							  "existing revision",
						       d, cmd, nd->id);
					free(cmd);
				}
				continue;
			}
			push_idx(&nd->down, &nd->ndown, p);
			if (!has_idx(g->v[p].next, g->v[p].nnext, i))
				push_idx(&g->v[p].next, &g->v[p].nnext, i);
		}
		if (dangling > AG_GRAPH_MAX_DANGLING) {
			struct ag_finding *f = ag_findings_add(
				&g->findings, AG_SEV_ERROR, "dangling-down-revision", nd->id,
				file_of(nd), sc->down_line,
				"down_revision of %s names %zu more revisions that no file defines "
				"(the first %d are listed); Alembic fails",
				nd->id, dangling - AG_GRAPH_MAX_DANGLING, AG_GRAPH_MAX_DANGLING);
			ag_finding_fix(f, "add the missing migrations, or point down_revision of %s at "
					  "existing revisions",
				       nd->id);
		}
		for (size_t k = 0; k < sc->depends.n; k++) {
			const char *d = sc->depends.v[k];
			size_t p = ag_graph_find(g, d);
			if (p == AG_NONE)
				p = ag_graph_find_label(g, d); /* depends_on may name a label */
			if (p == AG_NONE) {
				struct ag_finding *f = ag_findings_add(
					&g->findings, AG_SEV_ERROR, "dangling-dependency", nd->id,
					file_of(nd), sc->depends_line,
					"depends_on of %s names '%s', which is no revision and no branch "
					"label; Alembic fails (KeyError: '%s')",
					nd->id, d, d);
				ag_finding_fix(f, "remove '%s' from depends_on of %s, or add that revision",
					       d, nd->id);
				nd->broken = true;
				continue;
			}
			if (!has_idx(nd->deps, nd->ndeps, p))
				push_idx(&nd->deps, &nd->ndeps, p);
			if (!has_idx(g->v[p].dnext, g->v[p].ndnext, i))
				push_idx(&g->v[p].dnext, &g->v[p].ndnext, i);
		}
	}
}

/* Nodes reachable from the starts (their own flags set) through edges. */
static void reach(const struct ag_graph *g, bool *mark, bool down, bool with_deps)
{
	size_t *stack = ag_malloc((g->n + 1) * sizeof *stack);
	size_t top = 0;
	for (size_t i = 0; i < g->n; i++)
		if (mark[i])
			stack[top++] = i;
	while (top) {
		const struct ag_node *nd = &g->v[stack[--top]];
		const size_t *e1 = down ? nd->down : nd->next;
		size_t n1 = down ? nd->ndown : nd->nnext;
		const size_t *e2 = down ? nd->deps : nd->dnext;
		size_t n2 = with_deps ? (down ? nd->ndeps : nd->ndnext) : 0;
		for (size_t k = 0; k < n1 + n2; k++) {
			size_t x = k < n1 ? e1[k] : e2[k - n1];
			if (!mark[x]) {
				mark[x] = true;
				stack[top++] = x;
			}
		}
	}
	free(stack);
}

static void report_cycle(struct ag_graph *g, const bool *in_space, const char *kind)
{
	struct ag_strv ids = {0};
	size_t first = AG_NONE;
	for (size_t i = 0; i < g->n; i++) {
		if (g->v[i].shadowed || in_space[i])
			continue;
		ag_strv_push(&ids, g->v[i].id);
		if (first == AG_NONE)
			first = i;
	}
	if (!ids.n) {
		ag_strv_free(&ids);
		return;
	}
	g->cycle = true;
	ag_strv_sort(&ids);
	char *list = ag_strv_join(&ids, ", ");
	struct ag_finding *f = ag_findings_add(
		&g->findings, AG_SEV_ERROR, "cycle", g->v[first].id, file_of(&g->v[first]),
		g->v[first].script->down_line,
		"%s revisions form a cycle, or hang off one; Alembic stops with \"%s is detected in "
		"revisions (%s)\"",
		kind[0] ? "dependency-linked" : "these", kind[0] ? "Dependency cycle" : "Cycle", list);
	ag_finding_fix(f, "follow down_revision%s from these revisions and break the loop: one "
			  "of them must point at an older revision",
		       kind[0] ? " and depends_on" : "");
	ag_finding_detail(f, "revisions: %s", list);
	free(list);
	ag_strv_free(&ids);
}

/*
 * Alembic's _detect_cycles: the ids reachable down from the heads and up
 * from the bases, first through down_revision, then with depends_on too;
 * an id outside both is in (or hangs off) a cycle. Every file it loaded
 * counts as a start: the unused copy of a duplicate id stays in its heads
 * (and bases) because nothing ever removes that object, and the walks
 * collect ids, so what the copy reaches counts for the id.
 */
static void detect_cycles(struct ag_graph *g)
{
	if (!g->n)
		return;
	bool *from_heads = ag_calloc(g->n, sizeof(bool));
	bool *from_bases = ag_calloc(g->n, sizeof(bool));
	bool *in_space = ag_calloc(g->n, sizeof(bool));
	for (int pass = 0; pass < 2; pass++) {
		bool deps = pass == 1;
		memset(from_heads, 0, g->n);
		memset(from_bases, 0, g->n);
		size_t nh = 0, nb = 0;
		for (size_t i = 0; i < g->n; i++) {
			struct ag_node *nd = &g->v[i];
			/* Alembic's _real_heads/_real_bases for the dependency pass */
			bool head = deps ? (nd->head && nd->ndnext == 0) : nd->head;
			bool base = deps ? (nd->base && nd->script->depends.n == 0) : nd->base;
			if (head) {
				from_heads[i] = true;
				nh++;
			}
			/* A revision whose parent is missing already has its own
			 * error (Alembic stops there); do not call it a cycle too. */
			if (base || (nd->broken && !nd->shadowed)) {
				from_bases[i] = true;
				nb++;
			}
		}
		reach(g, from_heads, true, deps);
		reach(g, from_bases, false, deps);
		/* By id: a node counts when any file with its id was reached. */
		for (size_t i = 0; i < g->n; i++) {
			size_t eff = g->v[i].shadowed ? ag_graph_find(g, g->v[i].id) : i;
			if (eff == AG_NONE)
				continue;
			from_heads[eff] |= from_heads[i];
			from_bases[eff] |= from_bases[i];
		}
		for (size_t i = 0; i < g->n; i++)
			in_space[i] = g->v[i].shadowed || (from_heads[i] && from_bases[i] && nh && nb);
		size_t before = ag_findings_count(&g->findings, AG_SEV_ERROR);
		report_cycle(g, in_space, deps ? "dependency" : "");
		if (ag_findings_count(&g->findings, AG_SEV_ERROR) != before)
			break; /* Alembic stops at the first kind */
	}
	free(in_space);
	free(from_heads);
	free(from_bases);
}

/*
 * Alembic's _add_branches: a label goes to every descendant (through
 * down_revision), then, from the last descendant its depth-first walk
 * visits, down the chain of parents until a branch point (counting
 * dependents) or a merge point. When the descendants branch, which node
 * Alembic visits last depends on Python's set order (hash seed); we walk
 * children in id order so the answer is at least stable.
 */
static int cmp_child(const void *a, const void *b, void *gp)
{
	const struct ag_graph *g = gp;
	return strcmp(g->v[*(const size_t *)a].id, g->v[*(const size_t *)b].id);
}

/* Alembic's _all_nextrev is a set of ids: a child that names a node both
 * as down_revision and in depends_on counts once. */
static size_t real_children(const struct ag_node *nd)
{
	size_t n = nd->nnext;
	for (size_t k = 0; k < nd->ndnext; k++)
		n += !has_idx(nd->next, nd->nnext, nd->dnext[k]);
	return n;
}

static void add_labels(struct ag_strv *to, const struct ag_strv *from)
{
	for (size_t k = 0; k < from->n; k++)
		if (!ag_strv_has(to, from->v[k]))
			ag_strv_push(to, from->v[k]);
}

static void spread_labels(struct ag_graph *g)
{
	for (size_t i = 0; i < g->n; i++)
		ag_strv_copy(&g->v[i].labels, &g->v[i].script->labels);
	/* Each node is expanded once (seen[]), so the stack never holds more
	 * than one entry per edge plus the start, cycles or not. */
	size_t edges = 0;
	for (size_t i = 0; i < g->n; i++)
		edges += g->v[i].nnext;
	bool *seen = ag_calloc(g->n ? g->n : 1, sizeof(bool));
	size_t *stack = ag_malloc((edges + 1) * sizeof *stack);
	for (size_t i = 0; i < g->n; i++) {
		struct ag_node *src = &g->v[i];
		if (!src->script->labels.n)
			continue;
		/* What it spreads is its label set as it is now: Alembic updates
		 * with revision.branch_labels, which earlier sources may have
		 * grown (a label that climbed to it from a descendant). */
		struct ag_strv spread = {0};
		ag_strv_copy(&spread, &src->labels);
		memset(seen, 0, g->n);
		size_t top = 0, last = i;
		stack[top++] = i;
		while (top) {
			size_t x = stack[--top];
			if (seen[x])
				continue;
			seen[x] = true;
			last = x;
			struct ag_node *nd = &g->v[x];
			size_t *kids = ag_malloc((nd->nnext + 1) * sizeof *kids);
			if (nd->nnext) /* next is NULL for a head */
				memcpy(kids, nd->next, nd->nnext * sizeof *kids);
			qsort_r(kids, nd->nnext, sizeof *kids, cmp_child, g);
			/* pushed in reverse so the smallest id is visited first */
			for (size_t k = nd->nnext; k-- > 0;)
				stack[top++] = kids[k];
			free(kids);
			add_labels(&nd->labels, &spread);
		}
		size_t steps = 0;
		for (size_t p = last; p != AG_NONE && steps++ <= g->n;) {
			struct ag_node *nd = &g->v[p];
			if (real_children(nd) > 1 || nd->merge)
				break;
			add_labels(&nd->labels, &spread);
			p = nd->ndown == 1 ? nd->down[0] : AG_NONE;
		}
		ag_strv_free(&spread);
	}
	free(stack);
	free(seen);
	for (size_t i = 0; i < g->n; i++)
		ag_strv_uniq(&g->v[i].labels);
}

static void summarize(struct ag_graph *g, const struct ag_graph_opts *opts)
{
	for (size_t i = 0; i < g->n; i++) {
		struct ag_node *nd = &g->v[i];
		if (nd->head)
			ag_strv_push(&g->heads, nd->id);
		if (nd->base)
			ag_strv_push(&g->bases, nd->id);
		if (nd->shadowed)
			continue;
		if (nd->merge)
			ag_strv_push(&g->merges, nd->id);
		if (nd->branch)
			ag_strv_push(&g->branches, nd->id);
	}
	ag_strv_uniq(&g->heads);
	ag_strv_uniq(&g->bases);
	ag_strv_uniq(&g->merges);
	ag_strv_uniq(&g->branches);
	bool dangling = false;
	for (size_t i = 0; i < g->n; i++)
		dangling |= g->v[i].broken;
	/* With a missing parent, the broken-off line looks like a second head;
	 * the dangling reference is the finding that matters. */
	if (g->heads.n > 1 && !dangling) {
		char *list = ag_strv_join(&g->heads, ", ");
		bool ok = opts && opts->heads_ok;
		struct ag_finding *f = ag_findings_add(
			&g->findings, ok ? AG_SEV_INFO : AG_SEV_ERROR, "multiple-heads", NULL, NULL, 0,
			"the repository has %zu heads (%s); `alembic upgrade head` stops with \"Multiple "
			"head revisions are present for given argument 'head'; please specify a specific "
			"target revision, '<branchname>@head' to narrow to a specific head, or 'heads' for "
			"all heads\"",
			g->heads.n, list);
		if (ok)
			ag_finding_fix(f, "nothing to do while the release runs `alembic upgrade "
					  "heads`; `alembic merge heads` joins them when they should "
					  "become one line again");
		else
			ag_finding_fix(f, "alembic merge heads -m \"merge heads\" (then commit the new "
					  "migration), or, if the branches are meant to stay apart, "
					  "upgrade with `heads` and run the guard with --target heads");
		ag_finding_detail(f, "heads: %s", list);
		free(list);
	}
	if (g->bases.n > 1) {
		/* A base with a branch label starts an independent branch on
		 * purpose (invenio's modules, neutron's expand/contract); only
		 * two or more unlabelled bases may be a history split by
		 * accident. */
		size_t bare = 0;
		for (size_t i = 0; i < g->bases.n; i++) {
			size_t k = ag_graph_find(g, g->bases.v[i]);
			bare += k == AG_NONE || !g->v[k].labels.n;
		}
		char *list = ag_strv_join(&g->bases, ", ");
		struct ag_finding *f = ag_findings_add(
			&g->findings, bare > 1 ? AG_SEV_WARNING : AG_SEV_INFO, "multiple-bases", NULL,
			NULL, 0,
			"the repository has %zu bases (%s): revisions with down_revision = None start "
			"separate histories",
			g->bases.n, list);
		ag_finding_fix(f, "if only one history is intended, point the extra base at the head "
				  "of the other; independent branches should carry branch_labels");
		free(list);
	}
}

struct ag_graph *ag_graph_build(struct ag_scripts *ss, const struct ag_graph_opts *opts)
{
	struct ag_graph *g = ag_calloc(1, sizeof *g);
	ag_findings_move(&g->findings, &ss->findings);
	size_t count = 0;
	for (size_t i = 0; i < ss->n; i++)
		count += ss->v[i].revision != NULL;
	g->v = ag_calloc(count ? count : 1, sizeof *g->v);
	for (size_t i = 0; i < ss->n; i++) {
		struct ag_script *sc = &ss->v[i];
		ag_findings_move(&g->findings, &sc->findings);
		if (!sc->revision)
			continue;
		struct ag_node *nd = &g->v[g->n++];
		nd->id = sc->revision;
		nd->script = sc;
		nd->base = sc->down.n == 0 && sc->down_known;
		/* No down_revision (or one only Python knows): the file's own
		 * finding says Alembic fails there; no cycle is made up of it. */
		nd->broken = !sc->down_known;
	}
	map_init(g, g->n);
	for (size_t i = 0; i < g->n; i++) {
		size_t old = map_put(g, i);
		if (old != AG_NONE)
			g->v[old].shadowed = true;
	}
	check_ids(g, opts);
	check_duplicates(g);
	map_labels(g);
	resolve_edges(g);
	for (size_t i = 0; i < g->n; i++) {
		struct ag_node *nd = &g->v[i];
		nd->head = nd->shadowed || nd->nnext == 0;
		nd->merge = nd->script->down.n > 1;
		nd->branch = nd->nnext > 1;
	}
	detect_cycles(g);
	spread_labels(g);
	summarize(g, opts);
	return g;
}

void ag_graph_free(struct ag_graph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		free(g->v[i].down);
		free(g->v[i].deps);
		free(g->v[i].next);
		free(g->v[i].dnext);
		ag_strv_free(&g->v[i].labels);
	}
	free(g->v);
	ag_strv_free(&g->heads);
	ag_strv_free(&g->bases);
	ag_strv_free(&g->merges);
	ag_strv_free(&g->branches);
	ag_findings_free(&g->findings);
	free(g->slots);
	ag_strv_free(&g->label_names);
	free(g->label_nodes);
	free(g);
}

void ag_graph_mark_ancestors(const struct ag_graph *g, const size_t *from, size_t nfrom, bool deps,
			     bool *mark)
{
	for (size_t i = 0; i < nfrom; i++)
		if (from[i] < g->n)
			mark[from[i]] = true;
	reach(g, mark, true, deps);
}

bool ag_graph_is_ancestor(const struct ag_graph *g, size_t a, size_t b)
{
	if (a == b || a >= g->n || b >= g->n)
		return false;
	bool *mark = ag_calloc(g->n, sizeof(bool));
	ag_graph_mark_ancestors(g, &b, 1, true, mark);
	bool r = mark[a];
	free(mark);
	return r;
}

static void heap_push(size_t *h, size_t *n, size_t x)
{
	size_t i = (*n)++;
	h[i] = x;
	while (i > 0 && h[(i - 1) / 2] > h[i]) {
		size_t p = (i - 1) / 2, t = h[p];
		h[p] = h[i];
		h[i] = t;
		i = p;
	}
}

static size_t heap_pop(size_t *h, size_t *n)
{
	size_t top = h[0];
	h[0] = h[--(*n)];
	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < *n && h[l] < h[m])
			m = l;
		if (r < *n && h[r] < h[m])
			m = r;
		if (m == i)
			break;
		size_t t = h[m];
		h[m] = h[i];
		h[i] = t;
		i = m;
	}
	return top;
}

size_t *ag_graph_upgrade_path(const struct ag_graph *g, const size_t *current, size_t ncurrent,
			      const size_t *target, size_t ntarget, size_t *n)
{
	bool *want = ag_calloc(g->n ? g->n : 1, sizeof(bool));
	bool *have = ag_calloc(g->n ? g->n : 1, sizeof(bool));
	ag_graph_mark_ancestors(g, target, ntarget, true, want);
	ag_graph_mark_ancestors(g, current, ncurrent, true, have);
	/* Kahn's algorithm over the wanted nodes; ties go to listing order so
	 * the output is stable. */
	size_t *indeg = ag_calloc(g->n ? g->n : 1, sizeof(size_t));
	size_t *out = ag_malloc((g->n + 1) * sizeof *out);
	size_t nout = 0;
	for (size_t i = 0; i < g->n; i++) {
		if (!want[i] || have[i])
			continue;
		const struct ag_node *nd = &g->v[i];
		for (size_t k = 0; k < nd->ndown; k++)
			indeg[i] += want[nd->down[k]] && !have[nd->down[k]];
		for (size_t k = 0; k < nd->ndeps; k++)
			indeg[i] += want[nd->deps[k]] && !have[nd->deps[k]] && !has_idx(nd->down, nd->ndown, nd->deps[k]);
	}
	/* ready: a min-heap of node indices whose parents are all applied */
	size_t *heap = ag_malloc((g->n + 1) * sizeof *heap);
	size_t nheap = 0;
	for (size_t i = 0; i < g->n; i++)
		if (want[i] && !have[i] && !indeg[i])
			heap_push(heap, &nheap, i);
	while (nheap) {
		size_t i = heap_pop(heap, &nheap);
		out[nout++] = i;
		const struct ag_node *nd = &g->v[i];
		for (size_t k = 0; k < nd->nnext + nd->ndnext; k++) {
			size_t c = k < nd->nnext ? nd->next[k] : nd->dnext[k - nd->nnext];
			bool is_dep = k >= nd->nnext;
			if (!want[c] || have[c] || !indeg[c])
				continue;
			if (is_dep) {
				if (has_idx(g->v[c].down, g->v[c].ndown, i))
					continue;
				indeg[c]--;
			} else {
				/* a merge of the same parent twice counted it twice */
				for (size_t m = 0; m < g->v[c].ndown; m++)
					if (g->v[c].down[m] == i && indeg[c])
						indeg[c]--;
			}
			if (!indeg[c])
				heap_push(heap, &nheap, c);
		}
	}
	free(heap);
	free(indeg);
	free(want);
	free(have);
	*n = nout;
	return out;
}

size_t *ag_graph_children_naming(const struct ag_graph *g, const char *id, size_t *n)
{
	size_t *out = NULL;
	*n = 0;
	for (size_t i = 0; i < g->n; i++) {
		const struct ag_script *sc = g->v[i].script;
		if (g->v[i].shadowed)
			continue;
		if (ag_strv_has(&sc->down, id) || ag_strv_has(&sc->depends, id))
			push_idx(&out, n, i);
	}
	return out;
}

void ag_graph_placeholder_parents(const struct ag_graph *g, const char *id, struct ag_strv *heads)
{
	bool *broken = ag_calloc(g->n ? g->n : 1, sizeof(bool));
	size_t nk = 0;
	size_t *kids = ag_graph_children_naming(g, id, &nk);
	for (size_t i = 0; i < nk; i++)
		broken[kids[i]] = true;
	free(kids);
	reach(g, broken, false, true);
	for (size_t i = 0; i < g->n; i++) {
		const struct ag_node *nd = &g->v[i];
		if (broken[i] || nd->shadowed)
			continue;
		bool has_child = false;
		for (size_t k = 0; k < nd->nnext; k++)
			has_child |= !broken[nd->next[k]];
		if (!has_child)
			ag_strv_push(heads, nd->id);
	}
	ag_strv_uniq(heads);
	free(broken);
}
