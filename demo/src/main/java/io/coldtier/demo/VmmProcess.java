package io.coldtier.demo;

import io.coldtier.vmm.BaselineRun;
import io.coldtier.vmm.VmmReport;
import tools.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code coldtier vmm} process of the demo: its own JVM ({@link VmmMain}, this JVM's classpath and JDK), exactly
 * as a production VMM would be a process of its own. It owns the guest memory and hands it to the demo's agent host.
 * Its stdout is parsed line by line (baseline, hand-over, one progress line a second, the final JSON report) and
 * copied to {@code vmm.log}. Owns the process: {@link #close()} stops it if it is still running (idempotent).
 */
final class VmmProcess implements AutoCloseable {
    /** {@code vmm vm-1: t=3.0s ops=12345 (+4100) errors=0 agent=attached attachments=1}. */
    private static final Pattern PROGRESS = Pattern.compile("t=([0-9.]+)s ops=(\\d+) \\(\\+\\d+\\) errors=(\\d+)");

    /** One progress line: when this JVM read it, the guest's ops and errors so far. */
    record Progress(long readNanos, double vmmSeconds, long ops, long errors) {}

    private final Process process;
    private final Thread pump;
    private final PrintWriter log;
    private final List<Progress> progress = new CopyOnWriteArrayList<>();
    private volatile double baselineOpsPerSecond = Double.NaN;
    private volatile double baselineAfterOpsPerSecond = Double.NaN;
    private volatile boolean handedOver;
    private volatile boolean stopping;
    /** When the VMM said it stops its guest (its final verification follows); null before. */
    private volatile java.time.Instant stoppingAt;
    private volatile String reportLine;
    private volatile String lastLine = "";

    private VmmProcess(Process process, PrintWriter log) {
        this.process = process;
        this.log = log;
        this.pump = Thread.ofPlatform().name("demo-vmm-output").daemon(true).start(this::pump);
    }

    /**
     * Starts {@code main} (VmmMain, or BaselineRun for the second untracked window) with {@code args}.
     *
     * @param prefix what the command runs under, e.g. {@code nice -n -10} (empty for nothing)
     */
    static VmmProcess start(List<String> prefix, Class<?> main, List<String> args, Path logFile) {
        String java = System.getenv().getOrDefault("COLDTIER_JAVA",
                ProcessHandle.current().info().command().orElse("java"));
        // Small heap and SerialGC: the guest memory is a memfd outside the heap, and the VMM's JVM should take as
        // little CPU from the guest's vCPU thread as it can on a 2-CPU host.
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                main.getName()));
        cmd.addAll(args);
        try {
            PrintWriter log = new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8), true);
            log.println("# " + String.join(" ", cmd.subList(0, prefix.size() + 4)) + " ... " + String.join(" ", args));
            return new VmmProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the VMM process", e);
        }
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                log.println(line);
                lastLine = line;
                accept(line);
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    private void accept(String line) {
        if (line.startsWith("{")) {
            reportLine = line;
            return;
        }
        double b = BaselineRun.parseOpsPerSecond(line, BaselineRun.BEFORE);
        if (!Double.isNaN(b)) {
            baselineOpsPerSecond = b;
            return;
        }
        double after = BaselineRun.parseOpsPerSecond(line, BaselineRun.AFTER);
        if (!Double.isNaN(after)) {
            baselineAfterOpsPerSecond = after;
            return;
        }
        if (line.contains("handed over to")) {
            handedOver = true;
        }
        if (line.contains("stopping the guest")) {
            stoppingAt = java.time.Instant.now();
            stopping = true; // ReferenceVmm's line when --duration is over: what follows is the verification
        }
        Matcher m = PROGRESS.matcher(line);
        if (m.find()) {
            progress.add(new Progress(System.nanoTime(), Double.parseDouble(m.group(1)), Long.parseLong(m.group(2)),
                    Long.parseLong(m.group(3))));
        }
    }

    double baselineOpsPerSecond() {
        return baselineOpsPerSecond;
    }

    /** The second untracked window, after the tracked run (NaN until measured). */
    double baselineAfterOpsPerSecond() {
        return baselineAfterOpsPerSecond;
    }

    boolean handedOver() {
        return handedOver;
    }

    /** The guest's run is over (the VMM is verifying every page, or has exited). */
    /** When the guest stopped and the verification began, once it did. */
    Optional<java.time.Instant> stoppingAt() {
        return Optional.ofNullable(stoppingAt);
    }

    boolean stopping() {
        return stopping || !process.isAlive();
    }

    boolean alive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    String lastLine() {
        return lastLine;
    }

    /** Every progress line so far, oldest first. */
    List<Progress> progress() {
        return List.copyOf(progress);
    }

    Optional<Progress> latest() {
        return progress.isEmpty() ? Optional.empty() : Optional.of(progress.getLast());
    }

    /** Waits for the exit; empty if it is still running after {@code timeout}. */
    Optional<Integer> awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return Optional.empty();
        }
        pump.join(5000);
        return Optional.of(process.exitValue());
    }

    /** The final report, once the VMM printed it. */
    Optional<JsonNode> report() {
        String l = reportLine;
        return l == null ? Optional.empty() : Optional.of(VmmReport.parse(l));
    }

    /** SIGTERM, then SIGKILL after 20 s; idempotent. The VMM's own shutdown keeps its memory until it exits. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        pump.join(2000);
        log.close();
    }
}
