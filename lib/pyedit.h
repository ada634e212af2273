/*
 * pyedit: reading and editing a migration file's text the way a person
 * would, token by token, so a repair changes only the bytes it must.
 *
 * Reading: the module-level statements (through lib/pyscan, so brackets,
 * strings and continuations are Python's), the assignment to a name
 * (revision, down_revision...) with the span of its value and of each
 * string literal in it (the module docstring is lib/doc's: its span and
 * quote are what the docstring edits below take). A file Python cannot
 * tokenize yields nothing: nothing in it is edited.
 *
 * Editing: struct ag_pyedit_file holds a file's text as a plan found it
 * and a set of span edits (non-overlapping; an edit of the same span
 * replaces the earlier one); ag_pyedit_result applies them. The file also
 * carries what a repair plan needs to turn it into an action (a new name,
 * the revision it defines, why it changes); lib/repair does that.
 *
 * Ownership: texts are borrowed unless said; structs own what their
 * fields' notes say and are released by their _free functions, which
 * accept zeroed structs. Nothing here fails except where a return value
 * says so (allocation aborts through lib/util).
 */
#ifndef AG_PYEDIT_H
#define AG_PYEDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "doc.h"
#include "pyscan.h"
#include "util.h"

/* ---- reading ------------------------------------------------------------ */

/* One module-level statement: its tokens (pointing into the text). */
struct ag_pyedit_stmt {
	struct ag_tok *t;
	size_t n;
	bool first; /* the first statement of the module */
};

typedef void (*ag_pyedit_stmt_fn)(const struct ag_pyedit_stmt *st, const char *text, void *arg);

/* Calls fn for every module-level statement of text, in order; stops at
 * a token Python cannot read. */
void ag_pyedit_each_statement(const char *text, size_t len, ag_pyedit_stmt_fn fn, void *arg);

/* The byte offset of token t in text. */
size_t ag_pyedit_off(const char *text, const struct ag_tok *t);

/* A string literal, or several written next to each other ('a' 'b'). */
struct ag_pyedit_atom {
	size_t off, len;
	char *value; /* NULL or malloced: NULL when not a plain str */
	char quote;
};

/* A module-level assignment to one name. */
struct ag_pyedit_assign {
	bool found;
	int line;
	size_t stmt_off, stmt_end;
	size_t ann_off, ann_len; /* the annotation after ':', trimmed; 0 when none */
	size_t val_off, val_len; /* the value, first token to last */
	struct ag_pyedit_atom *atoms; /* NULL or malloced: the string literals of the value */
	size_t natoms;
	bool plain; /* the value is None, a str, or a tuple/list of str and nothing else */
	bool is_none;
};

/* The module-level assignment to name on line (0: the last one) into
 * *out (found false when there is none). */
void ag_pyedit_find_assign(const char *text, size_t len, const char *name, int line,
                           struct ag_pyedit_assign *out);
void ag_pyedit_assign_free(struct ag_pyedit_assign *as);

/* ---- editing ------------------------------------------------------------ */

struct ag_pyedit_span {
	size_t off, len;
	char *with; /* malloced */
};

/* A file a plan changes: its text as the plan found it, the edits, and
 * maybe a new name. */
struct ag_pyedit_file {
	char *path;                /* malloced */
	char *text;                /* malloced, NUL-terminated */
	size_t len;
	struct ag_pyedit_span *e;  /* NULL or malloced */
	size_t ne;
	char *new_path; /* NULL or malloced */
	char *revision; /* NULL or malloced */
	struct ag_strv why;
};

struct ag_pyedit_files {
	struct ag_pyedit_file *v; /* NULL or malloced */
	size_t n, cap;
};

void ag_pyedit_files_free(struct ag_pyedit_files *w);
/* Adds path with its text (stolen: malloced, NUL-terminated); returns it
 * (borrowed from w, valid until the next add). */
struct ag_pyedit_file *ag_pyedit_files_add(struct ag_pyedit_files *w, const char *path,
                                           char *text, size_t len);
/* Adds why to the file's reasons, once. */
void ag_pyedit_why(struct ag_pyedit_file *f, const char *why);
/* Records an edit of [off, off+len) to with. Returns -1 when it overlaps
 * another edit differently (nothing recorded). */
int ag_pyedit_edit(struct ag_pyedit_file *f, size_t off, size_t len, const char *with);
/* The file's text with its edits. New; *len its length. */
char *ag_pyedit_result(struct ag_pyedit_file *f, size_t *len);
/* A string literal for id in the quote style quote (' unless "). New. */
char *ag_pyedit_literal(const char *id, char quote);
/* Replaces every string literal of name's assignment at line whose value
 * is old by new_id. Returns the number replaced, or -1 when the
 * assignment cannot be found. */
int ag_pyedit_replace_in_assign(struct ag_pyedit_file *f, const char *name, int line,
                                const char *old, const char *new_id);
/* In the docstring line at line (starting with marker, or with marker
 * after the opening quotes), replaces the whole word old by new_id.
 * Returns the number replaced. */
int ag_pyedit_replace_in_doc_line(struct ag_pyedit_file *f, const struct ag_doc *d,
                                  int line, const char *marker, const char *old,
                                  const char *new_id);
/* Sets the ids listed after marker on the docstring line to ids. */
bool ag_pyedit_set_doc_line(struct ag_pyedit_file *f, const struct ag_doc *d, int line,
                            const char *marker, const char *ids);

#endif
