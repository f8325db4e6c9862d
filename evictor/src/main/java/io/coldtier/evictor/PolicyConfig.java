package io.coldtier.evictor;

import io.coldtier.evictor.policy.Policies;

import java.util.Map;
import java.util.Objects;

/**
 * Which policy each VM gets: a default spec and per-VM overrides (vm id → spec). Every spec is
 * parsed here, so a bad configuration fails at startup with the offending VM and spec named rather
 * than at the VM's first scan.
 *
 * @param defaultSpec spec for VMs without an override, e.g. {@code idle-age:cycles=3}
 * @param overrides   vm id → spec
 */
public record PolicyConfig(String defaultSpec, Map<String, String> overrides) {
    public PolicyConfig {
        Objects.requireNonNull(defaultSpec, "defaultSpec");
        overrides = Map.copyOf(overrides);
        Policies.create(defaultSpec);
        overrides.forEach((vm, spec) -> {
            try {
                Policies.create(spec);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("policy override for VM '" + vm + "': " + e.getMessage(), e);
            }
        });
    }

    /** Every VM gets the same policy. */
    public static PolicyConfig of(String defaultSpec) {
        return new PolicyConfig(defaultSpec, Map.of());
    }

    public String specFor(String vmId) {
        return overrides.getOrDefault(vmId, defaultSpec);
    }
}
