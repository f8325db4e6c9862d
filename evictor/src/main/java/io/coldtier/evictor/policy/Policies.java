package io.coldtier.evictor.policy;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The policy registry: turns a spec such as {@code idle-age:cycles=3},
 * {@code budget:resident=40%}, {@code budget:resident=512MiB} or
 * {@code refault-slo:target=0.2%/min,min=2,max=20} into a fresh policy instance. To add a policy,
 * implement {@link EvictionPolicy}, give it a {@link PolicyFactory} and list it here.
 */
public final class Policies {
    private static final Map<String, PolicyFactory> KNOWN = new TreeMap<>();

    static {
        for (PolicyFactory f : List.of(IdleAgePolicy.FACTORY, BudgetPolicy.FACTORY, RefaultSloPolicy.FACTORY)) {
            KNOWN.put(f.name(), f);
        }
    }

    private Policies() {
    }

    /**
     * Builds a new policy instance (each VM gets its own: some policies keep per-VM state).
     *
     * @throws IllegalArgumentException for an unknown policy (the message lists the known ones) or
     *                                  a bad parameter (the message names it and its expected form)
     */
    public static EvictionPolicy create(String spec) {
        PolicySpec parsed = PolicySpec.parse(spec);
        PolicyFactory factory = KNOWN.get(parsed.name());
        if (factory == null) {
            throw new IllegalArgumentException("unknown policy '" + parsed.name() + "' in spec '" + parsed.text()
                    + "'; known policies: " + String.join(", ", known()));
        }
        return factory.create().apply(parsed);
    }

    /** The usage line of every known policy, sorted by name. */
    public static List<String> known() {
        return KNOWN.values().stream().map(PolicyFactory::usage).toList();
    }
}
