package io.coldtier.bench.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The guest workload as a child process: {@code peer_guest.c} (a classpath resource) built with gcc at run time.
 * The child waits on stdin before allocating so the parent can place it in a cgroup first, prints its figures,
 * then waits again so the parent can read the cgroup's memory.stat while the memory is still charged.
 */
final class PeerGuest {
    static final String SOURCE = "peer_guest.c";

    /**
     * Guest parameters: {@code hotPercent} of the pages take {@code hotAccessPpm} parts per million of the accesses
     * (the rest are uniform over all pages); {@code warmupSeconds} untimed, then {@code seconds} timed; accesses
     * slower than {@code slowNs} are kept for the percentiles.
     */
    record Params(long bytes, double seconds, double warmupSeconds, int hotPercent, int hotAccessPpm, long slowNs) {
        List<String> args() {
            return List.of(Long.toString(bytes), Double.toString(seconds), Double.toString(warmupSeconds),
                    Integer.toString(hotPercent), Integer.toString(hotAccessPpm), Long.toString(slowNs));
        }
    }

    /** Where the guest hands its memory over (coldtier's agent socket) and under which VM id. */
    record HandOver(Path socket, String vmId) {}

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

    /** One line to the guest; synchronized because the warm-up's end may be sent from another thread. */
    private static void send(OutputStream stdin, String line) {
        synchronized (stdin) {
            try {
                stdin.write(line.getBytes(StandardCharsets.US_ASCII));
                stdin.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("writing to peer_guest: " + e.getMessage(), e);
            }
        }
    }

    static Path compile(Path dir) throws IOException {
        return Sys.compileC(dir, SOURCE);
    }

    /**
     * Runs the guest; {@code placeIn} gets its pid before it allocates (no-op for the baseline), {@code atEnd}
     * runs after the figures, while the memory is still held (and still handed over, with {@code handOver}).
     * Returns the guest's key/value figures.
     */
    static Map<String, Long> run(Path binary, Params p, HandOver handOver, LongConsumer placeIn, Runnable atEnd)
            throws IOException {
        return run(binary, p, handOver, placeIn, atEnd, start -> { });
    }

    /**
     * As above; {@code onAttached} runs when the guest reports that the agent accepted its hand-over, with an action
     * that ends the guest's warm-up now (it may be run later, from any thread, at most once).
     */
    static Map<String, Long> run(Path binary, Params p, HandOver handOver, LongConsumer placeIn, Runnable atEnd,
                                 Consumer<Runnable> onAttached) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binary.toString()));
        cmd.addAll(p.args());
        if (handOver != null) {
            cmd.add(handOver.socket().toString());
            cmd.add(handOver.vmId());
        }
        Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Thread killer = new Thread(proc::destroyForcibly);
        Runtime.getRuntime().addShutdownHook(killer);
        try (OutputStream stdin = proc.getOutputStream();
             BufferedReader out = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            placeIn.accept(proc.pid());
            send(stdin, "go\n");
            StringBuilder text = new StringBuilder();
            boolean ready = false;
            for (String line; (line = out.readLine()) != null; ) {
                if (line.equals("ready")) {
                    ready = true;
                    break;
                }
                if (line.equals("attached")) {
                    onAttached.accept(() -> send(stdin, "start\n"));
                }
                text.append(line).append('\n');
            }
            if (!ready) {
                throw new Died(proc.waitFor());
            }
            atEnd.run();
            send(stdin, "bye\n");
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
