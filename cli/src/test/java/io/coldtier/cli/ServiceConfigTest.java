package io.coldtier.cli;

import io.coldtier.cli.ServiceConfig.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceConfigTest {
    @TempDir
    Path dir;

    private Path file(String content) throws Exception {
        Path f = dir.resolve("svc.properties");
        Files.writeString(f, content);
        return f;
    }

    private static Map<String, String> flags(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void fileValues_areOverriddenByFlags() throws Exception {
        Path f = file("bootstrap.servers=file:9092\nmetrics.port=1111\nrpc.port=2222\ndata.dir=/from/file\n"
                + "log.level=debug\n");
        ServiceConfig.TierStore c = ServiceConfig.tierStore(ServiceConfig.layer(f,
                flags("metrics.port", "3333", "rpc.port", null)));
        assertThat(c.common().bootstrapServers()).isEqualTo("file:9092");
        assertThat(c.common().metricsPort()).isEqualTo(3333);
        assertThat(c.rpcPort()).isEqualTo(2222);
        assertThat(c.dataDir()).isEqualTo(Path.of("/from/file"));
        assertThat(c.common().logLevel()).isEqualTo(Level.FINE);
    }

    @Test
    void defaults() {
        ServiceConfig.TierStore t = ServiceConfig.tierStore(flags("bootstrap.servers", "k:9092"));
        assertThat(t.common().metricsPort()).isEqualTo(9401);
        assertThat(t.rpcPort()).isEqualTo(9400);
        assertThat(t.common().partitions()).isEqualTo(3);
        ServiceConfig.Evictor e = ServiceConfig.evictor(flags("bootstrap.servers", "k:9092"));
        assertThat(e.common().metricsPort()).isEqualTo(9402);
        assertThat(e.policies().defaultSpec()).isEqualTo("idle-age:cycles=3");
        ServiceConfig.Agent a = ServiceConfig.agent(flags("bootstrap.servers", "k:9092", "vm.id", "vm-1"));
        assertThat(a.common().metricsPort()).isEqualTo(9403);
        assertThat(a.guestSize()).isEqualTo(64L << 20);
        assertThat(a.interval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(a.workload()).isTrue();
        assertThat(a.agentId()).isEqualTo("agent-vm-1");
    }

    @Test
    void embeddedBroker_makesBootstrapOptional() {
        ServiceConfig.TierStore t = ServiceConfig.tierStore(flags("embedded.broker", "true"));
        assertThat(t.common().embeddedBroker()).isTrue();
        assertThatThrownBy(() -> ServiceConfig.tierStore(flags()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bootstrap.servers")
                .hasMessageContaining("--embedded-broker");
    }

    @Test
    void unknownKey_isNamed_withTheKnownKeys() throws Exception {
        Path f = file("bootstrap.servers=k:9092\nrpc.prot=9\n");
        assertThatThrownBy(() -> ServiceConfig.tierStore(ServiceConfig.layer(f, flags())))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown config key 'rpc.prot'")
                .hasMessageContaining("rpc.port")
                .extracting(e -> ((ConfigException) e).key()).isEqualTo("rpc.prot");
        // a key of another service is unknown here
        assertThatThrownBy(() -> ServiceConfig.evictor(flags("bootstrap.servers", "k:9092", "data.dir", "/x")))
                .hasMessageContaining("unknown config key 'data.dir'");
    }

    @Test
    void badValues_nameKeyAndFlag() {
        assertThatThrownBy(() -> ServiceConfig.tierStore(flags("bootstrap.servers", "k:1", "metrics.port", "abc")))
                .hasMessageContaining("'metrics.port' (--metrics-port): 'abc': not an integer");
        assertThatThrownBy(() -> ServiceConfig.tierStore(flags("bootstrap.servers", "k:1", "rpc.port", "70000")))
                .hasMessageContaining("rpc.port").hasMessageContaining("[0, 65535]");
        assertThatThrownBy(() -> ServiceConfig.tierStore(flags("bootstrap.servers", "k:1", "log.level", "loud")))
                .hasMessageContaining("log.level");
        assertThatThrownBy(() -> ServiceConfig.tierStore(flags("embedded.broker", "maybe")))
                .hasMessageContaining("embedded.broker");
        assertThatThrownBy(() -> ServiceConfig.evictor(flags("bootstrap.servers", "k:1", "policy", "nope")))
                .hasMessageContaining("'policy' (--policy)").hasMessageContaining("unknown policy");
        assertThatThrownBy(() -> ServiceConfig.evictor(flags("bootstrap.servers", "k:1",
                "policy.override.vm-7", "idle-age:cycles=x")))
                .hasMessageContaining("policy.override.vm-7");
        assertThatThrownBy(() -> ServiceConfig.agent(flags("bootstrap.servers", "k:1")))
                .hasMessageContaining("missing config key 'vm.id' (--vm-id)");
        assertThatThrownBy(() -> ServiceConfig.agent(flags("bootstrap.servers", "k:1", "vm.id", "v",
                "guest.size", "1000")))
                .hasMessageContaining("guest.size").hasMessageContaining("4 KiB");
        assertThatThrownBy(() -> ServiceConfig.agent(flags("bootstrap.servers", "k:1", "vm.id", "v",
                "interval", "soon")))
                .hasMessageContaining("'interval' (--interval)");
        assertThatThrownBy(() -> ServiceConfig.agent(flags("bootstrap.servers", "k:1", "vm.id", "v",
                "tier.store", "nohost")))
                .hasMessageContaining("tier.store").hasMessageContaining("host:port");
    }

    @Test
    void agentValues_parse() {
        ServiceConfig.Agent a = ServiceConfig.agent(flags("bootstrap.servers", "k:1", "vm.id", "v", "guest.size",
                "1g", "interval", "250ms", "workload", "off", "tier.store", "localhost:7000"));
        assertThat(a.guestSize()).isEqualTo(1L << 30);
        assertThat(a.interval()).isEqualTo(Duration.ofMillis(250));
        assertThat(a.workload()).isFalse();
        assertThat(a.tierStore().getPort()).isEqualTo(7000);
    }

    @Test
    void agentListenMode_parses_andRejectsTheLocalGuestKeys() {
        ServiceConfig.Agent a = ServiceConfig.agent(flags("bootstrap.servers", "k:1", "listen", "/run/agent.sock",
                "allow.uid", "1000, 0", "interval", "300ms"));
        assertThat(a.hostMode()).isTrue();
        assertThat(a.listen()).isEqualTo(Path.of("/run/agent.sock"));
        assertThat(a.allowUids()).containsExactlyInAnyOrder(0, 1000);
        assertThat(a.vmId()).isNull();
        assertThat(a.agentId()).startsWith("agent-");
        assertThat(ServiceConfig.agent(flags("bootstrap.servers", "k:1", "listen", "/s")).allowUids())
                .as("default: own uid").hasSize(1);
        assertThatThrownBy(() -> ServiceConfig.agent(flags("bootstrap.servers", "k:1", "listen", "/s", "vm.id", "v")))
                .hasMessageContaining("'vm.id' (--vm-id) does not apply with --listen");
        assertThatThrownBy(() -> ServiceConfig.agent(flags("bootstrap.servers", "k:1", "listen", "/s",
                "guest.size", "64m"))).hasMessageContaining("'guest.size' (--guest-size) does not apply with --listen");
        assertThatThrownBy(() -> ServiceConfig.agent(flags("bootstrap.servers", "k:1", "listen", "/s",
                "allow.uid", "root"))).hasMessageContaining("'allow.uid' (--allow-uid)")
                .hasMessageContaining("numeric uids");
        assertThatThrownBy(() -> ServiceConfig.agent(flags("bootstrap.servers", "k:1", "vm.id", "v",
                "allow.uid", "0"))).hasMessageContaining("needs --listen");
    }

    @Test
    void evictorOverrides_fromFileAndRepeatedFlags() throws Exception {
        Path f = file("bootstrap.servers=k:1\npolicy.override.vm-a=idle-age:cycles=9\n");
        EvictorCommand cmd = new EvictorCommand();
        new CommandLine(cmd).parseArgs("--config", f.toString(), "--policy", "idle-age:cycles=4",
                "--policy-override", "vm-b=idle-age:cycles=5", "--policy-override", "vm-a=idle-age:cycles=6");
        ServiceConfig.Evictor e = cmd.resolveConfig();
        assertThat(e.policies().defaultSpec()).isEqualTo("idle-age:cycles=4");
        assertThat(e.policies().overrides()).containsEntry("vm-a", "idle-age:cycles=6")
                .containsEntry("vm-b", "idle-age:cycles=5");
    }

    @Test
    void commandLine_badConfig_exitsWith2_andNamesTheKey() throws Exception {
        Path f = file("bootstrap.servers=k:1\nbogus.key=1\n");
        StringWriter err = new StringWriter();
        int code = new CommandLine(new Main()).setErr(new PrintWriter(err))
                .execute("tier-store", "--config", f.toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("unknown config key 'bogus.key'");

        err.getBuffer().setLength(0);
        code = new CommandLine(new Main()).setErr(new PrintWriter(err)).execute("agent", "--embedded-broker");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("vm.id");
    }

    @Test
    void exampleConfigs_parse() {
        Path config = Path.of("..", "config");
        if (!Files.isDirectory(config)) {
            return;
        }
        ServiceConfig.tierStore(ServiceConfig.layer(config.resolve("tier-store.properties"), flags()));
        ServiceConfig.evictor(ServiceConfig.layer(config.resolve("evictor.properties"), flags()));
        ServiceConfig.agent(ServiceConfig.layer(config.resolve("agent.properties"), flags()));
        assertThat(ServiceConfig.agent(ServiceConfig.layer(config.resolve("agent-host.properties"), flags())).hostMode())
                .isTrue();
    }
}
