/*
 * graph: the revision graph that Alembic 1.8 builds from the migration
 * files (alembic/script/revision.py, RevisionMap), computed the same way:
 * heads, bases, merge points, branch points, branch labels spread to
 * descendants and along a straight chain to ancestors, depends_on edges.
 * Where Alembic would fail (a dangling reference, a cycle, a label clash)
 * or pick arbitrarily (a duplicate id), the graph carries an error finding
 * naming the file and line and the fix, and still answers what it can.
 *
 * Ownership: ag_graph_build borrows the scripts (they must outlive the
 * graph) and moves their findings into the graph's list. Node ids are
 * borrowed from the scripts. ag_graph_free accepts NULL. Index arrays
 * returned by queries are new (free with free()).
 */
#ifndef AG_GRAPH_H
#define AG_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include "finding.h"
#include "script.h"

#define AG_NONE ((size_t)-1)

/* dangling-down-revision findings listed one by one for one revision; the
 * rest are counted in one more finding, so a huge list stays small. */
#define AG_GRAPH_MAX_DANGLING 50

struct ag_node {
	const char *id;           /* borrowed from script */
	struct ag_script *script; /* borrowed */
	size_t *down;             /* NULL or malloced: parents (down_revision), repeats kept */
	size_t ndown;
	size_t *deps;             /* NULL or malloced: depends_on, resolved */
	size_t ndeps;
	size_t *next;             /* NULL or malloced: children through down_revision */
	size_t nnext;
	size_t *dnext;            /* NULL or malloced: children through depends_on */
	size_t ndnext;
	struct ag_strv labels;    /* branch labels after spreading, sorted */
	bool head, base, merge, branch;
	bool shadowed;            /* a duplicate id: Alembic uses another file */
	bool broken;              /* a reference of this node could not be resolved */
};

struct ag_graph {
	struct ag_node *v; /* every revision, in listing order, duplicates included */
	size_t n;
	struct ag_strv heads, bases, merges, branches; /* ids, sorted, unique */
	struct ag_findings findings;
	bool cycle;        /* parts of the graph are unreachable: ancestry is unreliable */
	/* private */
	size_t *slots;     /* open addressing: id -> effective node index */
	size_t nslots;
	struct ag_strv label_names;
	size_t *label_nodes;
};

struct ag_graph_opts {
	bool heads_ok; /* several heads are intended (--target heads, expected_heads) */
	int max_id_len; /* revision-id-too-long above this; 0 means 32 */
	unsigned alembic; /* the Alembic judged as (lib/alembic.h); 0: as 1.8 */
};

/* Builds the graph; never fails (problems are findings). New; free with
 * ag_graph_free. */
struct ag_graph *ag_graph_build(struct ag_scripts *ss, const struct ag_graph_opts *opts);
void ag_graph_free(struct ag_graph *g);

/* The node Alembic uses for id (the last file listed), or AG_NONE. */
size_t ag_graph_find(const struct ag_graph *g, const char *id);
/* The node a branch label names, or AG_NONE. */
size_t ag_graph_find_label(const struct ag_graph *g, const char *label);
/* Marks in mark[] (g->n bools, caller-zeroed) every ancestor of the nodes
 * in from[] (themselves included), following down_revision and, with deps,
 * depends_on. */
void ag_graph_mark_ancestors(const struct ag_graph *g, const size_t *from, size_t nfrom, bool deps,
			     bool *mark);
/* True when a is a strict ancestor of b. */
bool ag_graph_is_ancestor(const struct ag_graph *g, size_t a, size_t b);
/*
 * The revisions `alembic upgrade` applies to go from the nodes current[] to
 * the nodes target[]: ancestors of target (with depends_on) that are not
 * ancestors of current, parents before children. Returns a new array of
 * node indices (*n of them).
 */
size_t *ag_graph_upgrade_path(const struct ag_graph *g, const size_t *current, size_t ncurrent,
			      const size_t *target, size_t ntarget, size_t *n);
/* The nodes that name id in down_revision or depends_on (effective nodes). */
size_t *ag_graph_children_naming(const struct ag_graph *g, const char *id, size_t *n);



/*
 * Where a placeholder for the missing revision id belongs: the heads of the
 * graph left after removing every revision that descends from a revision
 * naming id (the line that broke off). Fills heads with their ids (sorted);
 * one head is a unique answer, none or several mean a person must choose.
 */
void ag_graph_placeholder_parents(const struct ag_graph *g, const char *id, struct ag_strv *heads);

#endif
