package io.coldtier.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The demo's services yield the CPU to the guest, as a host runs its background tiering below its vCPUs. On a
 * 2-CPU host the vCPU thread otherwise competes with the demo's own JVM (LZ4, Kafka, RocksDB) while the bulk of
 * the guest is evicted. Linux nice values are per thread and inherited at creation, so the calling thread is
 * reniced before it starts any service (every thread the services create inherits it), and the guest's processes
 * are started back at nice 0 ({@code nice -n -N}, which needs root: without it nothing is changed at all, so the
 * guest and the services keep competing as equals).
 */
final class Niceness {
    /** How far below the guest the services run. */
    static final int SERVICES = 10;

    private Niceness() {}

    /** Renices the calling thread to {@link #SERVICES}; returns whether it did (root only). */
    static boolean lowerCallingThread() {
        if (!isRoot()) {
            return false;
        }
        try {
            String self = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString(); // "<pid>/task/<tid>"
            String tid = self.substring(self.lastIndexOf('/') + 1);
            Process p = new ProcessBuilder("renice", Integer.toString(SERVICES), "-p", tid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | RuntimeException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The prefix that starts a guest process back at nice 0 from a thread at {@link #SERVICES}. */
    static List<String> guestPrefix(boolean lowered) {
        return lowered ? List.of("nice", "-n", Integer.toString(-SERVICES)) : List.of();
    }

    private static boolean isRoot() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
