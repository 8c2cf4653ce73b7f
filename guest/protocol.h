/* protocol.h: how a Lupine guest and the host talk, shared by guest/ and src/.
 *
 * Host -> guest: the run configuration, one schema (LUPINE_RUN_KEYS) for
 * the bundle's lupine.json "run" object, the per-run file /lupine/run the
 * init reads ("KEY VALUE" lines, \n \t \\ escaped; list keys repeat) and
 * the init's parser.
 *
 * Host -> guest, while it runs: the console's input side. The init reads it
 * (the application's stdin is /dev/null, or with "stdin pipe" a pipe the
 * init fills with what the host sends); lines behind LUPINE_CTL_MARK are
 * commands for the init (LUPINE_IN_*), everything else is stdin data, in
 * which the host sends each ESC byte twice (ESC ESC is one ESC of data), so
 * no data is ever taken for a command. This works on every VMM with a
 * serial console, Firecracker included.
 *
 * The application's stdio: on QEMU (run config "stdio ports") stdin, stdout
 * and stderr travel on virtio-console ports of their own, named
 * LUPINE_PORT_*, byte-exact; the init relays them and, at the end, sends
 * "stdio OUT ERR" (the bytes each output carried), and the host answers
 * "exit" once it has them all, so nothing queued is lost when the VM ends.
 * The console is then the kernel's and the init's. With "terminal ROWS
 * COLS" the application's stdin, stdout and stderr are the slave of a pty
 * in the guest, its controlling terminal; the master's output travels on
 * the stdout port (the stderr port carries nothing, as with runc's
 * terminal) and "winsize ROWS COLS" resizes it. Without ports
 * (Firecracker, "stdio console") the application has the console, as below.
 *
 * Guest -> host: the console (ttyS0) output belongs to the application. Control
 * lines ("KEY VALUE\n") go through a second channel: on QEMU the
 * isa-debugcon port, whose bytes land in a host FIFO, and the VM ends by a
 * write to the isa-debug-exit port; on a VMM without such ports
 * (Firecracker) the init writes them on the console behind
 * LUPINE_CTL_MARK, the host takes those lines out of the console stream,
 * and the VM ends by a reboot (reboot=k: the i8042 reset ends Firecracker). */
#ifndef LUPINE_PROTOCOL_H
#define LUPINE_PROTOCOL_H

/* The PATH an application gets when its image or command line sets none,
 * and where both lupine build and the init look for a bare command name. */
#define LUPINE_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#define LUPINE_RUN_FILE "/lupine/run"
#define LUPINE_RUN_FILE_MAX (256 * 1024) /* its most bytes: bound files travel in it */

/* X(ID, "key", KIND): KIND is RUN_LIST (repeated), RUN_STR or RUN_INT. */
#define LUPINE_RUN_KEYS(X)                                                               \
	X(RUN_ARG, "arg", RUN_LIST)        /* the command, argv[0] first */              \
	X(RUN_ENV, "env", RUN_LIST)        /* KEY=VALUE */                               \
	X(RUN_CWD, "cwd", RUN_STR)         /* working directory */                       \
	X(RUN_UID, "uid", RUN_INT)         /* user id the application runs as */        \
	X(RUN_GID, "gid", RUN_INT)         /* its group id */                            \
	X(RUN_GROUP, "group", RUN_LIST)    /* a supplementary group id */               \
	X(RUN_HOSTNAME, "hostname", RUN_STR)                                             \
	X(RUN_IP, "ip", RUN_STR)           /* eth0's address, "A.B.C.D/PREFIX" */         \
	X(RUN_GW, "gw", RUN_STR)           /* default route */                           \
	X(RUN_DNS, "dns", RUN_STR)         /* the nameserver for /etc/resolv.conf */     \
	X(RUN_ROUTE, "route", RUN_LIST)    /* "A.B.C.D/N" on eth0's link, or "A.B.C.D/N via GW" */ \
	X(RUN_MTU, "mtu", RUN_INT)         /* eth0's MTU (default: the NIC's) */          \
	X(RUN_ROOT, "root", RUN_STR)       /* "DEV FSTYPE ro|rw": switch to a disk root */ \
	X(RUN_CTL, "ctl", RUN_STR)         /* "port" (default) or "console" */           \
	X(RUN_STDIN, "stdin", RUN_STR)     /* "null" (default) or "pipe": host input */  \
	X(RUN_STDIO, "stdio", RUN_STR)     /* "console" (default) or "ports" */         \
	/* the process spec (OCI config.json's process and linux parts), applied by   \
	 * guest/init/process.c in the application's child and confine.c in PID 1 */  \
	X(RUN_RLIMIT, "rlimit", RUN_LIST)  /* "RLIMIT_NAME SOFT HARD" */                  \
	X(RUN_CAPS, "caps", RUN_STR)       /* "BND EFF PRM INH AMB" hex masks; absent: all */ \
	X(RUN_NNP, "nonewprivs", RUN_INT)  /* 1: PR_SET_NO_NEW_PRIVS */                  \
	X(RUN_UMASK, "umask", RUN_STR)     /* octal */                                    \
	X(RUN_OOM, "oomscoreadj", RUN_STR) /* -1000..1000 */                             \
	X(RUN_SYSCTL, "sysctl", RUN_LIST)  /* "name.of.key=VALUE" */                      \
	X(RUN_MASK, "mask", RUN_LIST)      /* a path hidden: /dev/null or an empty tmpfs */ \
	X(RUN_ROPATH, "ropath", RUN_LIST)  /* a path made read-only */                  \
	X(RUN_ROOT_RO, "rootro", RUN_INT)  /* 1: / remounted read-only after the set-up */ \
	X(RUN_MOUNT, "mount", RUN_LIST)    /* one mount, in order: see below */          \
	X(RUN_TERMINAL, "terminal", RUN_STR) /* "ROWS COLS": with ports, the app's stdio is a pty */ \
	X(RUN_EXEC, "exec", RUN_STR)       /* "port": serve exec requests on LUPINE_PORT_EXEC */

/* The most "sysctl", "mask" or "ropath" lines a run file holds (the init keeps them in static memory). */
#define LUPINE_SPEC_LIST_MAX 64

/* A "mount" value is "TYPE SOURCE DEST OPTIONS", as an fstab line: fields
 * split at single spaces, and a space, tab, newline or backslash inside one
 * written as \ooo octal (\040 \011 \012 \134). DEST is an absolute path
 * in the container's root, made when absent; OPTIONS are config.json's,
 * comma-separated ("defaults" for none): mount flags (ro, nosuid, nodev,
 * noexec, relatime...) and the filesystem's own data (size=, mode=).
 * TYPE is one of
 *   proc sysfs tmpfs devpts mqueue cgroup2  made by the guest kernel (SOURCE
 *                                  is only a name); a tmpfs on /dev gets
 *                                  runc's default device nodes
 *   9p      SOURCE is a virtio-9p mount tag: a host directory
 *   file    SOURCE is a host file's contents, base64 ("-": empty); it is
 *           served from a tmpfs of its own (options mode=, uid=, gid=, ro) */
#define LUPINE_MOUNT_MAX 64 /* mounts in one run */
#define LUPINE_9P_PREFIX "lupine" /* mount tags are this + a number */

enum run_kind { RUN_LIST, RUN_STR, RUN_INT };
#define LUPINE_RUN_ENUM(id, key, kind) id,
enum run_key { LUPINE_RUN_KEYS(LUPINE_RUN_ENUM) RUN_NKEYS };
#undef LUPINE_RUN_ENUM

#define LUPINE_CTL_PORT  0xe9 /* isa-debugcon: control lines, guest -> host */
#define LUPINE_EXIT_PORT 0xf4 /* isa-debug-exit: QEMU exits with status 2*v+1 */
#define LUPINE_CTL_MARK  "\x1blupine-ctl " /* a control line on the console */

/* The application's stdio ports: numbers on the VM's one virtio-serial
 * device (/dev/vport0pN; the init finds them by number, as kernels
 * without sysfs have no names), and the names the host gives them. */
#define LUPINE_PORT_STDIN_NR  1
#define LUPINE_PORT_STDOUT_NR 2
#define LUPINE_PORT_STDERR_NR 3
#define LUPINE_PORT_STDIN  "org.lupine.stdin"
#define LUPINE_PORT_STDOUT "org.lupine.stdout"
#define LUPINE_PORT_STDERR "org.lupine.stderr"

/* lupine-runc exec: processes started beside the application. With run
 * config "exec port" the VM has one more port, LUPINE_PORT_EXEC, on which
 * the host and the init exchange frames: a header of LUPINE_EXEC_HDR bytes
 * (type, session 0..LUPINE_EXEC_MAX-1, payload length as 16-bit little
 * endian) and the payload. lupine-runc's exec socket (ROOT/ID/exec.sock)
 * carries the same frames between `lupine-runc exec` and the monitor,
 * which picks the session. Each direction of data has a window: at most
 * LUPINE_EXEC_WINDOW bytes of stdin, and of stdout + stderr, are sent that
 * the other side has not acknowledged (EXEC_ACK), so no side buffers more
 * and one stalled reader holds up only its own session. */
#define LUPINE_PORT_EXEC_NR 4
#define LUPINE_PORT_EXEC "org.lupine.exec"
#define LUPINE_EXEC_HDR 4
#define LUPINE_EXEC_MAX 16         /* sessions at once */
#define LUPINE_EXEC_DATA_MAX 16384 /* the most bytes of one data frame */
#define LUPINE_EXEC_WINDOW 65536
enum exec_frame {
	EXEC_START = 1, /* host: the process, as run config text (arg, env, cwd, uid, gid, group,
			 * rlimit, caps, nonewprivs, umask, terminal "ROWS COLS") */
	EXEC_STDIN,     /* host: bytes for its stdin */
	EXEC_EOF,       /* host: its stdin ended */
	EXEC_SIGNAL,    /* host: 1 byte, a signal for it */
	EXEC_WINSIZE,   /* host: rows and cols, 16-bit little endian each */
	EXEC_ACK,       /* both: 4 bytes little endian, data bytes the sender has passed on */
	EXEC_STARTED,   /* init: it runs (exec succeeded) */
	EXEC_ERROR,     /* init or monitor: why it could not start (text); the session ends */
	EXEC_STDOUT,    /* init: its output (with a terminal, all of it) */
	EXEC_STDERR,
	EXEC_EXIT,      /* init: 1 byte, its status (128+N: signal N); the session ends */
};

/* Control lines the init writes. */
#define LUPINE_CTL_INIT   "init"   /* "init BOOTTIME_NS": PID 1 started */
#define LUPINE_CTL_APP    "app"    /* "app BOOTTIME_NS": the application is being started */
#define LUPINE_CTL_STATUS "status" /* "status N": the application ended with N (0-255) */
#define LUPINE_CTL_ERROR  "error"  /* "error TEXT": why the application could not start */
#define LUPINE_CTL_STDIO  "stdio"  /* "stdio OUT ERR": bytes the stdout and stderr ports carried */
#define LUPINE_CTL_FROZEN "frozen" /* "frozen OUT ERR": every process stopped for a snapshot
				    * ("freeze"), and the bytes the ports carried so far */
/* "missing KIND NAME TGID COMM": a process reached for a feature the kernel
 * leaves out (KIND syscall, family, fs or option; see kernel/missing.patch);
 * "used ...": with lupine_record on the command line, its first use */
#define LUPINE_CTL_MISSING "missing"
#define LUPINE_CTL_USED    "used"

/* Commands the host sends on the console input, behind LUPINE_CTL_MARK. */
#define LUPINE_IN_SIGNAL "signal" /* "signal N": send signal N to the application */
#define LUPINE_IN_EOF    "eof"    /* the host's stdin ended: close the application's */
#define LUPINE_IN_EXIT   "exit"   /* the host has all of the application's output: end the VM */
#define LUPINE_IN_WINSIZE "winsize" /* "winsize ROWS COLS": the application's terminal's new size */
/* Warm start (src/vm/snapshot.h): "freeze" stops every process but the init
 * (SIGSTOP) and drains the application's output before a snapshot; a VM
 * restored from one gets "thaw GEN SEC NSEC HEX": the init mixes the host's
 * entropy HEX (64 hex digits) into the pool and reseeds the CRNG, sets the
 * clock to SEC.NSEC, writes GEN to LUPINE_GENERATION_FILE, and lets the
 * processes go on (SIGCONT). */
#define LUPINE_IN_FREEZE "freeze"
/* "net MAC A.B.C.D/N GW" (GW "-": none), before "thaw" on a restore whose
 * NIC is a tap: eth0 takes the new MAC and address, and the default route */
#define LUPINE_IN_NET    "net"
#define LUPINE_IN_THAW   "thaw"
#define LUPINE_GENERATION_FILE "/run/lupine/generation" /* how many restores this VM is from its boot */

#endif
