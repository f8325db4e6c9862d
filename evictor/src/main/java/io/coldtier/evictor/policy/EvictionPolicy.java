package io.coldtier.evictor.policy;

import io.coldtier.evictor.ScanInput;

/**
 * Decides, after each scan of a region has been applied to the VM's page ages, which resident pages
 * of that region to evict. One instance per VM (see {@link Policies#create}), so a policy may keep
 * per-VM state; it is called from one thread only.
 *
 * <p>Contract: decide from {@code vm} and {@code scan} alone (no clock, no randomness, no I/O), so
 * that replaying the same events reproduces the same decisions. Name only resident pages of
 * {@code region}; the evictor drops any other page a policy names.
 */
public interface EvictionPolicy {
    /** Short policy name as used in specs and commands, e.g. {@code idle-age}. */
    String name();

    /** The canonical spec this instance was built from, e.g. {@code idle-age:cycles=3}. */
    String spec();

    Decision decide(VmView vm, int region, ScanInput scan);
}
