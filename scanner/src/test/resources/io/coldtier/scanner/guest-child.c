/*
 * A minimal "VMM" for scanner ITs: owns guest memory in a memfd, creates and registers the
 * userfaultfd itself (MISSING|WP), hands both to the test over SCM_RIGHTS, then touches pages on
 * command. Being a separate process is the point: it exercises the attach path, remote
 * PAGEMAP_SCAN and process_madvise(MADV_PAGEOUT), and it may die of SIGBUS on a poisoned page
 * without taking the test JVM with it.
 *
 * usage: guest-child SOCKET PAGES
 * commands (one per line): "r PAGE" read page, reply "ok SUM"; "w PAGE VALUE" write a byte,
 * reply "ok"; "q" exit 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(2); }

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s SOCKET PAGES\n", argv[0]); return 2; }
    size_t pages = strtoul(argv[2], 0, 10), size = pages * 4096;
    int memfd = memfd_create("child-guest", MFD_CLOEXEC);
    if (memfd < 0 || ftruncate(memfd, size)) die("memfd");
    unsigned char *mem = mmap(0, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    if (mem == MAP_FAILED) die("mmap");
    for (size_t i = 0; i < pages; i++)
        for (size_t j = 0; j < 4096; j++) mem[i * 4096 + j] = (unsigned char)(i * 7 + j);
    int uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (uffd < 0) die("userfaultfd");
    struct uffdio_api api = {.api = UFFD_API, .features = 0};
    if (ioctl(uffd, UFFDIO_API, &api)) die("UFFDIO_API");
    struct uffdio_register reg = {.range = {(uint64_t)mem, size},
                                  .mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP};
    if (ioctl(uffd, UFFDIO_REGISTER, &reg)) die("UFFDIO_REGISTER");

    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    if (connect(s, (struct sockaddr *)&addr, sizeof addr)) die("connect");
    char json[256];
    int n = snprintf(json, sizeof json, "{\"base\":%lu,\"size\":%zu,\"pid\":%d}\n",
                     (unsigned long)mem, size, getpid());
    struct iovec iov = {json, (size_t)n};
    char ctl[CMSG_SPACE(2 * sizeof(int))] = {0};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(2 * sizeof(int));
    int fds[2] = {uffd, memfd};
    memcpy(CMSG_DATA(c), fds, sizeof fds);
    if (sendmsg(s, &msg, 0) != n) die("sendmsg");

    FILE *in = fdopen(dup(s), "r");
    char line[128];
    while (fgets(line, sizeof line, in)) {
        unsigned long page = 0; unsigned value = 0; char reply[64];
        if (line[0] == 'q') break;
        if (sscanf(line + 2, "%lu %u", &page, &value) < 1 || page >= pages) { dprintf(s, "bad\n"); continue; }
        volatile unsigned char *p = mem + page * 4096;
        if (line[0] == 'r') {
            unsigned long sum = 0;
            for (int j = 0; j < 4096; j++) sum = sum * 31 + p[j];
            snprintf(reply, sizeof reply, "ok %lu\n", sum);
        } else if (line[0] == 'w') {
            p[100] = (unsigned char)value;
            snprintf(reply, sizeof reply, "ok\n");
        } else {
            snprintf(reply, sizeof reply, "bad\n");
        }
        if (write(s, reply, strlen(reply)) < 0) die("write");
    }
    return 0;
}
