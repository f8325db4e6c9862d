package io.coldtier.bench;

import io.coldtier.linux.NativeException;
import io.coldtier.linux.UffdOpenMode;
import io.coldtier.linux.Userfaultfd;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** What every benchmark asks of the host it runs on: its load (recorded with each figure) and userfaultfd. */
public final class BenchHost {
    private BenchHost() {}

    /** The 1, 5 and 15 minute load averages, or "unknown": every figure here moves with the load. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** True (after saying why on {@code out}) when this process cannot open a userfaultfd. */
    public static boolean userfaultfdMissing(PrintStream out) {
        try {
            Userfaultfd.probe(UffdOpenMode.SYSCALL);
            return false;
        } catch (NativeException e) {
            out.println("error: userfaultfd unavailable (" + e.getMessage()
                    + "); run as root or set vm.unprivileged_userfaultfd=1");
            return true;
        }
    }
}
