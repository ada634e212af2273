/*
 * diff: unified diffs of two texts, as diff(1) -u prints them, for a
 * person to read what a repair would change before it changes anything.
 *
 * The edit script is the longest common subsequence of lines between the
 * common prefix and suffix; past about four million line pairs the middle
 * is shown replaced wholesale (still a correct diff, only a longer one),
 * so memory stays bounded whatever the input. A last line without a
 * newline is marked as diff(1) marks it.
 *
 * Ownership: inputs are borrowed; output is appended to a caller's
 * buffer. Never fails (allocation aborts through lib/util).
 */
#ifndef AG_DIFF_H
#define AG_DIFF_H

#include <stddef.h>

#include "util.h"

/*
 * Appends a unified diff (3 lines of context) of a -> b to out; nothing
 * when the texts are equal. a_label NULL shows /dev/null (a new file),
 * b_label NULL a deleted one. a or b may be NULL with length 0.
 */
void ag_diff_unified(const char *a_label, const char *a, size_t alen, const char *b_label,
                     const char *b, size_t blen, struct ag_buf *out);

#endif
