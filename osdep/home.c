/* SPDX-License-Identifier: MIT */
/*
 * home.c - the state directory (see home.h).
 */
#include "osdep/home.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int zt_home_path(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return 0;
}

int zt_home_mkdir(const char *dir)
{
	char path[ZT_HOME_PATH_MAX];
	struct stat st;
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof path)
		return -ENAMETOOLONG;
	memcpy(path, dir, n + 1);
	/* mkdir -p: create each missing component in turn. */
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -errno;
		path[i] = dir[i];
	}
	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return 0;
}

int zt_home_read(const char *path, char *buf, size_t cap, size_t *len)
{
	size_t got = 0;
	ssize_t n;
	int fd, r = 0;

	*len = 0;
	if (cap == 0)
		return -EINVAL;
	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (got == cap - 1) {
			r = -EFBIG;
			goto out;
		}
		n = read(fd, buf + got, cap - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*len = got;
out:
	close(fd);
	return r;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync the directory holding path, so that a rename survives a crash. */
static void sync_parent(const char *path)
{
	char copy[ZT_HOME_PATH_MAX];
	size_t n = strlen(path);
	int fd;

	if (n >= sizeof copy)
		return;
	memcpy(copy, path, n + 1);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	(void)fsync(fd);
	close(fd);
}

static int write_new(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd, r;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	/* The umask may have removed bits from mode; set exactly mode. */
	r = fchmod(fd, mode) < 0 ? -errno : 0;
	if (r == 0)
		r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0)
		unlink(path);
	return r;
}

int zt_home_write(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[ZT_HOME_PATH_MAX];
	int r;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	/* A leftover from a crash in the middle of a previous write. */
	(void)unlink(tmp);
	r = write_new(tmp, data, len, mode);
	if (r < 0)
		return r;
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		return r;
	}
	sync_parent(path);
	return 0;
}

int zt_home_create(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[ZT_HOME_PATH_MAX];
	int r;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	(void)unlink(tmp);
	r = write_new(tmp, data, len, mode);
	if (r < 0)
		return r;
	/* link, unlike rename, fails on an existing path: never replaced. */
	if (link(tmp, path) < 0)
		r = -errno;
	unlink(tmp);
	/* A file system without hard links (FAT): created in place. */
	if (r == -EPERM || r == -EOPNOTSUPP)
		r = write_new(path, data, len, mode);
	if (r == 0)
		sync_parent(path);
	return r;
}

int zt_home_output(const char *path, const void *data, size_t len, mode_t mode, char *err,
                   size_t errcap)
{
	int r;

	if (path == NULL) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
			r = -errno;
			snprintf(err, errcap, "writing to stdout: %s", strerror(errno));
			return r < 0 ? r : -EIO;
		}
		return 0;
	}
	r = zt_home_write(path, data, len, mode);
	if (r < 0)
		snprintf(err, errcap, "cannot write %s: %s (left as it was)", path, strerror(-r));
	return r;
}

int zt_home_remove(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	sync_parent(path);
	return 0;
}

int zt_home_list(const char *dir, int (*fn)(void *ctx, const char *name), void *ctx)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		r = fn(ctx, de->d_name);
		if (r != 0)
			break;
	}
	closedir(d);
	return r;
}

int zt_home_lock(const char *path, int *fd_out, long *other_pid)
{
	char buf[32];
	size_t len;
	int fd, r, n;

	*fd_out = -1;
	*other_pid = 0;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		if (zt_home_read(path, buf, sizeof buf, &len) == 0)
			*other_pid = strtol(buf, NULL, 10);
		close(fd);
		return r == -EAGAIN ? -EWOULDBLOCK : r;
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	r = ftruncate(fd, 0) < 0 ? -errno : write_all(fd, buf, (size_t)n);
	if (r < 0) {
		close(fd);
		return r;
	}
	*fd_out = fd;
	return 0;
}
