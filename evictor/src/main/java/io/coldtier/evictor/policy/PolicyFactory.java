package io.coldtier.evictor.policy;

import java.util.function.Function;

/**
 * How {@link Policies} builds one kind of policy from its spec.
 *
 * @param name   the spec name, e.g. {@code budget}
 * @param usage  the accepted form, shown in error messages
 * @param create builds a fresh instance (one per VM) or throws {@link IllegalArgumentException}
 */
public record PolicyFactory(String name, String usage, Function<PolicySpec, EvictionPolicy> create) {
}
