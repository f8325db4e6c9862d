package io.coldtier.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code coldtier broker} flag validation; every case fails before a broker would start. */
@Tag("unit")
class BrokerCommandTest {
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void listenWithoutAPort_isAUsageError() {
        assertThat(run("broker", "--listen", "0.0.0.0")).isEqualTo(2);
        assertThat(err.toString()).contains("invalid --listen '0.0.0.0': expected host:port");
    }

    @Test
    void advertiseWithABadPort_isAUsageError() {
        assertThat(run("broker", "--advertise", "broker:x")).isEqualTo(2);
        assertThat(err.toString()).contains("invalid --advertise 'broker:x'");
    }

    @Test
    void controllerOnTheClientPort_isAUsageError() {
        assertThat(run("broker", "--listen", "0.0.0.0:9092", "--controller-port", "9092")).isEqualTo(2);
        assertThat(err.toString()).contains("client and controller port are both 9092");
    }

    @Test
    void unknownLogLevel_isAUsageError() {
        assertThat(run("broker", "--listen", "127.0.0.1:1", "--controller-port", "2", "--log-level", "loud"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("invalid --log-level 'loud'");
    }
}
