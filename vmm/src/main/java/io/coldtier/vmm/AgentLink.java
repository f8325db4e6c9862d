package io.coldtier.vmm;

import io.coldtier.handover.HandOverClient;
import io.coldtier.handover.HandOverRejectedException;
import io.coldtier.handover.Message;
import io.coldtier.handover.Protocol;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Keeps the VM handed over to an agent: connects, sends the hello with the uffd and memfd, and when the connection
 * ends (the agent was killed, restarted, or refused with a retryable code) connects again with exponential backoff
 * (100 ms up to {@link VmmConfig#maxBackoff()}) and re-sends the same hello, on the platform thread
 * {@code vmm-agent-link}. Meanwhile the guest keeps running; a vCPU that touches an evicted page waits in the kernel
 * until the next agent has recovered the page map and answers. A rejection that is not retryable (the hello is
 * wrong) stops the link and is reported as fatal.
 */
public final class AgentLink implements AutoCloseable {
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration VERDICT_TIMEOUT = Duration.ofSeconds(60);

    private final Path socket;
    private final Message.Hello hello;
    private final VmmMemory memory;
    private final Duration maxBackoff;
    private final Consumer<String> log;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicReference<HandOverClient> current = new AtomicReference<>();
    private final AtomicReference<HandOverRejectedException> fatal = new AtomicReference<>();
    private final CountDownLatch firstAttach = new CountDownLatch(1);
    private final LongAdder attachments = new LongAdder();
    private final LongAdder disconnects = new LongAdder();
    private final LongAdder zapsServed = new LongAdder();
    private final AtomicReference<Long> recoveredOnLastAttach = new AtomicReference<>(0L);
    private final Thread thread;

    private AgentLink(VmmConfig config, VmmMemory memory, Consumer<String> log) {
        this.socket = config.agentSocket();
        this.memory = memory;
        this.maxBackoff = config.maxBackoff();
        this.log = log;
        this.hello = new Message.Hello(Protocol.VERSION, config.vmId(), java.util.List.of(memory.region()),
                memory.registered(), config.serveZap() ? Set.of(Protocol.CAP_ZAP) : Set.of());
        this.thread = Thread.ofPlatform().name("vmm-agent-link").daemon(true).unstarted(this::loop);
    }

    /** Starts connecting in the background. */
    public static AgentLink start(VmmConfig config, VmmMemory memory, Consumer<String> log) {
        AgentLink l = new AgentLink(config, memory, log);
        l.thread.start();
        return l;
    }

    private void loop() {
        Duration backoff = FIRST_BACKOFF;
        String lastFailure = null;
        while (!stopping.get()) {
            try {
                HandOverClient c = HandOverClient.connect(socket, hello, memory.uffdFd(), new int[] {memory.memfdFd()},
                        VERDICT_TIMEOUT, hello.capabilities().isEmpty() ? null : ranges -> {
                            memory.zap(ranges);
                            zapsServed.increment();
                        });
                current.set(c);
                attachments.increment();
                recoveredOnLastAttach.set(c.accepted().recoveredPages());
                log.accept("handed over to " + c.accepted().agentId() + " (attachment " + attachments.sum()
                        + ", arm by " + c.accepted().zap() + ", " + c.accepted().recoveredPages()
                        + " evicted pages recovered)");
                firstAttach.countDown();
                backoff = FIRST_BACKOFF;
                lastFailure = null;
                String why = c.closed().get();
                current.set(null);
                if (stopping.get()) {
                    return;
                }
                disconnects.increment();
                log.accept("agent connection lost (" + why + "): evicted pages wait for the next agent; reconnecting");
            } catch (HandOverRejectedException e) {
                if (!e.retryable()) {
                    fatal.set(e);
                    log.accept("FATAL: " + e.getMessage());
                    firstAttach.countDown();
                    return;
                }
                lastFailure = report(lastFailure, e.getMessage());
            } catch (InterruptedException e) {
                return;
            } catch (ExecutionException | RuntimeException e) {
                lastFailure = report(lastFailure, String.valueOf(e.getMessage()));
            }
            sleep(backoff);
            backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
        }
    }

    /** Logs a failure once, not on every retry. */
    private String report(String last, String now) {
        if (!now.equals(last)) {
            log.accept("no agent yet (" + now + "); retrying with backoff");
        }
        return now;
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for the first accepted hand-over; false on timeout. Throws if the agent rejected the hello for good. */
    public boolean awaitFirstAttach(Duration timeout) throws InterruptedException {
        boolean ok = firstAttach.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (fatal.get() != null) {
            throw fatal.get();
        }
        return ok;
    }

    public boolean attached() {
        return current.get() != null;
    }

    public long attachments() {
        return attachments.sum();
    }

    public long disconnects() {
        return disconnects.sum();
    }

    public long zapsServed() {
        return zapsServed.sum();
    }

    public long recoveredOnLastAttach() {
        return recoveredOnLastAttach.get();
    }

    /**
     * Ends the hand-over before the VMM exits: goodbye "exiting" (the agent restores nothing and forgets the VM once
     * this process is gone), then stops reconnecting. Best effort: with no agent attached it only stops the loop.
     */
    public void goodbyeExiting(Duration timeout) {
        stopping.set(true);
        HandOverClient c = current.get();
        if (c != null) {
            try {
                c.goodbye(Protocol.GOODBYE_EXITING, timeout);
            } catch (RuntimeException e) {
                log.accept("goodbye not answered: " + e.getMessage());
            }
        }
        close();
    }

    /** Stops reconnecting and drops the connection. Idempotent. */
    @Override
    public void close() {
        stopping.set(true);
        HandOverClient c = current.get();
        if (c != null) {
            c.close();
        }
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
