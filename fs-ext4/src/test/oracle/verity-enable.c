/*
 * FS_IOC_ENABLE_VERITY and FS_IOC_MEASURE_VERITY for the oracle's guest, which has no fsverity tool:
 * make-verity-image.sh builds this statically and runs it in the guest from a disk of its own.
 *
 *   verity-enable [-m] [-a 1|2] [-s SALT] FILE...   (-m: only measure; -a: 1 sha256, 2 sha512)
 *
 * Prints "FILE ALG:DIGEST" per file, or "FILE error: ..." and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fsverity.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
	int measure_only = 0, alg = FS_VERITY_HASH_ALG_SHA256, opt, rc = 0;
	const char *salt = NULL;
	while ((opt = getopt(argc, argv, "ma:s:")) != -1) {
		if (opt == 'm') measure_only = 1;
		else if (opt == 'a') alg = atoi(optarg);
		else if (opt == 's') salt = optarg;
		else return 2;
	}
	for (int i = optind; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0) { printf("%s error: open: %s\n", argv[i], strerror(errno)); rc = 1; continue; }
		if (!measure_only) {
			struct fsverity_enable_arg arg;
			memset(&arg, 0, sizeof(arg));
			arg.version = 1;
			arg.hash_algorithm = alg;
			arg.block_size = 4096;
			if (salt) { arg.salt_size = strlen(salt); arg.salt_ptr = (unsigned long) salt; }
			if (ioctl(fd, FS_IOC_ENABLE_VERITY, &arg) != 0) {
				printf("%s error: enable: %s\n", argv[i], strerror(errno)); rc = 1; close(fd); continue;
			}
		}
		struct { struct fsverity_digest d; unsigned char buf[64]; } m;
		m.d.digest_size = 64;
		if (ioctl(fd, FS_IOC_MEASURE_VERITY, &m) != 0) {
			printf("%s error: measure: %s\n", argv[i], strerror(errno)); rc = 1; close(fd); continue;
		}
		printf("%s %s:", argv[i], m.d.digest_algorithm == FS_VERITY_HASH_ALG_SHA256 ? "sha256" : "sha512");
		for (int k = 0; k < m.d.digest_size; k++) printf("%02x", m.d.digest[k]);
		printf("\n");
		close(fd);
	}
	return rc;
}
