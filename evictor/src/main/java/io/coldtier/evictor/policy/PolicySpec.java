package io.coldtier.evictor.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * A parsed policy spec: {@code <name>} or {@code <name>:<key>=<value>[,<key>=<value>...]}, e.g.
 * {@code refault-slo:target=0.2%/min,min=2,max=20}. The helpers produce errors that quote the whole
 * spec, name the parameter and show the expected form, because specs are typed by operators.
 *
 * @param text   the spec as given, trimmed
 * @param name   the policy name
 * @param params parameters in the order given
 */
public record PolicySpec(String text, String name, SequencedMap<String, String> params) {
    public PolicySpec {
        params = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(params));
    }

    public static PolicySpec parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("policy spec is empty; expected <name> or "
                    + "<name>:<key>=<value>,... such as idle-age:cycles=3");
        }
        String text = spec.strip();
        int colon = text.indexOf(':');
        String name = (colon < 0 ? text : text.substring(0, colon)).strip();
        if (name.isEmpty()) {
            throw new IllegalArgumentException("bad policy spec '" + text + "': no policy name before ':'");
        }
        SequencedMap<String, String> params = new LinkedHashMap<>();
        if (colon >= 0) {
            for (String part : text.substring(colon + 1).split(",", -1)) {
                int eq = part.indexOf('=');
                if (eq <= 0 || eq == part.length() - 1 || part.substring(0, eq).isBlank()
                        || part.substring(eq + 1).isBlank()) {
                    throw new IllegalArgumentException("bad policy spec '" + text + "': '" + part.strip()
                            + "' is not a parameter; expected <key>=<value>");
                }
                String key = part.substring(0, eq).strip();
                if (params.putIfAbsent(key, part.substring(eq + 1).strip()) != null) {
                    throw new IllegalArgumentException("bad policy spec '" + text + "': parameter '" + key
                            + "' is given twice");
                }
            }
        }
        return new PolicySpec(text, name, params);
    }

    /**
     * Rejects parameters the policy does not know.
     *
     * @param forms every accepted parameter → its expected form, e.g. {@code cycles → cycles=<1..255>}
     */
    public void allowOnly(Map<String, String> forms) {
        for (String key : params.keySet()) {
            if (!forms.containsKey(key)) {
                throw error("unknown parameter '" + key + "' for " + name + "; expected "
                        + String.join(", ", forms.values()));
            }
        }
    }

    public String required(String key, String form) {
        String value = params.get(key);
        if (value == null) {
            throw error(name + " needs parameter " + form);
        }
        return value;
    }

    public Optional<String> optional(String key) {
        return Optional.ofNullable(params.get(key));
    }

    /** An integer parameter in {@code [lo, hi]}, or {@code dflt} when absent. */
    public int intParam(String key, int lo, int hi, int dflt) {
        String value = params.get(key);
        if (value == null) {
            return dflt;
        }
        try {
            int v = Integer.parseInt(value);
            if (v >= lo && v <= hi) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through to the uniform message
        }
        throw badValue(key, "an integer in " + lo + ".." + hi, value);
    }

    public IllegalArgumentException badValue(String key, String expected, String value) {
        return error("parameter '" + key + "' must be " + expected + ", got '" + value + "'");
    }

    public IllegalArgumentException error(String message) {
        return new IllegalArgumentException("bad policy spec '" + text + "': " + message);
    }
}
