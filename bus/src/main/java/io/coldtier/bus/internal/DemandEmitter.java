package io.coldtier.bus.internal;

import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Sinks.EmitResult;

/**
 * {@code tryEmitNext} over a {@link FluxSink}: emits only what downstream asked for and says why
 * not otherwise, with the {@link EmitResult} vocabulary of {@code Sinks}, so the caller decides
 * what each case means instead of relying on the sink's overflow strategy.
 *
 * <ul>
 *   <li>{@code FAIL_OVERFLOW}: no outstanding demand; the element was not emitted.</li>
 *   <li>{@code FAIL_NON_SERIALIZED}: called from a thread other than the owner. Cannot happen when
 *       the single owner thread is the only emitter; reported rather than risking a concurrent
 *       {@code onNext}.</li>
 *   <li>{@code FAIL_CANCELLED}: downstream cancelled.</li>
 *   <li>{@code FAIL_TERMINATED}: {@link #complete()} or {@link #error} already happened.</li>
 * </ul>
 * Not thread-safe apart from the owner check: only the owner thread may call it.
 */
public final class DemandEmitter<T> {
    private final FluxSink<T> sink;
    private final Thread owner;
    private boolean terminated;

    public DemandEmitter(FluxSink<T> sink, Thread owner) {
        this.sink = sink;
        this.owner = owner;
    }

    public EmitResult tryEmitNext(T value) {
        if (Thread.currentThread() != owner) {
            return EmitResult.FAIL_NON_SERIALIZED;
        }
        if (terminated) {
            return EmitResult.FAIL_TERMINATED;
        }
        if (sink.isCancelled()) {
            return EmitResult.FAIL_CANCELLED;
        }
        if (sink.requestedFromDownstream() <= 0) {
            return EmitResult.FAIL_OVERFLOW;
        }
        sink.next(value);
        return EmitResult.OK;
    }

    /** Outstanding demand (Long.MAX_VALUE when unbounded). */
    public long demand() {
        return sink.requestedFromDownstream();
    }

    public boolean cancelled() {
        return sink.isCancelled();
    }

    public boolean terminated() {
        return terminated;
    }

    public EmitResult complete() {
        if (terminated) {
            return EmitResult.FAIL_TERMINATED;
        }
        terminated = true;
        sink.complete();
        return EmitResult.OK;
    }

    public EmitResult error(Throwable t) {
        if (terminated) {
            return EmitResult.FAIL_TERMINATED;
        }
        terminated = true;
        sink.error(t);
        return EmitResult.OK;
    }
}
