package io.coldtier.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The "VMM" side of {@link ScmRightsIT}, run in its own JVM: creates guest memory and a uffd,
 * registers MISSING, hands both descriptors to the parent over SCM_RIGHTS, then reads page 0,
 * which faults and blocks until the parent's UFFDIO_COPY fills it. Prints {@code OK <first 8
 * bytes as hex>} and exits 0, or prints the failure and exits 1. Nothing in this JVM resolves
 * faults, so the blocked memcpy cannot deadlock a safepoint here either.
 */
public final class ScmRightsChild {
    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        long page = 4096;
        try (Memfd memfd = Memfd.create("scm-child", 4 * page);
             Mapping m = Mapping.shared(memfd.fd(), 4 * page, 0);
             Userfaultfd uffd = Userfaultfd.open(UffdOpenMode.SYSCALL, 0, 0);
             UnixSocket s = UnixSocket.connect(socket);
             Arena arena = Arena.ofConfined()) {
            uffd.register(m.address(), 4 * page, Userfaultfd.REGISTER_MODE_MISSING);
            s.send(("{\"base\":" + m.address() + ",\"size\":" + 4 * page + "}").getBytes(StandardCharsets.UTF_8),
                    uffd.fd(), memfd.fd());
            MemorySegment dst = arena.allocate(page, page);
            Libc.memcpy(dst.address(), m.address(), page); // faults; the parent resolves it
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                hex.append(String.format("%02x", dst.get(ValueLayout.JAVA_BYTE, i)));
            }
            System.out.println("OK " + hex);
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }
}
