package io.coldtier.linux;

/** Whether {@code backend} can track {@code memory} here; {@code reason} says why (or why not). */
public record BackendSupport(TrackingBackend backend, MemoryType memory, boolean available, String reason) {}
