/*
 * quote: outside text (revision ids, version rows, file names, release
 * output, server messages) made safe for what people do with it. They read
 * it in a terminal or a release log, paste SQL into psql and commands into
 * a shell, and feed JSON to pipelines; each gets one function here, so no
 * caller formats an id into any of them by hand.
 *
 * - visible: control characters (C0, DEL, C1), Unicode line and bidi
 *   controls and bytes that are not UTF-8 become visible escapes (`\n`,
 *   `\x1b`, `\u0085`, `\xff`), so no outside byte starts a line or sends a
 *   terminal sequence. For reading only: the escape is not reversible.
 * - SQL: literals and identifiers as PostgreSQL reads them. A literal whose
 *   bytes are all printable is '...' with quotes doubled; otherwise it is
 *   E'...' with each such byte as \xHH, so the statement is plain ASCII on
 *   screen and still matches the row's exact bytes. An identifier is left
 *   bare only when PostgreSQL would read it back unchanged (lower case,
 *   not a reserved word); otherwise it is double-quoted with quotes doubled
 *   as PQescapeIdentifier does, or written U&"..." when it holds control
 *   characters.
 * - shell: POSIX sh words (dash included). Plain words stay bare; others are
 *   single-quoted ('\'' for a quote); a word with control or non-UTF-8
 *   bytes becomes "$(printf '...')" with octal escapes, so the printed line
 *   stays on one line and the shell still passes the exact bytes.
 *
 * Ownership: functions that return char * return new strings (free());
 * the ag_buf ones append to a caller-owned buffer. None fails.
 */
#ifndef AG_QUOTE_H
#define AG_QUOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Appends s (NULL appends nothing) with every byte that could control a
 * terminal or is not UTF-8 shown as a visible escape. */
void ag_quote_visible(struct ag_buf *out, const char *s);
/* The same, as a new string ("" for NULL). */
char *ag_quote_visible_dup(const char *s);
/* true when ag_quote_visible would leave s unchanged. */
bool ag_quote_is_clean(const char *s);
/* Length of the valid UTF-8 sequence at p (NUL-terminated) and its code
 * point in *cp, or 0 when the byte at p starts none (overlong forms,
 * surrogates and code points past U+10FFFF start none). The one UTF-8
 * reader of the output side. */
size_t ag_quote_utf8_at(const unsigned char *p, unsigned long *cp);
/* true when s is valid UTF-8 (NULL is). */
bool ag_quote_is_utf8(const char *s);
/* The exact bytes of a string that is not UTF-8, for JSON's "<key>_bytes"
 * fields: a backslash as \\, each byte that starts no valid UTF-8 sequence
 * as \xHH, everything else as it is. Reversible. New. */
char *ag_quote_bytes(const char *s);

/* Replaces, in the n bytes at text, each occurrence of secret that stands
 * as a word of its own (no letter, digit, '-' or '_' touching it on either
 * side) with "***", in place; returns the new length (the text is kept
 * NUL-terminated when it was). Only the secret itself is ever changed: a
 * short secret that is part of a longer word stays, so the mask cannot
 * mangle other words. NULL or "" secret: nothing changes. */
size_t ag_quote_mask(char *text, size_t n, const char *secret);

/* Appends s as a PostgreSQL string literal ('...' or E'...'). */
void ag_quote_sql_literal(struct ag_buf *out, const char *s);
/* Appends s as a PostgreSQL identifier (bare when that reads back the same). */
void ag_quote_sql_ident(struct ag_buf *out, const char *s);
/* schema.table as identifiers (schema NULL or "" for none; table NULL for
 * alembic_version). New. */
char *ag_quote_sql_table(const char *schema, const char *table);
/* The statements fixes print. table_sql comes from ag_quote_sql_table.
 * UPDATE table SET version_num = 'new' WHERE version_num = 'old'; */
char *ag_quote_sql_update(const char *table_sql, const char *new_id, const char *old_id);
/* DELETE FROM table WHERE version_num = 'id'; */
char *ag_quote_sql_delete(const char *table_sql, const char *id);
/* DELETE of every row holding id but one (duplicate rows). */
char *ag_quote_sql_delete_extra(const char *table_sql, const char *id);

/* Appends s as one POSIX shell word. A word that ends in a newline cannot
 * pass through "$(...)" (it strips trailing newlines): it is written with
 * $ag_nl, which ag_quote_command defines; use that for whole commands. */
void ag_quote_shell_word(struct ag_buf *out, const char *s);
/* A command line from its words (NULL-terminated list): each word quoted.
 * New. */
char *ag_quote_command(const char *const *words);
/* The same from a NULL-terminated argument list. */
char *ag_quote_commandl(const char *word, ...) __attribute__((sentinel));

#endif
