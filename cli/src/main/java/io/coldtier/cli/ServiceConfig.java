package io.coldtier.cli;

import io.coldtier.evictor.PolicyConfig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Level;

/**
 * Configuration of the long-running services ({@code tier-store}, {@code evictor}, {@code agent}): a Java
 * properties file ({@code --config}) overlaid by command-line flags, parsed into validated records. Every error
 * is a {@link ConfigException} naming the offending key (and the flag that sets it), so the commands can turn it
 * into a usage error (exit code 2).
 */
public final class ServiceConfig {
    private ServiceConfig() {}

    /** A bad, missing or unknown configuration key. */
    public static final class ConfigException extends IllegalArgumentException {
        private final String key;

        public ConfigException(String key, String message) {
            super(message);
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    // ---------------------------------------------------------------- keys shared by every service
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String EMBEDDED_BROKER = "embedded.broker";
    public static final String METRICS_BIND = "metrics.bind";
    public static final String METRICS_PORT = "metrics.port";
    public static final String LOG_LEVEL = "log.level";
    public static final String PARTITIONS = "partitions";
    // ---------------------------------------------------------------- tier-store
    public static final String DATA_DIR = "data.dir";
    public static final String RPC_BIND = "rpc.bind";
    public static final String RPC_PORT = "rpc.port";
    public static final String GROUP_ID = "group.id";
    // ---------------------------------------------------------------- evictor
    public static final String POLICY = "policy";
    public static final String POLICY_OVERRIDE_PREFIX = "policy.override.";
    // ---------------------------------------------------------------- agent
    public static final String VM_ID = "vm.id";
    public static final String AGENT_ID = "agent.id";
    public static final String TIER_STORE = "tier.store";
    public static final String GUEST_SIZE = "guest.size";
    public static final String INTERVAL = "interval";
    public static final String WORKLOAD = "workload";
    public static final String WORKLOAD_THREADS = "workload.threads";
    public static final String FAULT_QUEUE_CAPACITY = "fault.queue.capacity";
    public static final String LISTEN = "listen";
    public static final String ALLOW_UID = "allow.uid";

    public static final int DEFAULT_PARTITIONS = 3;
    public static final int TIER_STORE_METRICS_PORT = 9401;
    public static final int EVICTOR_METRICS_PORT = 9402;
    public static final int AGENT_METRICS_PORT = 9403;
    public static final int TIER_STORE_RPC_PORT = 9400;
    public static final String DEFAULT_POLICY = "idle-age:cycles=3";

    /** Settings every service has. {@code bootstrapServers} is null iff {@code embeddedBroker}. */
    public record Common(String bootstrapServers, boolean embeddedBroker, String metricsBind, int metricsPort,
                         Level logLevel, int partitions) {
        public Common {
            Objects.requireNonNull(metricsBind, "metricsBind");
            Objects.requireNonNull(logLevel, "logLevel");
        }
    }

    public record TierStore(Common common, Path dataDir, String rpcBind, int rpcPort, String groupId) {}

    public record Evictor(Common common, String groupId, PolicyConfig policies) {}

    /**
     * The agent. With {@code listen} set it is the agent host (VMMs hand their memory over on that socket;
     * {@code vmId}, {@code guestSize}, {@code workload*} do not apply and are null/0/false); otherwise it runs one VM
     * on memory it creates itself.
     *
     * @param listen    hand-over socket path, or null for the local-guest mode
     * @param allowUids SO_PEERCRED uids allowed to hand memory over (listen mode)
     */
    public record Agent(Common common, String vmId, String agentId, InetSocketAddress tierStore, long guestSize,
                        Duration interval, boolean workload, int workloadThreads, int faultQueueCapacity, Path listen,
                        Set<Integer> allowUids) {
        public Agent {
            allowUids = Set.copyOf(allowUids);
        }

        public long guestPages() {
            return guestSize / 4096;
        }

        public boolean hostMode() {
            return listen != null;
        }
    }

    // ---------------------------------------------------------------- loading

    /**
     * The raw key/value view: the file's properties (if any), then every non-null flag value on top.
     *
     * @param file  properties file or null
     * @param flags key → value from the command line; null values are ignored
     */
    public static Map<String, String> layer(Path file, Map<String, String> flags) {
        Map<String, String> raw = new LinkedHashMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (java.io.Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new ConfigException("--config", "cannot read config file " + file + ": " + e.getMessage());
            }
            new TreeMap<>(p).forEach((k, v) -> raw.put(String.valueOf(k).trim(), String.valueOf(v).trim()));
        }
        flags.forEach((k, v) -> {
            if (v != null) {
                raw.put(k, v.trim());
            }
        });
        return raw;
    }

    public static TierStore tierStore(Map<String, String> raw) {
        Reader r = new Reader(raw);
        Common common = r.common(TIER_STORE_METRICS_PORT);
        TierStore c = new TierStore(common,
                r.path(DATA_DIR, Path.of("tier-store-data")),
                r.string(RPC_BIND, "0.0.0.0"),
                r.integer(RPC_PORT, TIER_STORE_RPC_PORT, 0, 65535),
                r.string(GROUP_ID, "coldtier-tier-store"));
        r.rejectUnknown();
        return c;
    }

    public static Evictor evictor(Map<String, String> raw) {
        Reader r = new Reader(raw);
        Common common = r.common(EVICTOR_METRICS_PORT);
        String groupId = r.string(GROUP_ID, "coldtier-evictor");
        String policy = r.string(POLICY, DEFAULT_POLICY);
        Map<String, String> overrides = r.prefixed(POLICY_OVERRIDE_PREFIX);
        PolicyConfig policies;
        try {
            io.coldtier.evictor.policy.Policies.create(policy);
        } catch (IllegalArgumentException e) {
            throw r.invalid(POLICY, policy, e.getMessage());
        }
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            String key = POLICY_OVERRIDE_PREFIX + o.getKey();
            if (o.getKey().isEmpty() || o.getKey().indexOf('/') >= 0) {
                throw new ConfigException(key, "invalid " + key + ": VM id must be non-empty and without '/'");
            }
            try {
                io.coldtier.evictor.policy.Policies.create(o.getValue());
            } catch (IllegalArgumentException e) {
                throw r.invalid(key, o.getValue(), e.getMessage());
            }
        }
        policies = new PolicyConfig(policy, overrides);
        r.rejectUnknown();
        return new Evictor(common, groupId, policies);
    }

    public static Agent agent(Map<String, String> raw) {
        Reader r = new Reader(raw);
        Common common = r.common(AGENT_METRICS_PORT);
        Path listen = r.path(LISTEN, null);
        InetSocketAddress tierStore = r.hostPort(TIER_STORE, "localhost:" + TIER_STORE_RPC_PORT);
        Duration interval = r.duration(INTERVAL, Duration.ofSeconds(1));
        int queue = r.integer(FAULT_QUEUE_CAPACITY, 1 << 16, 1, 1 << 24);
        if (listen != null) {
            for (String k : List.of(VM_ID, GUEST_SIZE, WORKLOAD, WORKLOAD_THREADS)) {
                if (raw.containsKey(k)) {
                    String flag = flagOf(k);
                    throw new ConfigException(k, "config key '" + k + "'" + (flag != null ? " (" + flag + ")" : "")
                            + " does not apply with --listen: each VMM's hand-over brings its VM id and memory");
                }
            }
            String agentId = r.string(AGENT_ID, "agent-" + System.getenv().getOrDefault("HOSTNAME", "localhost"));
            Set<Integer> uids = r.uids(ALLOW_UID);
            r.rejectUnknown();
            return new Agent(common, null, agentId, tierStore, 0, interval, false, 0, queue, listen, uids);
        }
        if (raw.containsKey(ALLOW_UID)) {
            throw new ConfigException(ALLOW_UID, "config key '" + ALLOW_UID + "' (--allow-uid) needs --listen");
        }
        String vmId = r.required(VM_ID);
        if (vmId.indexOf('/') >= 0) {
            throw r.invalid(VM_ID, vmId, "must not contain '/'");
        }
        String agentId = r.string(AGENT_ID, "agent-" + vmId);
        long guestSize = r.size(GUEST_SIZE, 64L << 20);
        if (guestSize < 4096 || guestSize % 4096 != 0) {
            throw r.invalid(GUEST_SIZE, raw.get(GUEST_SIZE), "must be a positive multiple of 4 KiB");
        }
        boolean workload = r.onOff(WORKLOAD, true);
        int threads = r.integer(WORKLOAD_THREADS, 2, 1, 256);
        r.rejectUnknown();
        return new Agent(common, vmId, agentId, tierStore, guestSize, interval, workload, threads, queue, null, Set.of());
    }

    /** Command-line spelling of a key, for error messages; null if it has no flag. */
    static String flagOf(String key) {
        return switch (key) {
            case BOOTSTRAP_SERVERS -> "--bootstrap-servers";
            case EMBEDDED_BROKER -> "--embedded-broker";
            case METRICS_PORT -> "--metrics-port";
            case LOG_LEVEL -> "--log-level";
            case DATA_DIR -> "--data-dir";
            case RPC_PORT -> "--rpc-port";
            case POLICY -> "--policy";
            case VM_ID -> "--vm-id";
            case TIER_STORE -> "--tier-store";
            case GUEST_SIZE -> "--guest-size";
            case INTERVAL -> "--interval";
            case WORKLOAD -> "--workload";
            case LISTEN -> "--listen";
            case ALLOW_UID -> "--allow-uid";
            default -> key.startsWith(POLICY_OVERRIDE_PREFIX) ? "--policy-override" : null;
        };
    }

    static Level parseLevel(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "error", "severe" -> Level.SEVERE;
            case "warn", "warning" -> Level.WARNING;
            case "info" -> Level.INFO;
            case "debug", "fine" -> Level.FINE;
            case "trace", "finest", "all" -> Level.FINEST;
            case "off" -> Level.OFF;
            default -> throw new IllegalArgumentException("expected one of error, warn, info, debug, trace, off");
        };
    }

    /** {@code 1500ms}, {@code 2s}, {@code 1m}, a bare number of milliseconds, or ISO-8601 ({@code PT1S}). */
    static Duration parseDuration(String s) {
        String v = s.toLowerCase(Locale.ROOT);
        try {
            if (v.startsWith("pt") || v.startsWith("p")) {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            }
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
            }
            if (v.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)) * 60);
            }
            return Duration.ofMillis(Long.parseLong(v));
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration (e.g. 500ms, 1s, 2m, PT1S)");
        }
    }

    /** Bytes with an optional binary suffix: {@code 4096}, {@code 512k}, {@code 64m}, {@code 1g} (also KiB/MiB/GiB). */
    static long parseSize(String s) {
        String v = s.toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        long mult = 1;
        if (!v.isEmpty()) {
            switch (v.charAt(v.length() - 1)) {
                case 'k' -> mult = 1L << 10;
                case 'm' -> mult = 1L << 20;
                case 'g' -> mult = 1L << 30;
                case 't' -> mult = 1L << 40;
                default -> mult = 1;
            }
            if (mult != 1) {
                v = v.substring(0, v.length() - 1);
            }
        }
        try {
            return Math.multiplyExact(Long.parseLong(v.trim()), mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a size (e.g. 4096, 512k, 64m, 1g)");
        }
    }

    /** Reads typed values off the raw map, remembering which keys were read so the rest can be rejected. */
    static final class Reader {
        private final Map<String, String> raw;
        private final Set<String> known = new LinkedHashSet<>();
        private final Set<String> knownPrefixes = new LinkedHashSet<>();

        Reader(Map<String, String> raw) {
            this.raw = raw;
        }

        ConfigException invalid(String key, String value, String why) {
            String flag = flagOf(key);
            return new ConfigException(key, "invalid value for config key '" + key + "'"
                    + (flag != null ? " (" + flag + ")" : "") + ": '" + value + "': " + why);
        }

        Common common(int defaultMetricsPort) {
            boolean embedded = bool(EMBEDDED_BROKER, false);
            String bootstrap = string(BOOTSTRAP_SERVERS, null);
            if (bootstrap != null && bootstrap.isBlank()) {
                throw invalid(BOOTSTRAP_SERVERS, bootstrap, "is empty");
            }
            if (bootstrap == null && !embedded) {
                throw new ConfigException(BOOTSTRAP_SERVERS, "missing config key '" + BOOTSTRAP_SERVERS
                        + "' (--bootstrap-servers): set it, or use --embedded-broker to try the service alone");
            }
            String metricsBind = string(METRICS_BIND, "0.0.0.0");
            int metricsPort = integer(METRICS_PORT, defaultMetricsPort, 0, 65535);
            Level level = level(LOG_LEVEL, Level.INFO);
            int partitions = integer(PARTITIONS, DEFAULT_PARTITIONS, 1, 10_000);
            return new Common(embedded ? null : bootstrap, embedded, metricsBind, metricsPort, level, partitions);
        }

        String string(String key, String def) {
            known.add(key);
            String v = raw.get(key);
            return v == null ? def : v;
        }

        String required(String key) {
            String v = string(key, null);
            if (v == null || v.isEmpty()) {
                String flag = flagOf(key);
                throw new ConfigException(key, "missing config key '" + key + "'"
                        + (flag != null ? " (" + flag + ")" : ""));
            }
            return v;
        }

        Path path(String key, Path def) {
            String v = string(key, null);
            if (v == null) {
                return def;
            }
            if (v.isEmpty()) {
                throw invalid(key, v, "is empty");
            }
            return Path.of(v);
        }

        int integer(String key, int def, int min, int max) {
            String v = string(key, null);
            if (v == null) {
                return def;
            }
            int n;
            try {
                n = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw invalid(key, v, "not an integer");
            }
            if (n < min || n > max) {
                throw invalid(key, v, "must be in [" + min + ", " + max + "]");
            }
            return n;
        }

        boolean bool(String key, boolean def) {
            String v = string(key, null);
            if (v == null) {
                return def;
            }
            return switch (v.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on", "1" -> true;
                case "false", "no", "off", "0" -> false;
                default -> throw invalid(key, v, "expected true or false");
            };
        }

        boolean onOff(String key, boolean def) {
            return bool(key, def);
        }

        Level level(String key, Level def) {
            String v = string(key, null);
            if (v == null) {
                return def;
            }
            try {
                return parseLevel(v);
            } catch (IllegalArgumentException e) {
                throw invalid(key, v, e.getMessage());
            }
        }

        Duration duration(String key, Duration def) {
            String v = string(key, null);
            if (v == null) {
                return def;
            }
            Duration d;
            try {
                d = parseDuration(v);
            } catch (IllegalArgumentException e) {
                throw invalid(key, v, e.getMessage());
            }
            if (d.isNegative() || d.isZero()) {
                throw invalid(key, v, "must be positive");
            }
            return d;
        }

        long size(String key, long def) {
            String v = string(key, null);
            if (v == null) {
                return def;
            }
            try {
                return parseSize(v);
            } catch (IllegalArgumentException e) {
                throw invalid(key, v, e.getMessage());
            }
        }

        InetSocketAddress hostPort(String key, String def) {
            String v = string(key, def);
            int colon = v.lastIndexOf(':');
            if (colon <= 0 || colon == v.length() - 1) {
                throw invalid(key, v, "expected host:port");
            }
            int port;
            try {
                port = Integer.parseInt(v.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw invalid(key, v, "port is not an integer");
            }
            if (port < 1 || port > 65535) {
                throw invalid(key, v, "port must be in [1, 65535]");
            }
            return new InetSocketAddress(v.substring(0, colon), port);
        }

        /** A comma-separated list of uids; default: this process's own uid. */
        Set<Integer> uids(String key) {
            String v = string(key, null);
            if (v == null) {
                return Set.of(io.coldtier.agent.host.AgentHostConfig.ownUid());
            }
            Set<Integer> out = new java.util.TreeSet<>();
            for (String part : v.split(",")) {
                try {
                    int uid = Integer.parseInt(part.trim());
                    if (uid < 0) {
                        throw new NumberFormatException();
                    }
                    out.add(uid);
                } catch (NumberFormatException e) {
                    throw invalid(key, v, "expected a comma-separated list of numeric uids, e.g. 0,1000");
                }
            }
            return out;
        }

        /** Every {@code prefix<suffix>} key, by suffix. */
        Map<String, String> prefixed(String prefix) {
            knownPrefixes.add(prefix);
            Map<String, String> out = new TreeMap<>();
            raw.forEach((k, v) -> {
                if (k.startsWith(prefix)) {
                    out.put(k.substring(prefix.length()), v);
                }
            });
            return out;
        }

        void rejectUnknown() {
            for (String k : raw.keySet()) {
                if (!known.contains(k) && knownPrefixes.stream().noneMatch(k::startsWith)) {
                    List<String> all = new java.util.ArrayList<>(known);
                    knownPrefixes.forEach(p -> all.add(p + "<vm-id>"));
                    throw new ConfigException(k, "unknown config key '" + k + "' (known keys: "
                            + String.join(", ", all) + ")");
                }
            }
        }
    }
}
