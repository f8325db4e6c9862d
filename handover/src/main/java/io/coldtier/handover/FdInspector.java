package io.coldtier.handover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Read-only facts about a descriptor of this process, from {@code /proc/self/fd} and {@code /proc/self/fdinfo}:
 * what it is (the magic link's target), and for files their size and identity. Nothing here changes the
 * descriptor, so a hand-over can be judged without side effects.
 */
final class FdInspector {
    /** readlink target of a userfaultfd (fs/userfaultfd.c names its anon inode "[userfaultfd]"). */
    static final String USERFAULTFD_LINK = "anon_inode:[userfaultfd]";
    /** readlink target prefix of a memfd (mm/memfd.c: the file is "memfd:<name>" on the internal shm mount). */
    static final String MEMFD_LINK_PREFIX = "/memfd:";
    /** fdinfo of a uffd has "API:\t<api>:<features>:<ioctls>" once UFFDIO_API was done (fs/userfaultfd.c). */
    private static final Pattern API_LINE = Pattern.compile("(?m)^API:\\s*([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+)");
    /** fdinfo keeps the kernel-internal UFFD_FEATURE_INITIALIZED (1 << 31) in the features it shows. */
    private static final long FEATURE_INITIALIZED = 1L << 31;

    /** Identity and size of a file: st_dev, st_ino, st_size. */
    record FileId(long dev, long ino, long size) {
        /** Major number from st_dev, as glibc's gnu_dev_major computes it. */
        long major() {
            return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        }

        /** Minor number from st_dev, as glibc's gnu_dev_minor computes it. */
        long minor() {
            return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        }
    }

    private FdInspector() {}

    private static Path link(int fd) {
        return Path.of("/proc/self/fd/" + fd);
    }

    /** The magic link's target: "anon_inode:[userfaultfd]", "/memfd:guest (deleted)", "pipe:[123]", a path. */
    static String describe(int fd) {
        try {
            return Files.readSymbolicLink(link(fd)).toString();
        } catch (IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }

    /** stat(2) through the magic link, i.e. of the open file itself (fstat). */
    static FileId stat(int fd) throws IOException {
        Path p = link(fd);
        long dev = ((Number) Files.getAttribute(p, "unix:dev")).longValue();
        long ino = ((Number) Files.getAttribute(p, "unix:ino")).longValue();
        long size = ((Number) Files.getAttribute(p, "unix:size")).longValue();
        return new FileId(dev, ino, size);
    }

    /**
     * The UFFDIO_API features enabled on a userfaultfd, or -1 if UFFDIO_API has not been done on it (no API line
     * in fdinfo).
     */
    static long uffdFeatures(int fd) throws IOException {
        String info = Files.readString(Path.of("/proc/self/fdinfo/" + fd));
        Matcher m = API_LINE.matcher(info);
        if (!m.find()) {
            return -1;
        }
        return Long.parseUnsignedLong(m.group(2), 16) & ~FEATURE_INITIALIZED;
    }
}
