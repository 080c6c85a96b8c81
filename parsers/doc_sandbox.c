/* doc_sandbox: the reader's seccomp filter (the only file that includes
 * seccomp.h). Default allow, with a deny list: the reader needs little,
 * but its libraries (poppler, fontconfig, GLib) touch many system calls
 * while reading, and an allow list would break on a library update; what
 * is denied is what would let a subverted parser reach outside. */
#include "doc_sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <unistd.h>

/* AddressSanitizer's leak check stops the world with a tracer: a clone()
 * sharing memory (CLONE_VM, no CLONE_THREAD) that ptrace()s the threads.
 * Sanitized builds allow that much; fork, vfork and execve stay denied. */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER 1
#endif
#endif
#ifndef SANDBOX_SANITIZER
#define SANDBOX_SANITIZER 0
#endif

/* Denied outright, with EPERM. */
/* Grouped by what they would do: laid out by hand. */
/* clang-format off */
static const char *const denied[] = {
	/* the network */
	"socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
	/* other programs */
	"execve", "execveat", "fork", "vfork",
	/* changing the file system */
	"creat", "mkdir", "mkdirat", "mknod", "mknodat", "unlink", "unlinkat", "rmdir", "rename", "renameat",
	"renameat2", "link", "linkat", "symlink", "symlinkat", "truncate", "chmod", "fchmod", "fchmodat", "chown",
	"fchown", "lchown", "fchownat", "utime", "utimes", "utimensat", "futimesat", "open_by_handle_at",
	/* io_uring opens files and sockets where this filter cannot see */
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	/* identities, namespaces, the kernel */
	"mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "setuid", "setgid", "setreuid", "setregid",
	"setresuid", "setresgid", "setgroups", "setfsuid", "setfsgid", "process_vm_writev", "bpf", "userfaultfd",
	"perf_event_open", "keyctl", "add_key", "request_key", "init_module", "finit_module", "kexec_load",
};
/* clang-format on */

/* Their arguments live in a structure the filter cannot read: ENOSYS, so
 * that glibc falls back to clone() and openat(), which it can. */
static const char *const hidden_args[] = { "clone3", "openat2" };

static gboolean add(scmp_filter_ctx ctx, int err, const char *name, unsigned n, const struct scmp_arg_cmp *cmp,
		    GError **error)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return TRUE; /* not a system call on this architecture */
	int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(err), nr, n, cmp);
	if (rc < 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "seccomp rule for %s: %s", name, g_strerror(-rc));
		return FALSE;
	}
	return TRUE;
}

/* open() and openat() with any flag that writes or creates: one rule per
 * flag, since a rule compares one masked value. */
static gboolean add_open_rules(scmp_filter_ctx ctx, GError **error)
{
	static const int flags[] = { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC };
	for (size_t i = 0; i < G_N_ELEMENTS(flags); i++) {
		struct scmp_arg_cmp open_cmp = SCMP_A1(SCMP_CMP_MASKED_EQ, flags[i], flags[i]);
		struct scmp_arg_cmp openat_cmp = SCMP_A2(SCMP_CMP_MASKED_EQ, flags[i], flags[i]);
		if (!add(ctx, EPERM, "open", 1, &open_cmp, error) || !add(ctx, EPERM, "openat", 1, &openat_cmp, error))
			return FALSE;
	}
	return TRUE;
}

/* clone() may start threads, not processes. */
static gboolean add_clone_rules(scmp_filter_ctx ctx, GError **error)
{
	if (!SANDBOX_SANITIZER) {
		struct scmp_arg_cmp no_thread = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0);
		return add(ctx, EPERM, "clone", 1, &no_thread, error) && add(ctx, EPERM, "ptrace", 0, NULL, error);
	}
	struct scmp_arg_cmp no_vm = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_VM, 0);
	struct scmp_arg_cmp vfork = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_VFORK, CLONE_VFORK);
	return add(ctx, EPERM, "clone", 1, &no_vm, error) && add(ctx, EPERM, "clone", 1, &vfork, error);
}

static gboolean load_filter(GError **error)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "seccomp_init failed");
		return FALSE;
	}
	gboolean ok = add_open_rules(ctx, error) && add_clone_rules(ctx, error);
	for (size_t i = 0; ok && i < G_N_ELEMENTS(denied); i++)
		ok = add(ctx, EPERM, denied[i], 0, NULL, error);
	for (size_t i = 0; ok && i < G_N_ELEMENTS(hidden_args); i++)
		ok = add(ctx, ENOSYS, hidden_args[i], 0, NULL, error);
	if (ok) {
		int rc = seccomp_load(ctx);
		if (rc < 0) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "seccomp_load: %s", g_strerror(-rc));
			ok = FALSE;
		}
	}
	seccomp_release(ctx);
	return ok;
}

static void close_from_3(void)
{
	if (close_range(3, ~0U, 0) == 0)
		return;
	long max = sysconf(_SC_OPEN_MAX);
	for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
		close((int)fd);
}

gboolean doc_sandbox_enter(GError **error)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "PR_SET_NO_NEW_PRIVS: %s",
			    g_strerror(errno));
		return FALSE;
	}
	close_from_3();
	return load_filter(error);
}
