package io.coldtier.agent.host;

import io.coldtier.bus.KafkaSettings;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * A bare entry point for the agent host, for a JVM started without the CLI (tests start the agent as a child
 * process this way, so that it can be killed with SIGKILL). {@code coldtier agent --listen} is the supported
 * command; this takes the same settings as plain flags:
 *
 * <pre>
 * java ... io.coldtier.agent.host.AgentHostMain --listen PATH --bootstrap-servers HOST:PORT
 *     --tier-store HOST:PORT [--partitions 3] [--interval 1s] [--allow-uid 0,1000] [--agent-id ID]
 * </pre>
 *
 * Prints {@code agent host listening on PATH} once accepting; SIGTERM restores every VM and exits.
 */
public final class AgentHostMain {
    private AgentHostMain() {}

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --flag value pairs, got '" + args[i] + "'");
            }
            flags.put(args[i].substring(2), args[i + 1]);
        }
        Path socket = Path.of(required(flags, "listen"));
        String tier = required(flags, "tier-store");
        int colon = tier.lastIndexOf(':');
        KafkaSettings kafka = KafkaSettings.of(required(flags, "bootstrap-servers"), "agent-host");
        AgentHostConfig cfg = AgentHostConfig.of(socket, kafka,
                new InetSocketAddress(tier.substring(0, colon), Integer.parseInt(tier.substring(colon + 1))),
                Integer.parseInt(flags.getOrDefault("partitions", "3")));
        if (flags.containsKey("interval")) {
            cfg = cfg.withInterval(parseDuration(flags.get("interval")));
        }
        if (flags.containsKey("allow-uid")) {
            Set<Integer> uids = new HashSet<>();
            for (String u : flags.get("allow-uid").split(",")) {
                uids.add(Integer.parseInt(u.trim()));
            }
            cfg = cfg.withAllowedUids(uids);
        }
        if (flags.containsKey("agent-id")) {
            cfg = cfg.withAgentId(flags.get("agent-id"));
        }
        AgentHost host = AgentHost.start(cfg);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("agent-host-shutdown").unstarted(() -> {
            host.close();
            stopped.countDown();
        }));
        System.out.println("agent host listening on " + socket);
        System.out.flush();
        stopped.await();
    }

    private static String required(Map<String, String> flags, String name) {
        String v = flags.get(name);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return v;
    }

    /** {@code 500ms}, {@code 2s}, or ISO-8601. */
    static Duration parseDuration(String s) {
        if (s.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
        }
        if (s.endsWith("s")) {
            return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
        }
        return Duration.parse(s);
    }
}
