package io.coldtier.cli;

import io.coldtier.cli.ServiceConfig.Common;
import io.coldtier.evictor.service.EvictorConfig;
import io.coldtier.evictor.service.EvictorService;
import io.micrometer.core.instrument.MeterRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code coldtier evictor}: decides which pages go cold, until SIGTERM/SIGINT. */
@Command(name = "evictor", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run the evictor: rebuilds per-VM page ages from coldtier.scans and coldtier.faults, applies each"
                    + " VM's eviction policy after every scan and publishes EvictCommands on coldtier.evictions."
                    + " Runs until SIGTERM/SIGINT.",
        },
        footerHeading = "%nConfig keys (--config FILE, Java properties; flags win over the file):%n",
        footer = {
            "  bootstrap.servers     Kafka host:port[,...]        (--bootstrap-servers)",
            "                        required unless embedded.broker=true",
            "  embedded.broker       true|false, default false    (--embedded-broker)",
            "  metrics.bind          default 0.0.0.0",
            "  metrics.port          default 9402, 0 = ephemeral  (--metrics-port)",
            "  log.level             error|warn|info|debug|trace  (--log-level)",
            "  partitions            coldtier topic partitions if created, default 3",
            "  group.id              consumer group, default coldtier-evictor",
            "  policy                default spec, idle-age:cycles=3 (--policy)",
            "  policy.override.<vm>  policy spec for one VM       (--policy-override vm=spec)",
            "%nMetrics: coldtier_evictor_* (decisions, commands, refaults, rebuild) + JVM.",
            "Exit codes: 0 stopped by signal, 1 start-up failure, 2 bad flags or config.",
            "Example: coldtier evictor --bootstrap-servers kafka:9092 --policy idle-age:cycles=5"
                    + " --policy-override vm-db=idle-age:cycles=20",
        })
public final class EvictorCommand extends ServiceCommand<ServiceConfig.Evictor> {
    @Option(names = "--policy", paramLabel = "SPEC",
            description = "Default policy spec (key policy; default idle-age:cycles=3). An unknown name gets an error listing the known policies.")
    String policy;

    @Option(names = "--policy-override", paramLabel = "VM=SPEC",
            description = "Policy spec for one VM (key policy.override.<vm>); repeatable.")
    List<String> overrides = new ArrayList<>();

    @Override
    protected String serviceName() {
        return "evictor";
    }

    @Override
    protected void serviceFlags(Map<String, String> flags) {
        flags.put(ServiceConfig.POLICY, policy);
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "invalid --policy-override '" + o + "': expected vm=spec");
            }
            flags.put(ServiceConfig.POLICY_OVERRIDE_PREFIX + o.substring(0, eq).trim(), o.substring(eq + 1));
        }
    }

    @Override
    protected ServiceConfig.Evictor parse(Map<String, String> raw) {
        return ServiceConfig.evictor(raw);
    }

    @Override
    protected Common common(ServiceConfig.Evictor c) {
        return c.common();
    }

    @Override
    protected AutoCloseable startService(ServiceConfig.Evictor c, String bootstrap, MeterRegistry registry) {
        return EvictorService.start(new EvictorConfig(bootstrap, c.groupId(), c.policies(), c.common().partitions()),
                registry);
    }

    @Override
    protected String describe(ServiceConfig.Evictor c, AutoCloseable service) {
        return "policy=" + c.policies().defaultSpec() + " overrides=" + c.policies().overrides()
                + " rebuilt.records=" + ((EvictorService) service).rebuiltRecords();
    }
}
