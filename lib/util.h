/*
 * util: allocation that never returns NULL, growable string vectors and
 * byte buffers. Every allocation in alembic-guard goes through here so that
 * out-of-memory is handled in one place: the wrappers never return NULL.
 * On a failed allocation they call the hook that the program installed
 * (cmd/ reports the failure and exits 4, with its JSON object when asked
 * for one); a library must not exit, so without a hook they abort.
 *
 * Ownership: ag_strv and ag_buf own their contents; *_free releases them and
 * accepts a zeroed or already-freed struct.
 */
#ifndef AG_UTIL_H
#define AG_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define AG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Called with the size that could not be allocated; must not return (if it
 * does, the process aborts). NULL removes the hook. */
typedef void (*ag_oom_hook)(size_t n);
void ag_set_oom_hook(ag_oom_hook hook);

void *ag_malloc(size_t n) __attribute__((malloc, alloc_size(1)));
void *ag_calloc(size_t nmemb, size_t size) __attribute__((malloc));
void *ag_realloc(void *p, size_t n) __attribute__((alloc_size(2)));
/* Grows *p (an array of *cap elements of size sz) so it holds at least need. */
void ag_grow(void **p, size_t *cap, size_t need, size_t sz);
char *ag_strdup(const char *s) __attribute__((malloc));
char *ag_strndup(const char *s, size_t n) __attribute__((malloc));
char *ag_printf(const char *fmt, ...) __attribute__((malloc, format(printf, 1, 2)));
char *ag_vprintf(const char *fmt, va_list ap) __attribute__((malloc, format(printf, 1, 0)));

/* A NULL-terminated vector of malloced strings. */
struct ag_strv {
	char **v; /* NULL or malloced; v[n] == NULL when n > 0 */
	size_t n, cap;
};
void ag_strv_push(struct ag_strv *sv, const char *s);      /* copies s */
void ag_strv_push_take(struct ag_strv *sv, char *s);       /* steals s */
bool ag_strv_has(const struct ag_strv *sv, const char *s);
void ag_strv_sort(struct ag_strv *sv);
void ag_strv_uniq(struct ag_strv *sv); /* sorts, then drops repeats */
void ag_strv_copy(struct ag_strv *dst, const struct ag_strv *src);
void ag_strv_free(struct ag_strv *sv);
/* s1, s2, s3 joined with sep; new, free with free(). */
char *ag_strv_join(const struct ag_strv *sv, const char *sep);

/* A growable byte buffer, always NUL-terminated once anything is added. */
struct ag_buf {
	char *p; /* NULL or malloced */
	size_t len, cap;
};
void ag_buf_add(struct ag_buf *b, const void *data, size_t n);
void ag_buf_adds(struct ag_buf *b, const char *s);
void ag_buf_addf(struct ag_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ag_buf_addc(struct ag_buf *b, char c);
/* Appends the UTF-8 encoding of cp; -1 (nothing appended) when cp is no
 * Unicode scalar value (a surrogate, or above U+10FFFF). */
int ag_buf_add_utf8(struct ag_buf *b, unsigned long cp);
char *ag_buf_take(struct ag_buf *b); /* new; buffer is reset; never NULL */
void ag_buf_free(struct ag_buf *b);

/*
 * s with every whole-word copy of secret replaced by "***"; new, never
 * NULL. A copy counts when the bytes on either side of it are not letters,
 * digits, '_' or UTF-8 bytes, so a short secret ("o", "ort") never alters
 * another word ("connection", "port"). A NULL or empty secret copies s.
 * The last line of defence for messages that might echo a secret: what
 * builds a message should never put one there.
 */
char *ag_mask_word(const char *s, const char *secret) __attribute__((malloc));

/* Reads a whole file; new buffer (free with free()), NUL-terminated, or
 * NULL with errno set. */
char *ag_read_file(const char *path, size_t *len);

/*
 * What a file of mode is, when it is not a regular file or a directory:
 * "a FIFO", "a socket", "a character device", "a block device"; NULL for
 * a regular file or a directory. Static.
 */
const char *ag_special_kind(unsigned int mode);

/*
 * Opens path for reading without ever blocking: O_NONBLOCK, so a FIFO
 * does not wait for a writer (Alembic hangs on one named *.py), then
 * fstat, so only a regular file is returned. Returns the fd (O_CLOEXEC),
 * or -1 with errno set; when path is something else (a FIFO, a socket,
 * a device, a directory), errno is EINVAL and *kind (may be NULL) names
 * it ("a FIFO"...), else *kind is NULL. Use it to open migration files.
 */
int ag_open_regular(const char *path, const char **kind);

/* ag_read_file through ag_open_regular: NULL with errno, and *kind set as
 * there for a file that is not regular. */
char *ag_read_regular_file(const char *path, size_t *len, const char **kind);

#endif
