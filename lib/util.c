#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The one piece of mutable state in lib/: set once by the program before
 * anything is allocated, read only when an allocation fails. */
static ag_oom_hook oom_hook;

void ag_set_oom_hook(ag_oom_hook hook)
{
	oom_hook = hook;
}

static void oom(size_t n)
{
	if (oom_hook)
		oom_hook(n);
	abort();
}

void *ag_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *ag_calloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *ag_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

void ag_grow(void **p, size_t *cap, size_t need, size_t sz)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap : 8;
	while (c < need) {
		if (c > ((size_t)-1) / 2 / sz)
			oom(need * sz);
		c *= 2;
	}
	*p = ag_realloc(*p, c * sz);
	*cap = c;
}

char *ag_strdup(const char *s)
{
	return ag_strndup(s, strlen(s));
}

char *ag_strndup(const char *s, size_t n)
{
	char *p = ag_malloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *ag_vprintf(const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		oom(0);
	char *p = ag_malloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *ag_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = ag_vprintf(fmt, ap);
	va_end(ap);
	return p;
}

void ag_strv_push_take(struct ag_strv *sv, char *s)
{
	ag_grow((void **)&sv->v, &sv->cap, sv->n + 2, sizeof(char *));
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void ag_strv_push(struct ag_strv *sv, const char *s)
{
	ag_strv_push_take(sv, ag_strdup(s));
}

bool ag_strv_has(const struct ag_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void ag_strv_sort(struct ag_strv *sv)
{
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(char *), cmp_str);
}

void ag_strv_uniq(struct ag_strv *sv)
{
	ag_strv_sort(sv);
	size_t w = 0;
	for (size_t i = 0; i < sv->n; i++) {
		if (w > 0 && strcmp(sv->v[w - 1], sv->v[i]) == 0) {
			free(sv->v[i]);
			continue;
		}
		sv->v[w++] = sv->v[i];
	}
	sv->n = w;
	if (sv->v)
		sv->v[w] = NULL;
}

void ag_strv_copy(struct ag_strv *dst, const struct ag_strv *src)
{
	for (size_t i = 0; i < src->n; i++)
		ag_strv_push(dst, src->v[i]);
}

void ag_strv_free(struct ag_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

char *ag_strv_join(const struct ag_strv *sv, const char *sep)
{
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			ag_buf_adds(&b, sep);
		ag_buf_adds(&b, sv->v[i]);
	}
	return ag_buf_take(&b);
}

void ag_buf_add(struct ag_buf *b, const void *data, size_t n)
{
	ag_grow((void **)&b->p, &b->cap, b->len + n + 1, 1);
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void ag_buf_adds(struct ag_buf *b, const char *s)
{
	ag_buf_add(b, s, strlen(s));
}

void ag_buf_addc(struct ag_buf *b, char c)
{
	/* String literals are decoded a character at a time: no call to
	 * grow while there is room. */
	if (b->p && b->len + 2 <= b->cap) {
		b->p[b->len++] = c;
		b->p[b->len] = '\0';
		return;
	}
	ag_buf_add(b, &c, 1);
}

int ag_buf_add_utf8(struct ag_buf *b, unsigned long cp)
{
	char u[4];
	size_t n;
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	ag_buf_add(b, u, n);
	return 0;
}

void ag_buf_addf(struct ag_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = ag_vprintf(fmt, ap);
	va_end(ap);
	ag_buf_adds(b, s);
	free(s);
}

char *ag_buf_take(struct ag_buf *b)
{
	char *p = b->p ? b->p : ag_strdup("");
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void ag_buf_free(struct ag_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* Reads fd to its end into a new NUL-terminated buffer; closes fd. */
static char *read_fd(int fd, size_t *len)
{
	struct ag_buf b = {0};
	char tmp[65536];
	for (;;) {
		ssize_t r = read(fd, tmp, sizeof tmp);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			ag_buf_free(&b);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		ag_buf_add(&b, tmp, (size_t)r);
	}
	close(fd);
	ag_buf_add(&b, "", 0);
	if (len)
		*len = b.len;
	return ag_buf_take(&b);
}

char *ag_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	return read_fd(fd, len);
}

const char *ag_special_kind(unsigned int mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO: return "a FIFO";
	case S_IFSOCK: return "a socket";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	default: return NULL;
	}
}

int ag_open_regular(const char *path, const char **kind)
{
	if (kind)
		*kind = NULL;
	/* A device is never opened (opening one can have effects, a tape
	 * rewinds), nor a socket (open fails with a confusing ENXIO): stat
	 * first. The fstat below catches a file replaced in between. */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (kind)
			*kind = S_ISDIR(st.st_mode) ? "a directory" : ag_special_kind(st.st_mode);
		if (kind && !*kind)
			*kind = "not a regular file";
		errno = EINVAL;
		return -1;
	}
	/* O_NONBLOCK: opening a FIFO for reading otherwise waits for a
	 * writer, forever. It changes nothing for a regular file. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		if (kind)
			*kind = S_ISDIR(st.st_mode) ? "a directory" : ag_special_kind(st.st_mode);
		if (kind && !*kind)
			*kind = "not a regular file";
		errno = EINVAL;
		return -1;
	}
	return fd;
}

char *ag_read_regular_file(const char *path, size_t *len, const char **kind)
{
	int fd = ag_open_regular(path, kind);
	if (fd < 0)
		return NULL;
	return read_fd(fd, len);
}

static bool word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c >= 0x80;
}

char *ag_mask_word(const char *s, const char *secret)
{
	size_t sl = secret ? strlen(secret) : 0;
	if (!sl)
		return ag_strdup(s);
	struct ag_buf b = {0};
	ag_buf_adds(&b, "");
	const char *p = s;
	for (const char *q; (q = strstr(p, secret));) {
		bool before = q == s || !word_byte((unsigned char)q[-1]);
		bool after = !word_byte((unsigned char)q[sl]);
		/* A secret that starts or ends with a word byte must not be glued to
		 * another word; one that starts or ends with punctuation already is
		 * its own boundary on that side. */
		bool whole = (before || !word_byte((unsigned char)secret[0])) &&
			     (after || !word_byte((unsigned char)secret[sl - 1]));
		if (whole) {
			ag_buf_add(&b, p, (size_t)(q - p));
			ag_buf_adds(&b, "***");
			p = q + sl;
		} else {
			ag_buf_add(&b, p, (size_t)(q - p) + 1);
			p = q + 1;
		}
	}
	ag_buf_adds(&b, p);
	return ag_buf_take(&b);
}
