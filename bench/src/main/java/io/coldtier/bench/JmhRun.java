package io.coldtier.bench;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.regex.Pattern;

/**
 * Runs one {@link NativeBenchmarks} method at a time through the JMH Runner API, so the caller can
 * print progress between them; JMH's own chatter goes to a log file instead of the console.
 *
 * <p>Forked JVMs get the host's {@code java.class.path}, so the host must be started with
 * {@code java -cp <bench classes and every runtime jar>} (not {@code -jar}, not a module path).
 */
final class JmhRun implements AutoCloseable {
    private final int warmups;
    private final int measurements;
    private final PrintStream log;

    JmhRun(int warmups, int measurements, Path logFile) throws IOException {
        this.warmups = warmups;
        this.measurements = measurements;
        this.log = new PrintStream(Files.newOutputStream(logFile), true, "UTF-8");
    }

    /** Rough wall time of one benchmark: its iterations plus fork start-up and the 1 GiB setup. */
    int estimatedSeconds() {
        return warmups + measurements + 3;
    }

    Figure run(String method) throws RunnerException {
        String name = NativeBenchmarks.class.getName() + "." + method;
        var options = new OptionsBuilder()
                .include("^" + Pattern.quote(name) + "$")
                .forks(1)
                .warmupIterations(warmups)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(measurements)
                .measurementTime(TimeValue.seconds(1))
                .shouldFailOnError(true)
                .build();
        // Runner closes its output when done; the log is shared by all runs, so shield it.
        var format = OutputFormatFactory.createFormatInstance(new PrintStream(unclosable(log), true), VerboseMode.NORMAL);
        Collection<RunResult> results = new Runner(options, format).run();
        if (results.size() != 1) {
            throw new RunnerException("expected one result for " + name + ", got " + results.size());
        }
        Result<?> primary = results.iterator().next().getPrimaryResult();
        String unit = primary.getScoreUnit().replace("/op", "");
        return Figure.of(primary.getScore(), primary.getScoreError(), unit);
    }

    private static OutputStream unclosable(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }

    @Override
    public void close() {
        log.close();
    }
}
