package io.coldtier.scanner;

import io.coldtier.faultsource.FreezeControl;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.Registration;
import io.coldtier.linux.TrackingBackend;
import org.roaringbitmap.RoaringBitmap;

/**
 * A working-set tracking backend. One cycle calls, per region: {@link #arm}, (interval),
 * {@link #beginFreeze}, {@link #hotScan}, then the eviction with {@link #freezeControl}, then
 * {@link #resume}.
 */
public interface Tracker extends AutoCloseable {
    TrackingBackend backend();

    /** How guest memory must be registered for this backend. */
    Registration registration();

    /** Starts an interval: from now on the kernel notes each page's first access. */
    void arm(GuestRegion r);

    /** Called right before the hot scan (rwp: switch to sync so traps wait; zap: nothing). */
    void beginFreeze(GuestRegion r);

    /** The pages of {@code r} accessed since {@link #arm}. */
    RoaringBitmap hotScan(GuestRegion r);

    /** How victims are frozen during an eviction. */
    FreezeControl freezeControl();

    /** Ends the freeze (rwp: back to async). */
    void resume(GuestRegion r);

    /** One line for reports: backend, memory, arm method. */
    String describe();

    @Override
    void close();
}
