package io.coldtier.bench.peers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small helpers: sysfs/procfs reads and writes, running a binary, parsing {@code key value} files. */
final class Sys {
    private Sys() {}

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    static void write(Path p, String value) {
        try {
            Files.writeString(p, value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write '" + value + "' to " + p + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code cmd}; returns its output, or throws with it on a non-zero exit. */
    static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            int rc = p.waitFor();
            if (rc != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " exited with " + rc + ": " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd.getFirst() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + cmd, e);
        }
    }

    /**
     * Copies the C source {@code resource} (next to this class on the classpath, so the benchmark jar is
     * self-contained) into {@code dir} and builds it with {@code gcc -O2 -pthread}; returns the binary.
     */
    static Path compileC(Path dir, String resource) throws IOException {
        Path src = dir.resolve(resource);
        try (InputStream in = Sys.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the classpath (io/coldtier/bench/peers/)");
            }
            Files.copy(in, src);
        }
        Path bin = dir.resolve(resource.replaceFirst("\\.c$", ""));
        try {
            run(List.of("gcc", "-O2", "-pthread", "-o", bin.toString(), src.toString()));
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + (e.getCause() instanceof IOException
                    ? "; install gcc, e.g. apt-get install gcc" : ""), e);
        }
        return bin;
    }

    /** Deletes a temporary directory tree; best effort (null or missing: nothing to do). */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // temp dir; best effort
        }
    }

    /** Parses {@code key value} lines (memory.stat, /proc/vmstat, the guest's output); other lines are skipped. */
    static Map<String, Long> keyValues(String text) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 2) {
                try {
                    m.put(f[0], Math.round(Double.parseDouble(f[1])));
                } catch (NumberFormatException ignored) {
                    // not a figure
                }
            }
        }
        return m;
    }
}
