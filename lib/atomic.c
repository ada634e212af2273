#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return ag_strdup(".");
	if (slash == path)
		return ag_strdup("/");
	return ag_strndup(path, (size_t)(slash - path));
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void fsync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return;
	/* Best effort: some file systems refuse fsync on a directory. */
	(void)fsync(fd);
	close(fd);
}

/* Writes data to a new temporary file beside path (a name Alembic never
 * loads: it does not end in .py). Returns its name (new) or NULL. */
static char *write_temp(const char *path, const char *data, size_t len, mode_t mode,
                        struct ag_err *err)
{
	char *dir = dir_of(path);
	char *tmp = ag_printf("%s/.%s.ag-XXXXXX", dir, base_of(path));
	free(dir);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ag_err_set(err, AG_ERR_IO, "cannot create a temporary file beside %s: %s", path,
		           strerror(errno));
		free(tmp);
		return NULL;
	}
	size_t done = 0;
	int e = 0;
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			break;
		}
		done += (size_t)w;
	}
	if (!e && fchmod(fd, mode) < 0)
		e = errno;
	if (!e && fsync(fd) < 0)
		e = errno;
	if (close(fd) < 0 && !e)
		e = errno;
	if (e) {
		unlink(tmp);
		ag_err_set(err, AG_ERR_IO, "cannot write %s: %s", path, strerror(e));
		free(tmp);
		return NULL;
	}
	return tmp;
}

/*
 * rename(2) that fails with EEXIST instead of replacing to: renameat2 with
 * RENAME_NOREPLACE, through the system call itself, because musl before
 * 1.2.5 (the static build's) has no wrapper. EINVAL or ENOSYS: the file
 * system or kernel cannot do it.
 */
static int rename_noreplace(const char *from, const char *to)
{
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0) /* linux/fs.h */
#endif
	return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}

/* Puts from at to, failing when to exists: link(2), or renameat2 with
 * RENAME_NOREPLACE on file systems without hard links. On success from is
 * gone. Returns 0 or an errno. */
static int place_noreplace(const char *from, const char *to)
{
	if (link(from, to) == 0) {
		unlink(from);
		return 0;
	}
	int e = errno;
	if (e == EPERM || e == ENOSYS || e == EOPNOTSUPP || e == EMLINK) {
		if (rename_noreplace(from, to) == 0)
			return 0;
		e = errno;
	}
	return e;
}

static int placed(int e, const char *path, struct ag_err *err)
{
	if (e == EEXIST)
		return ag_err_set(err, AG_ERR_IO, "%s appeared meanwhile; it was not overwritten",
		                  path);
	return ag_err_set(err, AG_ERR_IO, "cannot create %s: %s", path, strerror(e));
}

int ag_atomic_write_new(const char *path, const char *data, size_t len, struct ag_err *err)
{
	struct stat st;
	if (lstat(path, &st) == 0)
		return ag_err_set(err, AG_ERR_IO, "%s exists; it was not overwritten", path);
	/* Reading the umask means setting it; alembic-guard writes files from
	 * one thread, so the moment it is changed does not matter. */
	mode_t um = umask(022);
	umask(um);
	char *tmp = write_temp(path, data, len, 0666 & ~um, err);
	if (!tmp)
		return -1;
	int e = place_noreplace(tmp, path);
	if (e) {
		unlink(tmp);
		free(tmp);
		return placed(e, path, err);
	}
	free(tmp);
	fsync_dir(path);
	return 0;
}

/* Checks that path still holds expect. */
int ag_atomic_check(const char *path, const char *expect, size_t elen, struct ag_err *err)
{
	size_t len = 0;
	const char *kind = NULL;
	char *cur = ag_read_regular_file(path, &len, &kind);
	if (!cur)
		return ag_err_set(err, AG_ERR_IO, "cannot read %s: %s%s", path,
		                  kind ? kind : strerror(errno),
		                  kind ? ", not a regular file" : "");
	bool same = len == elen && memcmp(cur, expect, len) == 0;
	free(cur);
	if (!same)
		return ag_err_set(err, AG_ERR_IO,
		                  "%s changed after the plan was made; it was left alone (run the "
		                  "command again)",
		                  path);
	return 0;
}

int ag_atomic_replace(const char *path, const char *expect, size_t elen, const char *data,
                      size_t len, struct ag_err *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return ag_err_set(err, AG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
	if (ag_atomic_check(path, expect, elen, err) < 0)
		return -1;
	char *tmp = write_temp(path, data, len, st.st_mode & 07777, err);
	if (!tmp)
		return -1;
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		free(tmp);
		return ag_err_set(err, AG_ERR_IO, "cannot replace %s: %s", path, strerror(e));
	}
	free(tmp);
	fsync_dir(path);
	return 0;
}

int ag_atomic_move(const char *from, const char *to, const char *expect, size_t elen,
                   const char *data, size_t len, struct ag_err *err)
{
	struct stat st;
	if (stat(from, &st) < 0)
		return ag_err_set(err, AG_ERR_IO, "cannot read %s: %s", from, strerror(errno));
	if (lstat(to, &st) == 0)
		return ag_err_set(err, AG_ERR_IO, "%s exists; it was not overwritten", to);
	if (stat(from, &st) < 0 || ag_atomic_check(from, expect, elen, err) < 0)
		return -1;
	if (data) {
		char *tmp = write_temp(to, data, len, st.st_mode & 07777, err);
		if (!tmp)
			return -1;
		int e = place_noreplace(tmp, to);
		if (e) {
			unlink(tmp);
			free(tmp);
			return placed(e, to, err);
		}
		free(tmp);
		if (unlink(from) < 0)
			return ag_err_set(err, AG_ERR_IO, "wrote %s, but cannot remove %s: %s", to,
			                  from, strerror(errno));
	} else {
		int e = 0;
		if (rename_noreplace(from, to) < 0) {
			e = errno;
			if (e == EINVAL || e == ENOSYS) {
				/* no RENAME_NOREPLACE here: link, then unlink */
				e = link(from, to) == 0 ? 0 : errno;
				if (!e)
					unlink(from);
			}
		}
		if (e)
			return placed(e, to, err);
	}
	fsync_dir(to);
	return 0;
}


int ag_atomic_remove(const char *path, const char *expect, size_t elen, struct ag_err *err)
{
	if (ag_atomic_check(path, expect, elen, err) < 0)
		return -1;
	if (unlink(path) < 0)
		return ag_err_set(err, AG_ERR_IO, "cannot delete %s: %s", path, strerror(errno));
	fsync_dir(path);
	return 0;
}
