package io.coldtier.cli.ops;

import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Structured logs for every coldtier process: one logfmt line per event on stderr
 * ({@code ts=… level=… logger=… thread=… msg="…"}), greppable by field and parseable by log
 * shippers. Everything logs through java.util.logging: our code directly, Kafka and friends via
 * slf4j-jdk14. Kafka is kept at WARN (it logs thousands of INFO lines per broker start).
 */
public final class Logfmt extends Formatter {
    /**
     * Strong references: JUL holds loggers weakly, so a level set on a logger nobody else references yet would be
     * lost at the next GC (and Kafka's INFO flood would come back).
     */
    private static final java.util.List<Logger> PINNED = new java.util.concurrent.CopyOnWriteArrayList<>();

    private Logfmt() {}

    /**
     * A LogManager that ignores the JDK's reset-at-shutdown, so shutdown hooks (a service's "stopped" line) can
     * still log. Selected with {@code -Djava.util.logging.manager=io.coldtier.cli.ops.Logfmt$Manager}, which
     * {@link #useShutdownSafeManager()} sets before JUL initialises.
     */
    public static final class Manager extends LogManager {
        @Override
        public void reset() {
            if (!shuttingDown()) {
                super.reset();
            }
        }

        private static boolean shuttingDown() {
            Thread probe = new Thread(() -> {});
            try {
                Runtime.getRuntime().addShutdownHook(probe);
                Runtime.getRuntime().removeShutdownHook(probe);
                return false;
            } catch (IllegalStateException e) {
                return true;
            }
        }
    }

    /** Call first thing in {@code main}, before anything touches java.util.logging. */
    public static void useShutdownSafeManager() {
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", Manager.class.getName());
        }
    }

    /** Installs the formatter on the root logger at {@code level}. Idempotent. */
    public static void install(Level level) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        Handler h = new ConsoleHandler();
        h.setFormatter(new Logfmt());
        h.setLevel(Level.ALL);
        root.addHandler(h);
        root.setLevel(level);
        for (String noisy : new String[] {"org.apache.kafka", "kafka", "org.apache.zookeeper", "state.change.logger"}) {
            Logger l = Logger.getLogger(noisy);
            l.setLevel(Level.WARNING);
            PINNED.add(l);
        }
    }

    @Override
    public String format(LogRecord r) {
        StringBuilder sb = new StringBuilder(160);
        sb.append("ts=").append(Instant.ofEpochMilli(r.getMillis()))
                .append(" level=").append(r.getLevel().getName().toLowerCase(java.util.Locale.ROOT))
                .append(" logger=").append(r.getLoggerName())
                .append(" thread=").append(quote(Thread.currentThread().getName()))
                .append(" msg=").append(quote(formatMessage(r)));
        if (r.getThrown() != null) {
            sb.append(" error=").append(quote(String.valueOf(r.getThrown())));
        }
        sb.append('\n');
        if (r.getThrown() != null) {
            java.io.StringWriter sw = new java.io.StringWriter();
            r.getThrown().printStackTrace(new java.io.PrintWriter(sw));
            sb.append(sw);
        }
        return sb.toString();
    }

    static String quote(String s) {
        if (s == null) {
            return "\"\"";
        }
        boolean plain = !s.isEmpty() && s.chars().allMatch(c -> c > ' ' && c != '"' && c != '=' && c < 127);
        return plain ? s : '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }
}
