/* An LD_PRELOAD shim for fsmap-keys.sh: prints FS_IOC_GETFSMAP's two keys and header to stderr before the call. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdarg.h>
#include <linux/fsmap.h>
#include <sys/ioctl.h>
int ioctl(int fd, unsigned long req, ...) {
    va_list ap; va_start(ap, req); void *arg = va_arg(ap, void *); va_end(ap);
    static int (*real)(int, unsigned long, ...);
    if (!real) real = dlsym(RTLD_NEXT, "ioctl");
    if (req == FS_IOC_GETFSMAP) {
        struct fsmap_head *h = arg;
        for (int k = 0; k < 2; k++) {
            struct fsmap *m = &h->fmh_keys[k];
            fprintf(stderr, "key%d dev %#x flags %#x phys %#llx owner %#llx off %#llx len %#llx res %#x %#x %#x\n", k,
                m->fmr_device, m->fmr_flags, (unsigned long long) m->fmr_physical, (unsigned long long) m->fmr_owner,
                (unsigned long long) m->fmr_offset, (unsigned long long) m->fmr_length,
                m->fmr_reserved[0], m->fmr_reserved[1], m->fmr_reserved[2]);
        }
        fprintf(stderr, "iflags %#x oflags %#x count %u\n", h->fmh_iflags, h->fmh_oflags, h->fmh_count);
    }
    return real(fd, req, arg);
}
