/*
 * modexec: runs a migration file's module-level statements as far as
 * their meaning is certain, to learn the values Alembic reads from the
 * module (revision, down_revision, branch_labels, depends_on). The
 * docstring is lib/doc's.
 *
 * What runs: assignments (plain, annotated, chained, unpacking, augmented
 * `+=` of str, tuple and list), `del NAME`, `if`/`elif`/`else` and `while`
 * whose tests are constants (True, False, None, numbers, strings, `not`,
 * names bound to those, TYPE_CHECKING imported from typing), `try` bodies
 * as if nothing raises (a handler, and the `else`, can only run when a
 * statement of the body may raise), `with` bodies, `for` over a literal
 * sequence (the body once per element, the loop variable known), and
 * `def`/`class`/`import` that bind a name. Code whose effect only running
 * Python knows (a test that is not a constant, a `while`, a `for` over
 * something else, `match`, a walrus, a subscript or attribute target) does
 * not bind a value: a name Alembic reads that it may set becomes
 * `unresolved-value` with the construct and its line. Function and class
 * bodies do not run; a `global` in one naming one of Alembic's names makes
 * that name unresolved, since a call could rebind it.
 *
 * The values side (expressions, bindings, assignments) is lib/modval,
 * private to this module.
 *
 * Identifiers are NFKC-normalized as Python does (libunistring), so a
 * name written with compatibility characters binds the name it normalizes
 * to.
 *
 * Ownership: results go into the script (its strings and findings), which
 * the caller owns. Returns false when the file cannot load (a tokenizer
 * error, a failed unpacking), already reported as a finding.
 */
#ifndef AG_MODEXEC_H
#define AG_MODEXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "script.h"

/* Runs the module-level statements of buf (len bytes, UTF-8, need not be
 * NUL-terminated) into sc, whose path and name are set. */
bool ag_modexec_run(struct ag_script *sc, const char *buf, size_t len,
		    const struct ag_defines *defs);

/* Python's identifier normalization (NFKC) of name (n bytes of UTF-8):
 * malloced. ASCII comes back as it is. */
char *ag_modexec_ident(const char *name, size_t n);

#endif
