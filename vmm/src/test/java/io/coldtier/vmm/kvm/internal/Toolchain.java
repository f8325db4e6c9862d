package io.coldtier.vmm.kvm.internal;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs the machine's gcc/binutils for tests that check hand-written encodings against them. */
final class Toolchain {
    record Run(int exitCode, String output) {}

    private Toolchain() {}

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Path.of(dir, tool).toFile().canExecute()) {
                return true;
            }
        }
        return false;
    }

    static Run run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Run(-1, "timed out: " + String.join(" ", command));
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
