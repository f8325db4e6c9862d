package io.coldtier.cli;

import io.coldtier.cli.ServiceConfig.Common;
import io.coldtier.tierstore.service.TierStoreConfig;
import io.coldtier.tierstore.service.TierStoreService;
import io.micrometer.core.instrument.MeterRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.util.Map;

/** {@code coldtier tier-store}: the page store behind the Kafka page tier, until SIGTERM/SIGINT. */
@Command(name = "tier-store", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run the tier-store: ingests PageOuts from coldtier.pages into a RocksDB page store (fsync'd),"
                    + " acks them on coldtier.page-acks, applies coldtier.page-drops and serves refault"
                    + " fetches over its page RPC. An empty data directory is rebuilt from the compacted"
                    + " coldtier.pages topic first. Runs until SIGTERM/SIGINT.",
        },
        footerHeading = "%nConfig keys (--config FILE, Java properties; flags win over the file):%n",
        footer = {
            "  bootstrap.servers  Kafka host:port[,...]          (--bootstrap-servers)",
            "                     required unless embedded.broker=true",
            "  embedded.broker    true|false, default false      (--embedded-broker)",
            "  metrics.bind       default 0.0.0.0",
            "  metrics.port       default 9401, 0 = ephemeral    (--metrics-port)",
            "  log.level          error|warn|info|debug|trace    (--log-level)",
            "  partitions         partitions of coldtier topics it creates, default 3",
            "  data.dir           default ./tier-store-data      (--data-dir)",
            "  rpc.bind           default 0.0.0.0",
            "  rpc.port           page RPC, 9400; 0 = ephemeral (--rpc-port)",
            "  group.id           consumer group, default coldtier-tier-store",
            "%nMetrics: coldtier_tierstore_* (pages stored/ignored/deleted/rebuilt, dead letters, RPC) + JVM.",
            "Exit codes: 0 stopped by signal, 1 start-up failure, 2 bad flags or config.",
            "Example: coldtier tier-store --embedded-broker --data-dir /tmp/ts --rpc-port 0 --metrics-port 0",
        })
public final class TierStoreCommand extends ServiceCommand<ServiceConfig.TierStore> {
    @Option(names = "--data-dir", paramLabel = "DIR", description = "RocksDB directory (key data.dir).")
    String dataDir;

    @Option(names = "--rpc-port", paramLabel = "PORT", description = "Page RPC port (key rpc.port; 0 = ephemeral).")
    String rpcPort;

    @Override
    protected String serviceName() {
        return "tier-store";
    }

    @Override
    protected void serviceFlags(Map<String, String> flags) {
        flags.put(ServiceConfig.DATA_DIR, dataDir);
        flags.put(ServiceConfig.RPC_PORT, rpcPort);
    }

    @Override
    protected ServiceConfig.TierStore parse(Map<String, String> raw) {
        return ServiceConfig.tierStore(raw);
    }

    @Override
    protected Common common(ServiceConfig.TierStore c) {
        return c.common();
    }

    @Override
    protected AutoCloseable startService(ServiceConfig.TierStore c, String bootstrap, MeterRegistry registry) {
        TierStoreConfig tc = TierStoreConfig.of(bootstrap, c.dataDir(), new InetSocketAddress(c.rpcBind(), c.rpcPort()),
                c.common().partitions()).withGroupId(c.groupId());
        return TierStoreService.start(tc, registry);
    }

    @Override
    protected String describe(ServiceConfig.TierStore c, AutoCloseable service) {
        TierStoreService s = (TierStoreService) service;
        return "data.dir=" + c.dataDir().toAbsolutePath() + " rpc.port=" + s.rpcPort() + " store.id=" + s.storeId()
                + " rebuilt.pages=" + s.rebuiltPages();
    }

    /** Bound page RPC port; valid after start. */
    public int rpcPort() {
        return ((TierStoreService) service()).rpcPort();
    }
}
