/* steps.c: a guest test program that runs its arguments as steps, in order,
 * printing one "steps: ..." line each, so one boot checks many things:
 *   cat:F          F's contents
 *   write:F:TEXT   write TEXT to F (or say why not)
 *   stat:F         F's mode, owner and size
 *   statfs:F       the size of the filesystem holding F
 *   mount:DIR      DIR's line in /proc/mounts
 *   waitfor:F      wait (up to 90 s) until F exists
 *   read:F         read F to its end: bytes and MB/s
 *   fill:F:MIB     write MIB MiB to F and fsync it: MB/s
 * Exits 0 when every step ran, 1 at the first that could not. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* read:F or fill:F:MIB, 1 MiB at a time; one line with the rate. */
static int transfer(const char *f, long mib)
{
	static char buf[1 << 20];
	int fd = mib ? open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644) : open(f, O_RDONLY);
	double t0 = now(), secs;
	long long total = 0;
	ssize_t n = 1;

	if (fd < 0)
		return printf("steps: %s: %s\n", f, strerror(errno)), 1;
	while (mib ? total < mib << 20 : n > 0) {
		n = mib ? write(fd, buf, sizeof(buf)) : read(fd, buf, sizeof(buf));
		if (n < 0)
			return printf("steps: %s: %s\n", f, strerror(errno)), 1;
		total += n;
	}
	if (mib)
		fsync(fd);
	close(fd);
	secs = now() - t0;
	printf("steps: %s %s %lld bytes %.1f MB/s\n", mib ? "fill" : "read", f, total, total / 1e6 / secs);
	return 0;
}

static int cat(const char *f)
{
	char buf[512];
	FILE *fp = fopen(f, "r");
	size_t n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;

	if (!fp)
		return printf("steps: cat %s: %s\n", f, strerror(errno)), 1;
	buf[n] = 0;
	printf("steps: cat %s=<%s>\n", f, buf);
	fclose(fp);
	return 0;
}

static int write_text(char *arg)
{
	char *text = strchr(arg, ':');
	FILE *fp;

	if (!text)
		return 1;
	*text++ = 0;
	fp = fopen(arg, "w");
	if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0)
		printf("steps: write %s: %s\n", arg, strerror(errno));
	else
		printf("steps: write %s: ok\n", arg);
	return 0;
}

static int mount_line(const char *dir)
{
	char line[1024], dev[256], mnt[512];
	FILE *fp = fopen("/proc/mounts", "r");
	int found = 0;

	while (fp && fgets(line, sizeof(line), fp))
		if (sscanf(line, "%255s %511s", dev, mnt) == 2 && !strcmp(mnt, dir)) {
			printf("steps: mount %s", line); /* the last one is on top */
			found = 1;
		}
	if (fp)
		fclose(fp);
	if (!found)
		printf("steps: mount %s: none\n", dir);
	return 0;
}

static int step(char *s)
{
	struct stat st;
	struct statfs sf;

	if (!strncmp(s, "cat:", 4))
		return cat(s + 4);
	if (!strncmp(s, "write:", 6))
		return write_text(s + 6);
	if (!strncmp(s, "stat:", 5)) {
		if (stat(s + 5, &st) < 0)
			return printf("steps: stat %s: %s\n", s + 5, strerror(errno)), 0;
		return printf("steps: stat %s mode=%o uid=%d gid=%d size=%lld\n", s + 5, (unsigned)st.st_mode & 07777,
			      (int)st.st_uid, (int)st.st_gid, (long long)st.st_size), 0;
	}
	if (!strncmp(s, "statfs:", 7)) {
		if (statfs(s + 7, &sf) < 0)
			return printf("steps: statfs %s: %s\n", s + 7, strerror(errno)), 1;
		return printf("steps: statfs %s bytes=%llu\n", s + 7, (unsigned long long)sf.f_blocks * sf.f_bsize), 0;
	}
	if (!strncmp(s, "read:", 5))
		return transfer(s + 5, 0);
	if (!strncmp(s, "fill:", 5) && strchr(s + 5, ':')) {
		*strchr(s + 5, ':') = 0;
		return transfer(s + 5, atol(s + strlen(s) + 1));
	}
	if (!strncmp(s, "mount:", 6))
		return mount_line(s + 6);
	if (!strncmp(s, "waitfor:", 8)) {
		for (int i = 0; i < 900 && access(s + 8, F_OK) < 0; i++)
			usleep(100000);
		return printf("steps: waitfor %s: %s\n", s + 8, access(s + 8, F_OK) ? "timed out" : "there"), 0;
	}
	printf("steps: unknown step '%s'\n", s);
	return 1;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++)
		if (step(argv[i]))
			return 1;
	return 0;
}
