package io.coldtier.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child JVM with this test's classpath and JDK (a VMM or an agent host as its own process), its output collected
 * line by line and echoed with a prefix.
 */
final class ChildJvm implements AutoCloseable {
    final String name;
    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread pump;

    private ChildJvm(String name, Process process) {
        this.name = name;
        this.process = process;
        this.pump = Thread.ofPlatform().name("child-" + name).daemon(true).start(this::pump);
    }

    static ChildJvm start(String name, String heap, Class<?> main, List<String> args) {
        String java = System.getenv().getOrDefault("COLDTIER_JAVA",
                ProcessHandle.current().info().command().orElse("java"));
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + heap, "-XX:+UseSerialGC",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.coldtier.schemas.avro",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(args);
        try {
            return new ChildJvm(name, new ProcessBuilder(cmd).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
                System.out.println("[" + name + "] " + line);
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    /** Waits until a line matches; fails after {@code timeout} or if the process exits first. */
    String awaitLine(Predicate<String> p, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (String l : lines) {
                if (p.test(l)) {
                    return l;
                }
            }
            if (!process.isAlive()) {
                pump.join(2000);
                for (String l : lines) {
                    if (p.test(l)) {
                        return l;
                    }
                }
                throw new AssertionError(name + " exited with " + process.exitValue() + " before the expected line");
            }
            Thread.sleep(50);
        }
        throw new AssertionError(name + ": expected line not seen within " + timeout);
    }

    /** Waits for the exit; returns the exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " still running after " + timeout);
        }
        pump.join(5000);
        return process.exitValue();
    }

    /** The last line of output (the VMM's JSON report). */
    String lastLine() {
        return lines.isEmpty() ? "" : lines.getLast();
    }

    /** SIGKILL: no shutdown hooks, no cleanup, exactly like a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
