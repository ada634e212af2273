#include "diff.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


struct lines {
	const char **p; /* start of each line */
	size_t *len;    /* its length, newline excluded */
	size_t n;
	bool last_nl; /* the last line ends with a newline */
};

static void split_lines(const char *t, size_t len, struct lines *l)
{
	memset(l, 0, sizeof *l);
	size_t cap = 0;
	size_t i = 0;
	l->last_nl = true;
	while (i < len) {
		const char *nl = memchr(t + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (t + i)) : len - i;
		if (l->n + 1 > cap) {
			size_t c = cap ? cap * 2 : 64;
			l->p = ag_realloc(l->p, c * sizeof *l->p);
			l->len = ag_realloc(l->len, c * sizeof *l->len);
			cap = c;
		}
		l->p[l->n] = t + i;
		l->len[l->n] = n;
		l->n++;
		i += n + (nl ? 1 : 0);
		if (!nl)
			l->last_nl = false;
	}
}

static void lines_free(struct lines *l)
{
	free(l->p);
	free(l->len);
}

static bool line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->p[i], b->p[j], a->len[i]) == 0 &&
	       /* the last line without a newline differs from one with it */
	       (i + 1 == a->n ? a->last_nl : true) == (j + 1 == b->n ? b->last_nl : true);
}

enum { OP_EQ, OP_DEL, OP_INS };

struct op {
	unsigned char kind;
	size_t a, b; /* line indices in a and b */
};

/* The edit script: common prefix and suffix, LCS in between (when small
 * enough; else the middle is replaced wholesale, still a correct diff). */
static struct op *edit_script(const struct lines *a, const struct lines *b, size_t *nops)
{
	size_t pre = 0;
	while (pre < a->n && pre < b->n && line_eq(a, pre, b, pre))
		pre++;
	size_t suf = 0;
	while (suf < a->n - pre && suf < b->n - pre &&
	       line_eq(a, a->n - 1 - suf, b, b->n - 1 - suf))
		suf++;
	size_t ma = a->n - pre - suf, mb = b->n - pre - suf;
	struct op *ops = ag_malloc((a->n + b->n + 1) * sizeof *ops);
	size_t k = 0;
	for (size_t i = 0; i < pre; i++)
		ops[k++] = (struct op){OP_EQ, i, i};
	if (ma && mb && ma * mb <= 4000000u) {
		/* lcs[i][j]: LCS length of a[pre+i..] and b[pre+j..] */
		size_t w = mb + 1;
		uint32_t *lcs = ag_calloc((ma + 1) * w, sizeof *lcs);
		for (size_t i = ma; i-- > 0;)
			for (size_t j = mb; j-- > 0;)
				lcs[i * w + j] = line_eq(a, pre + i, b, pre + j)
				                     ? lcs[(i + 1) * w + j + 1] + 1
				                     : (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]
				                            ? lcs[(i + 1) * w + j]
				                            : lcs[i * w + j + 1]);
		size_t i = 0, j = 0;
		while (i < ma || j < mb) {
			if (i < ma && j < mb && line_eq(a, pre + i, b, pre + j)) {
				ops[k++] = (struct op){OP_EQ, pre + i, pre + j};
				i++;
				j++;
			} else if (i < ma &&
			           (j == mb || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
				/* deletions before insertions, as diff(1) shows them */
				ops[k++] = (struct op){OP_DEL, pre + i, pre + j};
				i++;
			} else {
				ops[k++] = (struct op){OP_INS, pre + i, pre + j};
				j++;
			}
		}
		free(lcs);
	} else {
		for (size_t i = 0; i < ma; i++)
			ops[k++] = (struct op){OP_DEL, pre + i, pre};
		for (size_t j = 0; j < mb; j++)
			ops[k++] = (struct op){OP_INS, pre + ma, pre + j};
	}
	for (size_t i = 0; i < suf; i++)
		ops[k++] = (struct op){OP_EQ, pre + ma + i, pre + mb + i};
	*nops = k;
	return ops;
}

static void emit_line(struct ag_buf *out, char mark, const struct lines *l, size_t i)
{
	ag_buf_addc(out, mark);
	ag_buf_add(out, l->p[i], l->len[i]);
	ag_buf_addc(out, '\n');
	if (i + 1 == l->n && !l->last_nl)
		ag_buf_adds(out, "\\ No newline at end of file\n");
}

void ag_diff_unified(const char *a_label, const char *a, size_t alen, const char *b_label,
                     const char *b, size_t blen, struct ag_buf *out)
{
	if (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0))
		return;
	struct lines la, lb;
	split_lines(a ? a : "", a ? alen : 0, &la);
	split_lines(b ? b : "", b ? blen : 0, &lb);
	size_t nops = 0;
	struct op *ops = edit_script(&la, &lb, &nops);
	ag_buf_addf(out, "--- %s\n+++ %s\n", a_label ? a_label : "/dev/null",
	            b_label ? b_label : "/dev/null");
	const size_t ctx = 3;
	size_t i = 0;
	while (i < nops) {
		while (i < nops && ops[i].kind == OP_EQ)
			i++;
		if (i >= nops)
			break;
		/* A hunk: from ctx lines before this change to ctx lines after
		 * the last change that is at most 2*ctx lines further on. */
		size_t start = i >= ctx ? i - ctx : 0;
		size_t end = i;
		for (size_t j = i; j < nops; j++) {
			if (ops[j].kind != OP_EQ) {
				end = j;
				continue;
			}
			if (j - end > 2 * ctx)
				break;
		}
		size_t stop = end + 1 + ctx < nops ? end + 1 + ctx : nops;
		size_t acount = 0, bcount = 0;
		for (size_t j = start; j < stop; j++) {
			acount += ops[j].kind != OP_INS;
			bcount += ops[j].kind != OP_DEL;
		}
		size_t astart = ops[start].a, bstart = ops[start].b;
		ag_buf_addf(out, "@@ -%zu,%zu +%zu,%zu @@\n", acount ? astart + 1 : astart, acount,
		            bcount ? bstart + 1 : bstart, bcount);
		for (size_t j = start; j < stop; j++) {
			if (ops[j].kind == OP_EQ)
				emit_line(out, ' ', &la, ops[j].a);
			else if (ops[j].kind == OP_DEL)
				emit_line(out, '-', &la, ops[j].a);
			else
				emit_line(out, '+', &lb, ops[j].b);
		}
		i = stop;
	}
	free(ops);
	lines_free(&la);
	lines_free(&lb);
}

