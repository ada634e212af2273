/*
 * build/pyparse-check [--version 3.N] FILE...: runs lib/pyparse on each
 * file and prints one line per file, "ok PATH" or "error PATH:LINE:COL:
 * MESSAGE", for the differential test against CPython
 * (tests/integration/test_pyparse.py). Exit 0 when every file was read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pyparse.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (n < cap)
			break;
		char *nb = cap < ((size_t)64 << 20) ? realloc(buf, cap *= 2) : NULL;
		if (!nb) {
			free(buf);
			buf = NULL;
		} else {
			buf = nb;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	int major = 0, minor = 0, rc = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%d.%d", &major, &minor) != 2) {
				fprintf(stderr, "pyparse-check: --version wants 3.N\n");
				return 2;
			}
			continue;
		}
		size_t len;
		char *buf = slurp(argv[i], &len);
		if (!buf) {
			printf("unreadable %s\n", argv[i]);
			rc = 1;
			continue;
		}
		/* An exact-size copy: a read past the end is a sanitizer error. */
		char *copy = malloc(len ? len : 1);
		if (copy && len)
			memcpy(copy, buf, len);
		free(buf);
		if (!copy)
			return 1;
		struct ag_pyparse_err e;
		if (ag_pyparse(copy, len, major, minor, &e))
			printf("ok %s\n", argv[i]);
		else
			printf("error %s:%d:%d: %s\n", argv[i], e.line, e.col, e.msg);
		free(copy);
	}
	return rc;
}
