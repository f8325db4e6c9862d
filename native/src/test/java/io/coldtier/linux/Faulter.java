package io.coldtier.linux;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A platform thread that touches guest memory through a native call and may block in the kernel
 * on a userfaultfd fault. Tests resolve the fault from their own thread and then check
 * {@link #awaitDone}. Accesses go through libc (memcpy/memset), never plain Java accesses, so a
 * GC safepoint in the resolving JVM cannot deadlock against the blocked thread.
 */
final class Faulter implements AutoCloseable {
    private final Thread thread;
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile int tid;

    private Faulter(String name, Runnable access) {
        thread = Thread.ofPlatform().name(name).daemon(true).unstarted(() -> {
            tid = Libc.gettid();
            try {
                access.run();
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                done.countDown();
            }
        });
    }

    static Faulter start(String name, Runnable access) {
        Faulter f = new Faulter(name, access);
        f.thread.start();
        return f;
    }

    /** Reads {@code len} bytes at {@code src} into {@code dst} with memcpy. */
    static Faulter read(long src, long dst, long len) {
        return start("faulter-read", () -> Libc.memcpy(dst, src, len));
    }

    /** Writes {@code value} over {@code len} bytes at {@code dst} with memset. */
    static Faulter write(long dst, int value, long len) {
        return start("faulter-write", () -> Libc.memset(dst, value, len));
    }

    boolean awaitDone(Duration timeout) throws InterruptedException {
        boolean finished = done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (finished && failure.get() != null) {
            throw new AssertionError("faulting thread failed", failure.get());
        }
        return finished;
    }

    boolean isDone() {
        return done.getCount() == 0;
    }

    int tid() {
        return tid;
    }

    @Override
    public void close() {
        // A thread still blocked on a fault is a daemon; the test's uffd close wakes it.
    }
}
