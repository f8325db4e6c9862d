package io.coldtier.cli;

import io.coldtier.bus.EmbeddedKafka;
import io.coldtier.cli.ServiceConfig.Common;
import io.coldtier.cli.ServiceConfig.ConfigException;
import io.coldtier.cli.ops.Logfmt;
import io.coldtier.cli.ops.MetricsEndpoint;
import io.micrometer.core.instrument.MeterRegistry;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * What the long-running service commands share: {@code --config} + flag layering, logfmt logging, the optional
 * embedded broker, the /metrics + /health endpoint, and a lifecycle usable from a shell (runs until
 * SIGTERM/SIGINT) and programmatically ({@link #start()} / {@link #stop()}).
 *
 * @param <C> the service's validated configuration record
 */
public abstract class ServiceCommand<C> implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Java properties file with the config keys listed below; flags override it.")
    Path configFile;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "Kafka cluster (key bootstrap.servers). Required unless --embedded-broker.")
    String bootstrapServers;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Port of GET /metrics (Prometheus) and GET /health (key metrics.port; 0 = ephemeral).")
    String metricsPort;

    @Option(names = "--embedded-broker",
            description = "Start an in-process single-node Kafka (KRaft) and use it, to try this service alone"
                    + " (key embedded.broker). Its data is deleted at exit.")
    Boolean embeddedBroker;

    @Option(names = "--log-level", paramLabel = "LEVEL",
            description = "error, warn, info, debug or trace (key log.level; default info).")
    String logLevel;

    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private volatile boolean running;
    private EmbeddedKafka broker;
    private MetricsEndpoint metrics;
    private AutoCloseable service;
    private C config;
    private Thread hook;

    /** Name used in logs ("tier-store", ...). */
    protected abstract String serviceName();

    /** This command's own flags as config key → raw value (null = not given). */
    protected abstract void serviceFlags(Map<String, String> flags);

    protected abstract C parse(Map<String, String> raw);

    protected abstract Common common(C config);

    /** Starts the service on {@code bootstrapServers}; its meters go to {@code registry}. */
    protected abstract AutoCloseable startService(C config, String bootstrapServers, MeterRegistry registry)
            throws Exception;

    /** One line describing what runs, logged after start. */
    protected abstract String describe(C config, AutoCloseable service);

    protected Logger log() {
        return Logger.getLogger(getClass().getName());
    }

    /** Flags and file merged and validated, without starting anything. */
    public C resolveConfig() {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put(ServiceConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        flags.put(ServiceConfig.METRICS_PORT, metricsPort);
        flags.put(ServiceConfig.EMBEDDED_BROKER, embeddedBroker == null ? null : embeddedBroker.toString());
        flags.put(ServiceConfig.LOG_LEVEL, logLevel);
        serviceFlags(flags);
        try {
            return parse(ServiceConfig.layer(configFile, flags));
        } catch (ConfigException e) {
            if (spec != null) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            throw e;
        }
    }

    @Override
    public Integer call() throws Exception {
        C c = resolveConfig();
        Logfmt.install(common(c).logLevel());
        hook = Thread.ofPlatform().name(serviceName() + "-shutdown").unstarted(this::stop);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            start(c);
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
        stopped.await();
        return 0;
    }

    /** Validates the configuration and starts broker (if asked), service and metrics endpoint; returns when up. */
    public void start() throws Exception {
        start(resolveConfig());
    }

    private synchronized void start(C c) throws Exception {
        if (running || stopping.get()) {
            throw new IllegalStateException(serviceName() + " already started");
        }
        this.config = c;
        Common common = common(c);
        String bootstrap = common.bootstrapServers();
        if (common.embeddedBroker()) {
            broker = EmbeddedKafka.start();
            bootstrap = broker.bootstrapServers();
            log().info(() -> "embedded Kafka broker started at " + broker.bootstrapServers());
        }
        metrics = new MetricsEndpoint(common.metricsBind(), common.metricsPort(), this::healthy);
        service = startService(c, bootstrap, metrics.registry());
        running = true;
        String what = describe(c, service);
        log().info(() -> serviceName() + " started: " + what + " metrics=http://" + common.metricsBind() + ":"
                + metrics.port() + "/metrics kafka=" + (broker != null ? "embedded:" : "") + broker());
        started.countDown();
    }

    private String broker() {
        return broker != null ? broker.bootstrapServers() : common(config).bootstrapServers();
    }

    /** Healthy while started and not stopping (and the embedded broker, if any, runs). */
    public boolean healthy() {
        return running && !stopping.get() && (broker == null || broker.running());
    }

    /** Closes service, metrics endpoint and embedded broker, in that order. Idempotent; safe from any thread. */
    public void stop() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        try {
            synchronized (this) {
                running = false;
                closeQuietly("service", service);
                closeQuietly("metrics endpoint", metrics);
                closeQuietly("embedded broker", broker);
            }
            log().info(() -> serviceName() + " stopped");
        } finally {
            stopped.countDown();
            Thread h = hook;
            if (h != null && Thread.currentThread() != h) {
                try {
                    Runtime.getRuntime().removeShutdownHook(h);
                } catch (IllegalStateException shuttingDown) {
                    // the JVM is exiting; the hook runs stop(), which returns at once
                }
            }
        }
    }

    private void closeQuietly(String what, AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            log().log(java.util.logging.Level.WARNING, "closing the " + what + " of " + serviceName() + " failed", e);
        }
    }

    /** Waits until {@link #start()} (or {@code call()}) has brought everything up. */
    public boolean awaitStarted(Duration timeout) throws InterruptedException {
        return started.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Bound port of /metrics and /health; valid after start. */
    public int metricsPort() {
        return metrics.port();
    }

    /** Kafka bootstrap servers in use (the embedded broker's if any); valid after start. */
    public String bootstrapServersInUse() {
        return broker();
    }

    /** The running service; valid after start. */
    protected AutoCloseable service() {
        return service;
    }

    public C config() {
        return config;
    }
}
