package io.coldtier.bench.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The guest workload as a child process: {@code peer_guest.c} (a classpath resource) built with gcc at run time.
 * The child waits on stdin before allocating so the parent can place it in a cgroup first, prints its figures,
 * then waits again so the parent can read the cgroup's memory.stat while the memory is still charged.
 */
final class PeerGuest {
    static final String SOURCE = "peer_guest.c";

    /** Guest parameters: hotPercent of the pages take hotAccessPercent of the accesses; slower accesses are timed. */
    record Params(long bytes, double seconds, int hotPercent, int hotAccessPercent, long slowNs) {}

    /** The guest exited before reporting, e.g. killed by the memcg OOM killer (exit status 137). */
    static final class Died extends RuntimeException {
        final int exitStatus;

        Died(int exitStatus) {
            super("peer_guest exited with " + exitStatus + " before reporting"
                    + (exitStatus == 137 ? " (SIGKILL: memcg OOM kill?)" : ""));
            this.exitStatus = exitStatus;
        }
    }

    private PeerGuest() {}

    static Path compile(Path dir) throws IOException {
        Path src = dir.resolve(SOURCE);
        try (InputStream in = PeerGuest.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException(SOURCE + " missing from the classpath");
            }
            Files.copy(in, src);
        }
        Path bin = dir.resolve("peer_guest");
        Sys.run(List.of("gcc", "-O2", "-o", bin.toString(), src.toString()));
        return bin;
    }

    /**
     * Runs the guest; {@code placeIn} gets its pid before it allocates (no-op for the baseline), {@code atEnd}
     * runs after the figures, while the memory is still held. Returns the guest's key/value figures.
     */
    static Map<String, Long> run(Path binary, Params p, LongConsumer placeIn, Runnable atEnd) throws IOException {
        Process proc = new ProcessBuilder(binary.toString(), Long.toString(p.bytes()), Double.toString(p.seconds()),
                Integer.toString(p.hotPercent()), Integer.toString(p.hotAccessPercent()), Long.toString(p.slowNs()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Thread killer = new Thread(proc::destroyForcibly);
        Runtime.getRuntime().addShutdownHook(killer);
        try (OutputStream stdin = proc.getOutputStream();
             BufferedReader out = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            placeIn.accept(proc.pid());
            stdin.write("go\n".getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
            StringBuilder text = new StringBuilder();
            boolean ready = false;
            for (String line; (line = out.readLine()) != null; ) {
                if (line.equals("ready")) {
                    ready = true;
                    break;
                }
                text.append(line).append('\n');
            }
            if (!ready) {
                throw new Died(proc.waitFor());
            }
            atEnd.run();
            stdin.write("bye\n".getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
            int rc = proc.waitFor();
            if (rc != 0) {
                throw new IllegalStateException("peer_guest exited with " + rc + (rc == 137 ? " (OOM-killed?)" : "")
                        + ": " + text.toString().strip());
            }
            return Sys.keyValues(text.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            proc.destroyForcibly();
            try {
                proc.waitFor();
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IllegalStateException ignored) {
                // shutting down already
            }
        }
    }
}
