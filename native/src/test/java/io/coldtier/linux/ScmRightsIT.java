package io.coldtier.linux;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Descriptors cross a process boundary and keep working: the hand-over path in miniature. */
@Tag("kernel")
@Timeout(120)
class ScmRightsIT {
    @Test
    void fdsPassedOverScmRights_letTheReceiverResolveTheSendersFault(@TempDir Path dir) throws Exception {
        KernelTests.assumeUserfaultfd();
        Path sock = dir.resolve("handover.sock");
        try (UnixSocket server = UnixSocket.listen(sock, 1); Arena arena = Arena.ofConfined()) {
            Process child = startChild(sock);
            try (UnixSocket conn = server.accept();
                 UnixSocket.Received msg = conn.receive(4096, 8)) {
                assertThat(conn.peerCredentials().pid()).as("SO_PEERCRED pid").isEqualTo((int) child.pid());
                assertThat(msg.fds()).hasSize(2);
                assertThat(msg.controlTruncated()).isFalse();
                String json = new String(msg.data(), StandardCharsets.UTF_8);
                long base = Long.parseLong(json.replaceAll(".*\"base\":(\\d+).*", "$1"));

                try (Userfaultfd uffd = Userfaultfd.adopt(msg.fds().get(0));
                     Memfd memfd = Memfd.adopt(msg.fds().get(1), 4096);
                     UffdEventBuffer events = new UffdEventBuffer(8)) {
                    assertThat(uffd.api().features()).as("features read from fdinfo").isEqualTo(0);
                    int n = uffd.readBlocking(events, 20_000);
                    assertThat(n).as("child's fault arrives on the received uffd").isEqualTo(1);
                    UffdEvent.Pagefault f = (UffdEvent.Pagefault) events.decode(0);
                    assertThat(f.page(4096)).isEqualTo(base);

                    MemorySegment src = arena.allocate(4096, 4096);
                    for (int i = 0; i < 8; i++) {
                        src.set(ValueLayout.JAVA_BYTE, i, (byte) (0xA0 + i));
                    }
                    // dst is an address in the CHILD's mm: the uffd carries the mm with it.
                    assertThat(uffd.copy(base, src.address(), 4096, 0)).isEqualTo(new CopyOutcome.Copied(4096));

                    assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("child finished").isTrue();
                    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertThat(child.exitValue()).as(out).isZero();
                    assertThat(out.trim()).isEqualTo("OK a0a1a2a3a4a5a6a7");

                    MemorySegment back = arena.allocate(4096, 4096);
                    memfd.pread(back, 4096, 0);
                    assertThat(back.get(ValueLayout.JAVA_BYTE, 7)).as("received memfd sees the page")
                            .isEqualTo((byte) 0xA7);
                }
            } finally {
                child.destroyForcibly();
            }
        }
    }

    static Process startChild(Path sock) throws IOException {
        String java = System.getenv().getOrDefault("COLDTIER_JAVA",
                ProcessHandle.current().info().command().orElse("java"));
        return new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), ScmRightsChild.class.getName(), sock.toString()))
                .redirectErrorStream(true).start();
    }
}
