/*
 * atomic: writing, replacing, moving and removing a file so that no
 * reader (Alembic, the guard, a person) ever sees half a file, and so
 * that nothing a person put there meanwhile is overwritten.
 *
 * New contents go to a temporary file beside the target (".NAME.ag-XXXXXX":
 * a name Alembic never loads, since it does not end in ".py"), are
 * fsynced, and are put in place with link(2) (fails when the name exists;
 * renameat2(RENAME_NOREPLACE) on file systems without hard links) or, to
 * replace a file, rename(2) after checking the file still holds what the
 * caller read. The directory is fsynced after each change (best effort).
 *
 * Ownership: all arguments are borrowed. Each function returns 0, or -1
 * with err (AG_ERR_IO, the message naming the file and the reason); on
 * failure nothing was changed, except where a function says otherwise.
 */
#ifndef AG_ATOMIC_H
#define AG_ATOMIC_H

#include <stddef.h>

#include "err.h"

/* Writes a new file at path (mode 0666 less the umask): fails, saying
 * "exists" or "appeared meanwhile", when anything is there. */
int ag_atomic_write_new(const char *path, const char *data, size_t len, struct ag_err *err);

/* Replaces path's contents, which must still be expect (elen bytes),
 * keeping the file's mode. */
int ag_atomic_replace(const char *path, const char *expect, size_t elen, const char *data,
                      size_t len, struct ag_err *err);

/* Moves from to to (which must not exist), from's contents being expect;
 * with data, to gets data instead. When to has been written and from
 * cannot be removed, both exist afterwards (the message says so). */
int ag_atomic_move(const char *from, const char *to, const char *expect, size_t elen,
                   const char *data, size_t len, struct ag_err *err);

/* Removes path while it still holds expect (elen bytes). */
int ag_atomic_remove(const char *path, const char *expect, size_t elen, struct ag_err *err);

/* 0 when path holds exactly expect; else -1 with err ("changed after the
 * plan was made", or the read error). */
int ag_atomic_check(const char *path, const char *expect, size_t elen, struct ag_err *err);

#endif
