package io.coldtier.scanner;

import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.Registration;
import io.coldtier.linux.BackendSupport;
import io.coldtier.linux.KernelCapabilities;
import io.coldtier.linux.MemoryType;
import io.coldtier.linux.TrackingBackend;

import java.util.Optional;

/** Picks the tracking backend from the capability probe, or checks an explicit choice against it. */
public final class Trackers {
    private Trackers() {}

    /**
     * The backend to use for {@code memory}: {@code explicit} if given (failing with the kernel's
     * reason when it cannot be honoured), else the preferred one (rwp where offered, else zap).
     */
    public static TrackingBackend select(KernelCapabilities caps, MemoryType memory, Optional<TrackingBackend> explicit) {
        if (explicit.isPresent()) {
            BackendSupport s = caps.support(explicit.get(), memory);
            if (!s.available()) {
                throw new IllegalArgumentException("tracking backend " + explicit.get().id() + " cannot track "
                        + memory.label() + " memory here: " + s.reason());
            }
            return explicit.get();
        }
        return caps.preferred(memory).orElseThrow(() -> new IllegalArgumentException(
                "no tracking backend can track " + memory.label() + " memory here: rwp: "
                        + caps.support(TrackingBackend.RWP, memory).reason() + "; zap: "
                        + caps.support(TrackingBackend.ZAP, memory).reason()));
    }

    public static Registration registration(TrackingBackend b) {
        return b == TrackingBackend.RWP ? Registration.RWP : Registration.ZAP;
    }

    public static Tracker create(TrackingBackend b, GuestMemory memory) {
        return b == TrackingBackend.RWP ? new RwpTracker(memory) : new ZapTracker(memory);
    }
}
