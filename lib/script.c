#include "script.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alembic.h"
#include "modexec.h"
#include "pool.h"
#include "pyparse.h"
#include "pyscan.h"

#define MAX_FILE_SIZE (64u << 20) /* no migration is this large; refuse to read more */

void ag_defines_set(struct ag_defines *d, const char *name, const char *value)
{
	for (size_t i = 0; i < d->names.n; i++) {
		if (strcmp(d->names.v[i], name) == 0) {
			free(d->values.v[i]);
			d->values.v[i] = ag_strdup(value);
			return;
		}
	}
	ag_strv_push(&d->names, name);
	ag_strv_push(&d->values, value);
}

const char *ag_defines_get(const struct ag_defines *d, const char *name)
{
	if (!d)
		return NULL;
	for (size_t i = 0; i < d->names.n; i++)
		if (strcmp(d->names.v[i], name) == 0)
			return d->values.v[i];
	return NULL;
}

void ag_defines_free(struct ag_defines *d)
{
	ag_strv_free(&d->names);
	ag_strv_free(&d->values);
}

static bool is_legacy_hex_name(const char *name)
{
	/* Alembic: re.match(r"([a-f0-9]+)\.py$", filename) */
	const char *p = name;
	while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))
		p++;
	return p > name && strcmp(p, ".py") == 0;
}

/* The module as Python reads it, from UTF-8 text; the grammar's check
 * keeps the tokens in keep (non-NULL) for the schema reader. */
static void read_module(struct ag_script *sc, const char *buf, size_t len,
			const struct ag_defines *defs, struct ag_toks *keep)
{
	ag_doc_free(&sc->doc);
	ag_doc_read(&sc->doc, buf, len);
	bool loads = ag_modexec_run(sc, buf, len, defs);
	/* Any binding counts, `a = revision = "x"` too; `del revision` undoes it. */
	bool has_revision = sc->revision_line != 0;
	if (!loads)
		return;
	/* The tokenizer found nothing: now the grammar, as CPython's parser
	 * and compiler judge it (the app's Python, else the newest known). */
	struct ag_pyparse_err perr;
	if (!ag_pyparse_keep(buf, len, sc->python ? 3 : 0, sc->python, &perr, keep)) {
		struct ag_finding *f = ag_findings_add(
			&sc->findings, AG_SEV_ERROR, "syntax-error", NULL, sc->path, perr.line,
			"%s: SyntaxError: %s (line %d, column %d, as Python 3.%d reads it); Python, and so "
			"Alembic, cannot load this file",
			sc->name, perr.msg, perr.line, perr.col, sc->python ? sc->python : AG_PYPARSE_MAX_MINOR);
		ag_finding_fix(f, "correct the syntax at line %d of %s (`python3 -m py_compile %s` shows it)",
			       perr.line, sc->name, sc->path);
		return;
	}
	if (!has_revision) {
		if (is_legacy_hex_name(sc->name)) {
			size_t n = strlen(sc->name) - 3;
			sc->revision = ag_strndup(sc->name, n);
			sc->revision_line = 0;
		} else {
			struct ag_finding *f = ag_findings_add(
				&sc->findings, AG_SEV_ERROR, "not-a-migration", NULL, sc->path, 1,
				"%s is in a version location but sets no `revision`; Alembic stops with "
				"\"Could not determine revision id from filename %s\"",
				sc->name, sc->name);
			ag_finding_fix(f, "move %s out of the version location, or add `revision = "
					  "'...'` and `down_revision = ...` to it",
				       sc->name);
			return;
		}
	}
	if (!sc->has_down) {
		struct ag_finding *f = ag_findings_add(
			&sc->findings, AG_SEV_ERROR, "missing-down-revision", sc->revision, sc->path,
			sc->revision_line ? sc->revision_line : 1,
			"%s sets no `down_revision`; Alembic fails to load it (AttributeError)", sc->name);
		ag_finding_fix(f, "add `down_revision = None` for a base, or the id of its parent");
	}
}

/* The file decoded once (PEP 263): its module, and with helpers
 * (non-NULL) what its upgrade() does to the schema, read from the same
 * text. */
static void parse_file(struct ag_script *sc, const char *path, const char *buf, size_t len,
		       const struct ag_defines *defs, const struct ag_strv *helpers)
{
	if (!sc->path)
		sc->path = ag_strdup(path);
	const char *slash = strrchr(sc->path, '/');
	sc->name = slash ? slash + 1 : sc->path;
	if (helpers)
		sc->schema = ag_calloc(1, sizeof *sc->schema);
	/* PEP 263: a file in another encoding is read as Python reads it,
	 * decoded to UTF-8 (same lines). */
	struct ag_buf decoded = {0};
	char msg[400];
	int eline = 0;
	int dec = ag_pyscan_decode(buf, len, &decoded, msg, sizeof msg, &eline);
	if (dec < 0) {
		struct ag_finding *f = ag_findings_add(
			&sc->findings, AG_SEV_ERROR, "parse-error", NULL, sc->path, eline,
			"%s: SyntaxError: %s; Python, and so Alembic, cannot load this file", sc->name, msg);
		ag_finding_fix(f, "save %s as UTF-8 and remove its coding declaration (or declare the "
				  "encoding it is written in)",
			       sc->name);
		ag_buf_free(&decoded);
		return; /* the schema stays unread (tokenized false) */
	}
	const char *text = dec > 0 ? (decoded.p ? decoded.p : "") : buf;
	size_t tlen = dec > 0 ? decoded.len : len;
	/* Tokenized once for both readers, as far as the limit on what the
	 * schema reader keeps (AG_SCHEMA_MAX_TOKENS) allows. */
	struct ag_toks keep = {.max = AG_SCHEMA_MAX_TOKENS + 1};
	read_module(sc, text, tlen, defs, helpers ? &keep : NULL);
	if (helpers)
		ag_schema_read_kept(sc->schema, text, tlen, helpers, &keep);
	ag_toks_free(&keep);
	ag_buf_free(&decoded);
}

void ag_script_parse(struct ag_script *sc, const char *path, const char *buf, size_t len,
		     const struct ag_defines *defs)
{
	parse_file(sc, path, buf, len, defs, NULL);
}

void ag_script_free(struct ag_script *sc)
{
	if (!sc)
		return;
	free(sc->path);
	free(sc->revision);
	ag_strv_free(&sc->down);
	ag_strv_free(&sc->labels);
	ag_strv_free(&sc->depends);
	ag_doc_free(&sc->doc);
	ag_findings_free(&sc->findings);
	if (sc->schema) {
		ag_schema_file_free(sc->schema);
		free(sc->schema);
	}
	memset(sc, 0, sizeof *sc);
}

/* ---- loading a directory ------------------------------------------- */

bool ag_script_is_candidate(const char *name)
{
	/* Alembic 1.8: re.match(r"(?!\.\#|__init__)(.*\.py)$", filename) */
	size_t n = strlen(name);
	if (strncmp(name, ".#", 2) == 0 || strncmp(name, "__init__", 8) == 0)
		return false;
	return n >= 3 && strcmp(name + n - 3, ".py") == 0 && !strchr(name, '\n');
}

/* What the files' readers share: read-only but for the per-index slots
 * (ss->v[i], errs[i]) and the per-thread buffers (bufs[slot]). */
struct job {
	struct ag_scripts *ss;
	const struct ag_defines *defs;
	const struct ag_strv *schema_helpers;
	int python;
	int *errs;          /* errs[i]: the errno that reading file i failed with, or 0 */
	struct readbuf {
		char *p;
		size_t cap;
	} bufs[AG_POOL_MAX_THREADS];
};

/* Reads a whole file into *buf (grown as needed) with as few system calls
 * as we can: no stat, one read for a typical file, one more to see EOF. */
static int read_into(const char *path, char **buf, size_t *cap, size_t *len, const char **kind)
{
	/* Never blocks on a FIFO, never reads a device: see ag_open_regular. */
	int fd = ag_open_regular(path, kind);
	if (fd < 0)
		return -1;
	size_t n = 0;
	for (;;) {
		if (n + 1 >= *cap) {
			if (*cap >= MAX_FILE_SIZE) {
				close(fd);
				errno = EFBIG;
				return -1;
			}
			size_t c = *cap ? *cap * 2 : 65536;
			*buf = ag_realloc(*buf, c);
			*cap = c;
		}
		ssize_t r = read(fd, *buf + n, *cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	(*buf)[n] = '\0';
	*len = n;
	return 0;
}

/*
 * The finding for a *.py in a version location that is not a regular
 * file: Alembic lists it like any migration and then hangs opening a FIFO
 * (waiting for a writer) or fails to import a socket or a device.
 */
static void not_regular(struct ag_findings *fs, const char *path, const char *kind)
{
	bool fifo = strcmp(kind, "a FIFO") == 0;
	struct ag_finding *f = ag_findings_add(
		fs, AG_SEV_ERROR, "not-a-regular-file", NULL, path, 0,
		"%s is %s, not a regular file: Alembic lists it as a migration and %s", path, kind,
		fifo ? "blocks opening it, so the release phase hangs until it is killed"
		     : "cannot import it, so the upgrade fails");
	ag_finding_fix(f, "remove %s from the version location (or put the migration file there)",
		       path);
}

/* Reads and parses file i (ag_pool_fn): everything it writes is ss->v[i],
 * errs[i] or the buffer of its thread. */
static void read_one(void *arg, size_t i, int slot)
{
	struct job *j = arg;
	struct readbuf *rb = &j->bufs[slot];
	struct ag_script *sc = &j->ss->v[i];
	size_t len = 0;
	const char *kind = NULL;
	if (read_into(sc->path, &rb->p, &rb->cap, &len, &kind) < 0) {
		if (kind) {
			/* Listed as a regular file, replaced since. */
			sc->name = strrchr(sc->path, '/') ? strrchr(sc->path, '/') + 1 : sc->path;
			not_regular(&sc->findings, sc->path, kind);
			return;
		}
		if (errno == EFBIG) {
			sc->name = strrchr(sc->path, '/') ? strrchr(sc->path, '/') + 1 : sc->path;
			ag_findings_add(&sc->findings, AG_SEV_ERROR, "parse-error", NULL, sc->path, 0,
					"%s is larger than %u MiB; no migration is, so it is not read",
					sc->name, MAX_FILE_SIZE >> 20);
			return;
		}
		j->errs[i] = errno;
		return;
	}
	sc->python = j->python;
	parse_file(sc, sc->path, rb->p, len, j->defs, j->schema_helpers);
}

/* A set of strings (open addressing, FNV-1a): the realpaths loaded so far,
 * asked about once per file, so a list searched end to end would make
 * listing 10,000 files quadratic. Owns its strings. */
struct pathset {
	char **slot;
	size_t n, cap; /* cap: 0 or a power of two, kept at most half full */
};

static size_t path_hash(const char *s)
{
	size_t h = 14695981039346656037u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static char **pathset_find(const struct pathset *ps, const char *s)
{
	size_t mask = ps->cap - 1;
	for (size_t i = path_hash(s) & mask;; i = (i + 1) & mask)
		if (!ps->slot[i] || strcmp(ps->slot[i], s) == 0)
			return &ps->slot[i];
}

/* Adds s (taking it) unless it is there: then returns false, s untouched. */
static bool pathset_add(struct pathset *ps, char *s)
{
	if (2 * (ps->n + 1) > ps->cap) {
		struct pathset big = {.cap = ps->cap ? 2 * ps->cap : 64};
		big.slot = ag_calloc(big.cap, sizeof *big.slot);
		for (size_t i = 0; i < ps->cap; i++)
			if (ps->slot[i])
				*pathset_find(&big, ps->slot[i]) = ps->slot[i];
		big.n = ps->n;
		free(ps->slot);
		*ps = big;
	}
	char **at = pathset_find(ps, s);
	if (*at)
		return false;
	*at = s;
	ps->n++;
	return true;
}

static void pathset_free(struct pathset *ps)
{
	for (size_t i = 0; i < ps->cap; i++)
		free(ps->slot[i]);
	free(ps->slot);
	memset(ps, 0, sizeof *ps);
}

/* How one listing goes: the Alembic judged as decides (lib/alembic.h). */
struct listing {
	bool recursive;
	bool walk;        /* 1.10+: os.walk, sorted files, directories are no files */
	bool target_name; /* 1.10+: a link is loaded under its target's name */
	bool loop_fails;  /* 1.16+: any symlink loop fails (pathlib's resolve) */
	bool sourceless;
	struct pathset real; /* realpaths loaded so far: Alembic loads a file once */
};

static void add_script(struct ag_scripts *ss, char *path, size_t loc)
{
	ag_grow((void **)&ss->v, &ss->cap, ss->n + 1, sizeof *ss->v);
	struct ag_script *sc = &ss->v[ss->n++];
	memset(sc, 0, sizeof *sc);
	sc->path = path;
	sc->name = strrchr(sc->path, '/') ? strrchr(sc->path, '/') + 1 : sc->path;
	sc->location = loc;
}

static void unloadable(struct ag_scripts *ss, const char *path, const char *why,
		       const char *alembic_says, const char *fix)
{
	struct ag_finding *f = ag_findings_add(&ss->findings, AG_SEV_ERROR, "unloadable-migration", NULL,
					       path, 0, "%s %s; Alembic fails to load it (%s)", path, why,
					       alembic_says);
	ag_finding_fix(f, "%s", fix);
}

/* True for a .pyc/.pyo name that sourceless = true loads. */
static bool is_sourceless_candidate(const char *name)
{
	size_t n = strlen(name);
	if (strncmp(name, ".#", 2) == 0 || strncmp(name, "__init__", 8) == 0 || strchr(name, '\n'))
		return false;
	return n >= 4 && (strcmp(name + n - 4, ".pyc") == 0 || strcmp(name + n - 4, ".pyo") == 0);
}

/* One entry of a directory: decides, as the Alembic judged as does, whether
 * it is a migration, and adds it (or a finding). */
static void list_entry(struct ag_scripts *ss, struct listing *ls, const char *dir, const char *name,
		       size_t loc, bool is_dir)
{
	char *full = ag_printf("%s/%s", dir, name);
	struct stat lst;
	bool link = lstat(full, &lst) == 0 && S_ISLNK(lst.st_mode);
	struct stat st;
	bool exists = stat(full, &st) == 0;
	int stat_errno = exists ? 0 : errno;
	if (ls->walk && is_dir) {
		free(full);
		return;
	}
	const char *use_name = name;
	char *use_path = full;
	char *target = NULL;
	if (link && ls->target_name) {
		if (stat_errno == ELOOP) {
			if (ls->loop_fails || ag_script_is_candidate(name)) {
				unloadable(ss, full, "is a symlink loop",
					   ls->loop_fails ? "RuntimeError: Symlink loop"
							  : "ImportError: Can't find Python file",
					   "remove the link, or point it at the migration file");
			}
			free(full);
			return;
		}
		/* realpath(): for a dangling link, the path it names */
		target = realpath(full, NULL);
		if (!target && stat_errno == ENOENT) {
			char buf[4096];
			ssize_t n = readlink(full, buf, sizeof buf - 1);
			if (n > 0) {
				buf[n] = '\0';
				target = buf[0] == '/' ? ag_strdup(buf) : ag_printf("%s/%s", dir, buf);
			}
		}
		if (target) {
			const char *slash = strrchr(target, '/');
			use_name = slash ? slash + 1 : target;
			use_path = target;
		}
	}
	if (!ag_script_is_candidate(use_name)) {
		if (ls->sourceless && is_sourceless_candidate(use_name)) {
			/* A .pyc whose .py is absent is a migration Alembic loads and
			 * the guard cannot read: never judge a graph without it. */
			char *py = ag_strndup(use_path, strlen(use_path) - 1);
			struct stat pst;
			if (stat(py, &pst) != 0) {
				struct ag_finding *f = ag_findings_add(
					&ss->findings, AG_SEV_ERROR, "sourceless-migration", NULL, use_path,
					0,
					"%s is a compiled migration without its .py (sourceless = true); "
					"Alembic loads it, the guard cannot read its ids, so the graph would "
					"be judged with a file missing",
					use_path);
				ag_finding_fix(f, "commit the .py source of %s, or run the guard where it "
						  "exists",
					       use_name);
			}
			free(py);
		}
		goto out;
	}
	if (!exists) {
		unloadable(ss, full, link ? "is a dangling symlink" : "cannot be read",
			   "ImportError: Can't find Python file",
			   "remove the link, or restore the file it points at");
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		/* 1.8/1.9 list directories as files (os.listdir) */
		unloadable(ss, full, "is a directory whose name ends in .py",
			   "IsADirectoryError, as Alembic before 1.10 loads every name ending .py",
			   "rename the directory so its name does not end in .py");
		goto out;
	}
	if (!S_ISREG(st.st_mode))
		goto out;
	char *real = realpath(full, NULL);
	if (real) {
		if (!pathset_add(&ls->real, real)) {
			ag_findings_add(&ss->findings, AG_SEV_WARNING, "file-loaded-twice", NULL, full, 0,
					"%s is the same file as one already loaded; Alembic warns \"File %s "
					"loaded twice! ignoring\"",
					full, real);
			free(real);
			goto out;
		}
	}
	add_script(ss, ag_strdup(use_path), loc);
out:
	free(full);
	free(target);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Orders positions by the names at them (qsort_r over an index). */
static int cmp_index(const void *a, const void *b, void *names)
{
	char *const *v = names;
	return strcmp(v[*(const size_t *)a], v[*(const size_t *)b]);
}

/* The part of a file name before its first '.', as Alembic's
 * fname.split(".")[0]. New. */
static char *stem(const char *name)
{
	const char *dot = strchr(name, '.');
	return dot ? ag_strndup(name, (size_t)(dot - name)) : ag_strdup(name);
}

/*
 * sourceless = true: Alembic also loads the .pyc files of __pycache__
 * whose stem no entry of the directory has (the source was deleted and
 * its bytecode left behind). Such a file is a migration the guard cannot
 * read, like a .pyc beside the folder's files: a finding, never a graph
 * judged with it missing.
 */
static void sourceless_cache(struct ag_scripts *ss, const char *dir, const struct ag_strv *names)
{
	char *cache = ag_printf("%s/__pycache__", dir);
	DIR *d = opendir(cache);
	if (!d) {
		free(cache);
		return;
	}
	struct ag_strv stems = {0};
	for (size_t i = 0; i < names->n; i++)
		ag_strv_push_take(&stems, stem(names->v[i]));
	ag_strv_sort(&stems);
	struct ag_strv found = {0};
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		char *st = stem(de->d_name);
		bool has_source =
			stems.n && bsearch(&st, stems.v, stems.n, sizeof *stems.v, cmp_str);
		if (is_sourceless_candidate(de->d_name) && !has_source)
			ag_strv_push(&found, de->d_name);
		free(st);
	}
	closedir(d);
	ag_strv_sort(&found);
	for (size_t i = 0; i < found.n; i++) {
		char *path = ag_printf("%s/%s", cache, found.v[i]);
		struct ag_finding *f = ag_findings_add(
			&ss->findings, AG_SEV_ERROR, "sourceless-migration", NULL, path, 0,
			"%s is compiled bytecode whose source is gone (sourceless = true); Alembic "
			"loads it from __pycache__, the guard cannot read its ids, so the graph would "
			"be judged with a file missing",
			path);
		ag_finding_fix(f, "delete %s if its migration was removed on purpose, or restore "
				  "the .py",
			       path);
		free(path);
	}
	ag_strv_free(&found);
	ag_strv_free(&stems);
	free(cache);
}

static int list_dir(struct ag_scripts *ss, struct listing *ls, const char *dir, size_t loc,
		    struct ag_err *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return ag_err_set(err, AG_ERR_IO, "cannot read the version location %s: %s", dir,
				  strerror(errno));
	struct ag_strv names = {0}, subdirs = {0};
	bool *isdir = NULL;
	size_t cap = 0;
	struct dirent *de;
	/* readdir reports an error only through errno, and the stat below may
	 * set it (a dangling symlink): clear it before every call. */
	while ((errno = 0, de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
			continue;
		unsigned char type = de->d_type;
		bool link = type == DT_LNK;
		const char *special = type == DT_FIFO   ? "a FIFO"
				      : type == DT_SOCK ? "a socket"
				      : type == DT_CHR  ? "a character device"
				      : type == DT_BLK  ? "a block device"
							: NULL;
		if (type == DT_UNKNOWN || type == DT_LNK) {
			struct stat st;
			char *full = ag_printf("%s/%s", dir, name);
			if (type == DT_UNKNOWN && lstat(full, &st) == 0 && S_ISLNK(st.st_mode))
				link = true;
			if (stat(full, &st) != 0) {
				type = DT_UNKNOWN; /* a dangling link: nothing to read */
			} else {
				type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
				special = ag_special_kind(st.st_mode);
			}
			free(full);
		}
		if (special && ag_script_is_candidate(name)) {
			char *full = ag_printf("%s/%s", dir, name);
			not_regular(&ss->findings, full, special);
			free(full);
			continue;
		}
		/* os.walk: a link to a directory is a directory it does not
		 * enter; a link back up the tree would list the same files. */
		if (type == DT_DIR && ls->recursive && !link && strcmp(name, "__pycache__") != 0)
			ag_strv_push(&subdirs, name);
		ag_grow((void **)&isdir, &cap, names.n + 1, sizeof *isdir);
		isdir[names.n] = type == DT_DIR;
		ag_strv_push(&names, name);
	}
	int e = errno;
	closedir(d);
	if (e) {
		ag_strv_free(&names);
		ag_strv_free(&subdirs);
		free(isdir);
		return ag_err_set(err, AG_ERR_IO, "cannot list %s: %s", dir, strerror(e));
	}
	if (ls->walk && names.n) {
		/* sorted(files): sort the positions by name, then both arrays
		 * by them (linear after the sort, on any number of files) */
		size_t *idx = ag_malloc(names.n * sizeof *idx);
		for (size_t i = 0; i < names.n; i++)
			idx[i] = i;
		qsort_r(idx, names.n, sizeof *idx, cmp_index, names.v);
		char **sorted = ag_malloc(names.n * sizeof *sorted);
		bool *flags = ag_malloc(names.n * sizeof *flags);
		for (size_t i = 0; i < names.n; i++) {
			sorted[i] = names.v[idx[i]];
			flags[i] = isdir[idx[i]];
		}
		memcpy(names.v, sorted, names.n * sizeof *sorted);
		memcpy(isdir, flags, names.n * sizeof *flags);
		free(idx);
		free(sorted);
		free(flags);
	}
	if (ls->sourceless)
		sourceless_cache(ss, dir, &names);
	for (size_t i = 0; i < names.n; i++)
		list_entry(ss, ls, dir, names.v[i], loc, isdir[i]);
	ag_strv_free(&names);
	free(isdir);
	/* Alembic >= 1.10 walks subfolders in sorted order; a folder whose
	 * name ends in __pycache__ is passed over (root.endswith). */
	ag_strv_sort(&subdirs);
	for (size_t i = 0; i < subdirs.n; i++) {
		size_t n = strlen(subdirs.v[i]);
		if (n >= 11 && strcmp(subdirs.v[i] + n - 11, "__pycache__") == 0)
			continue;
		char *sub = ag_printf("%s/%s", dir, subdirs.v[i]);
		int r = list_dir(ss, ls, sub, loc, err);
		free(sub);
		if (r < 0) {
			ag_strv_free(&subdirs);
			return -1;
		}
	}
	ag_strv_free(&subdirs);
	return 0;
}

int ag_scripts_load(struct ag_scripts *out, const struct ag_strv *locations, bool recursive,
		    const struct ag_defines *defs, struct ag_err *err)
{
	struct ag_scripts_opts o = {.recursive = recursive, .defs = defs};
	return ag_scripts_read(out, locations, &o, err);
}

int ag_scripts_read(struct ag_scripts *out, const struct ag_strv *locations,
		    const struct ag_scripts_opts *opts, struct ag_err *err)
{
	struct ag_scripts_opts none = {0};
	if (!opts)
		opts = &none;
	/* 0 (no version given) keeps the guard's historic listing, 1.8's. */
	unsigned al = opts->alembic;
	struct listing ls = {
		.recursive = opts->recursive,
		.walk = al && ag_alembic_applies(al, AG_AL_WALK),
		.target_name = al && ag_alembic_applies(al, AG_AL_LINK_TARGET_NAME),
		.loop_fails = al && ag_alembic_applies(al, AG_AL_LINK_LOOP_RUNTIME),
		.sourceless = opts->sourceless,
	};
	struct ag_strv seen = {0};
	size_t present = 0;
	for (size_t i = 0; i < locations->n; i++) {
		const char *loc = locations->v[i];
		struct stat st;
		if (stat(loc, &st) != 0 || !S_ISDIR(st.st_mode)) {
			ag_findings_add(&out->findings, AG_SEV_WARNING, "missing-version-location", NULL,
					loc, 0, "the version location %s does not exist; Alembic skips it",
					loc);
			continue;
		}
		present++;
		char *real = realpath(loc, NULL);
		if (real && ag_strv_has(&seen, real)) {
			ag_findings_add(&out->findings, AG_SEV_WARNING, "missing-version-location", NULL,
					loc, 0, "the version location %s is listed twice; its files are "
					"read once", loc);
			free(real);
			continue;
		}
		if (real)
			ag_strv_push_take(&seen, real);
		if (list_dir(out, &ls, loc, i, err) < 0) {
			ag_strv_free(&seen);
			pathset_free(&ls.real);
			return -1;
		}
	}
	ag_strv_free(&seen);
	pathset_free(&ls.real);
	if (present == 0) {
		char *all = ag_strv_join(locations, ", ");
		ag_err_set(err, AG_ERR_CONFIG, "no version location exists (looked for: %s)",
			   locations->n ? all : "none configured");
		free(all);
		return -1;
	}

	struct job j;
	memset(&j, 0, sizeof j);
	j.ss = out;
	j.defs = opts->defs;
	j.schema_helpers = opts->schema_helpers;
	j.python = opts->python;
	j.errs = ag_calloc(out->n ? out->n : 1, sizeof *j.errs);
	/* Opening and parsing files is all the work: one thread per core.
	 * A small directory is read faster than threads start. */
	int threads = opts->threads > 0 ? opts->threads : out->n >= 64 ? ag_pool_threads() : 1;
	ag_pool_run(out->n, threads, read_one, &j);
	for (size_t t = 0; t < AG_ARRAY_LEN(j.bufs); t++)
		free(j.bufs[t].p);
	/* The first file that failed, in listing order, as one thread finds
	 * it: the error does not depend on which thread read what. */
	for (size_t i = 0; i < out->n; i++) {
		if (j.errs[i]) {
			int e = j.errs[i];
			free(j.errs);
			return ag_err_set(err, AG_ERR_IO, "cannot read %s: %s", out->v[i].path,
					  strerror(e));
		}
	}
	free(j.errs);
	return 0;
}

void ag_scripts_free(struct ag_scripts *ss)
{
	if (!ss)
		return;
	for (size_t i = 0; i < ss->n; i++)
		ag_script_free(&ss->v[i]);
	free(ss->v);
	ag_findings_free(&ss->findings);
	memset(ss, 0, sizeof *ss);
}
