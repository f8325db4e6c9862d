package io.coldtier.handover;

import io.coldtier.linux.KernelTests;
import io.coldtier.linux.Libc;
import io.coldtier.linux.OwnedFd;
import io.coldtier.linux.UnixSocket;
import io.coldtier.linux.internal.Syscalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The agent's listener and the VMM's client over a real socket with real descriptors: one VM attached for the
 * whole test, then every kind of bad hand-over, each rejected with its precise code and reason, every received
 * descriptor closed, and the attached session still answering.
 */
@Tag("kernel")
@Timeout(60)
class HandOverServerIT {
    static final long SIZE = 4L << 20;
    static final int ROOT = 0;

    @TempDir
    Path dir;
    Path sock;
    HandOverServer server;
    final RecordingHost host = new RecordingHost();

    /** Accepts every validated hand-over; its session echoes each zap_done and stops on goodbye. */
    static final class RecordingHost implements HandOverServer.Host {
        final List<ValidatedHandOver> attached = new ArrayList<>();
        final Set<String> live = ConcurrentHashMap.newKeySet();
        final AtomicInteger zapsAnswered = new AtomicInteger();

        @Override
        public synchronized HandOverServer.Attachment attach(ValidatedHandOver h, Connection c) {
            if (live.contains(h.vmId())) {
                throw new HandOverException(RejectCode.VM_BUSY, h.vmId() + " is attached");
            }
            attached.add(h);
            live.add(h.vmId());
            return new HandOverServer.Attachment() {
                @Override
                public Message.Accepted verdict() {
                    return new Message.Accepted(h.vmId(), "test-host", 0, "vmm");
                }

                @Override
                public void run() {
                    try {
                        long id = 0;
                        if (h.serves(Protocol.CAP_ZAP)) {
                            c.send(new Message.ZapRequest(++id, List.of(new Message.Range(h.regions().getFirst().hostBase(), 4096))));
                        }
                        while (true) {
                            Connection.Received r = c.receive(Duration.ofSeconds(1));
                            if (r instanceof Connection.Closed) {
                                return;
                            }
                            if (r instanceof Connection.Got g) {
                                try (Connection.Frame f = g.frame()) {
                                    Message m = MessageCodec.decode(f.body());
                                    if (m instanceof Message.ZapDone) {
                                        zapsAnswered.incrementAndGet();
                                    } else if (m instanceof Message.Goodbye) {
                                        c.send(new Message.Detached(0));
                                        return;
                                    }
                                }
                            }
                        }
                    } finally {
                        live.remove(h.vmId());
                        h.close();
                    }
                }

                @Override
                public void abort(Exception why) {
                    live.remove(h.vmId());
                    h.close();
                }
            };
        }
    }

    @BeforeEach
    void start() {
        KernelTests.assumeUserfaultfd();
        sock = dir.resolve("agent.sock");
        server = HandOverServer.start(HandOverServer.Config.of(sock, Set.of(ROOT)), host);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void goodHandOver_isAccepted_zapIsServed_andGoodbyeDetaches() throws Exception {
        try (TestVmmMemory mem = new TestVmmMemory(SIZE)) {
            CountDownLatch zapped = new CountDownLatch(1);
            Message.Hello hello = new Message.Hello(1, "vm-good", List.of(mem.region()), false, Set.of(Protocol.CAP_ZAP));
            try (HandOverClient c = HandOverClient.connect(sock, hello, mem.uffd.fd(), new int[] {mem.memfd.fd()},
                    Duration.ofSeconds(5), ranges -> zapped.countDown())) {
                assertThat(c.accepted().vmId()).isEqualTo("vm-good");
                assertThat(zapped.await(5, TimeUnit.SECONDS)).as("zap request served").isTrue();
                await(() -> host.zapsAnswered.get() == 1);
                ValidatedHandOver h = host.attached.getFirst();
                assertThat(h.pid()).isEqualTo(Libc.getpid());
                assertThat(h.memfdSizes()).containsExactly(SIZE);
                assertThat(c.goodbye(Protocol.GOODBYE_DETACH, Duration.ofSeconds(5))).isZero();
                assertThat(c.closed().get(5, TimeUnit.SECONDS)).isEqualTo("the agent closed the connection");
            }
        }
        assertThat(server.stats().accepted()).isEqualTo(1);
    }

    // ------------------------------------------------------------------------------------------------ hostile input

    static byte[] frame(byte[] body) {
        return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
    }

    static byte[] frame(Message m) {
        return frame(MessageCodec.encode(m));
    }

    /** Sends raw bytes with descriptors on a fresh connection and returns the agent's answer. */
    Message.Rejected answerTo(Path socket, byte[] bytes, int... fds) {
        try (Connection c = Connection.connect(socket)) {
            c.sendRaw(bytes, fds);
            Connection.Received r = c.receive(Duration.ofSeconds(15));
            assertThat(r).isInstanceOf(Connection.Got.class);
            try (Connection.Frame f = ((Connection.Got) r).frame()) {
                Message m = MessageCodec.decode(f.body());
                assertThat(m).isInstanceOf(Message.Rejected.class);
                return (Message.Rejected) m;
            }
        }
    }

    void assertRejected(Message.Rejected r, RejectCode code, String reason) {
        assertThat(r.code()).as(r.message()).isEqualTo(code.wire());
        assertThat(r.message()).contains(reason);
    }

    static long openFds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    @Test
    void everyBadHandOver_isRejectedWithItsReason_closesWhatItSent_andTheAttachedVmKeepsItsSession() throws Exception {
        try (TestVmmMemory good = new TestVmmMemory(SIZE);
             TestVmmMemory other = new TestVmmMemory(SIZE);
             OwnedFd eventfd = OwnedFd.adopt((int) Syscalls.check("eventfd2", Syscalls.syscallRaw(290, 0, Libc.O_CLOEXEC, 0)), "eventfd");
             OwnedFd file = Libc.open(Files.writeString(dir.resolve("plain-file"), "x".repeat(8192)), Libc.O_RDWR);
             io.coldtier.linux.Userfaultfd removeEvents = io.coldtier.linux.Userfaultfd.open(
                     io.coldtier.linux.UffdOpenMode.SYSCALL, io.coldtier.linux.UffdFeature.EVENT_REMOVE, 0);
             HandOverClient attached = HandOverClient.connect(sock, good.hello("vm-attached"), good.uffd.fd(),
                     new int[] {good.memfd.fd()}, Duration.ofSeconds(5), null)) {
            long baseline = openFds();
            int uffd = other.uffd.fd();
            int memfd = other.memfd.fd();
            byte[] hello = frame(other.hello("vm-hostile"));

            assertRejected(answerTo(sock, frame("{\"type\":\"hello\",".getBytes(StandardCharsets.UTF_8)), uffd, memfd),
                    RejectCode.MALFORMED, "not valid JSON");
            assertRejected(answerTo(sock, frame("{\"type\":\"hello\",\"protocol\":1}".getBytes(StandardCharsets.UTF_8)),
                    uffd, memfd),
                    RejectCode.MALFORMED, "hello: missing field 'vm_id'");
            assertRejected(answerTo(sock, frame(new Message.Goodbye("detach")), uffd, memfd),
                    RejectCode.UNEXPECTED_MESSAGE, "the first message must be a hello, got 'goodbye'");
            assertRejected(answerTo(sock, frame(new String(MessageCodec.encode(other.hello("vm-hostile")),
                    StandardCharsets.UTF_8).replace("\"protocol\":1", "\"protocol\":9").getBytes(StandardCharsets.UTF_8)),
                    uffd, memfd), RejectCode.UNSUPPORTED_VERSION, "hello.protocol is 9");
            assertRejected(answerTo(sock, ByteBuffer.allocate(4).putInt(1 << 30).array(), uffd, memfd),
                    RejectCode.TOO_LARGE, "announces 1073741824 bytes");

            assertRejected(answerTo(sock, hello), RejectCode.FD_COUNT,
                    "got 0 descriptor(s); the hello needs 2: the userfaultfd, then 1 memfd(s)");
            assertRejected(answerTo(sock, hello, uffd), RejectCode.FD_COUNT, "got 1 descriptor(s)");
            assertRejected(answerTo(sock, hello, uffd, memfd, good.memfd.fd()), RejectCode.FD_COUNT,
                    "got 3 descriptor(s); the hello needs 2");
            assertRejected(answerTo(sock, hello, eventfd.get(), memfd), RejectCode.NOT_USERFAULTFD,
                    "descriptor 0 must be the userfaultfd ('anon_inode:[userfaultfd]') but is 'anon_inode:[eventfd]'");
            assertRejected(answerTo(sock, hello, memfd, memfd), RejectCode.NOT_USERFAULTFD, "but is '/memfd:handover-it");
            assertRejected(answerTo(sock, hello, removeEvents.fd(), memfd), RejectCode.UFFD_FEATURES,
                    "UFFD_FEATURE_EVENT_REMOVE");
            assertRejected(answerTo(sock, hello, uffd, file.get()), RejectCode.NOT_MEMFD,
                    "descriptor 1 (memfd 0) must be a memfd ('/memfd:...') but is '" + dir.resolve("plain-file"));
            assertRejected(answerTo(sock, hello, uffd, eventfd.get()), RejectCode.NOT_MEMFD, "anon_inode:[eventfd]");

            long base = other.mapping.address();
            var overlapping = other.hello("vm-hostile", List.of(new Message.RegionMapping(base, SIZE / 2, 0, 0, 4096, 0),
                    new Message.RegionMapping(base + SIZE / 4, SIZE / 2, 0, SIZE / 2, 4096, 1L << 32)));
            assertRejected(answerTo(sock, frame(overlapping), uffd, memfd), RejectCode.REGIONS_OVERLAP,
                    "regions[0] and regions[1] overlap in host address space");
            var pastTheEnd = other.hello("vm-hostile", List.of(new Message.RegionMapping(base, SIZE, 0, 4096, 4096, 0)));
            assertRejected(answerTo(sock, frame(pastTheEnd), uffd, memfd), RejectCode.REGION_EXCEEDS_MEMFD,
                    "but the memfd is only " + SIZE + " bytes long");
            var misaligned = other.hello("vm-hostile", List.of(new Message.RegionMapping(base + 512, 4096, 0, 0, 4096, 0)));
            assertRejected(answerTo(sock, frame(misaligned), uffd, memfd), RejectCode.BAD_REGION, "is not aligned");
            var wrongOffset = other.hello("vm-hostile", List.of(new Message.RegionMapping(base + SIZE / 2, SIZE / 2, 0, 0,
                    4096, 0)));
            assertRejected(answerTo(sock, frame(wrongOffset), uffd, memfd), RejectCode.MAPPING_MISMATCH,
                    "maps memfd offset " + SIZE / 2 + ", the hello says 0");
            var wrongMemfd = good.hello("vm-hostile");
            assertRejected(answerTo(sock, frame(wrongMemfd), uffd, memfd), RejectCode.MAPPING_MISMATCH, "not memfd 0");
            assertRejected(answerTo(sock, frame(good.hello("vm-attached")), good.uffd.fd(), good.memfd.fd()),
                    RejectCode.VM_BUSY, "vm-attached is attached");

            await(() -> {
                try {
                    return openFds() <= baseline;
                } catch (Exception e) {
                    return false;
                }
            });
            assertThat(openFds()).as("every received descriptor closed again").isLessThanOrEqualTo(baseline);
            assertThat(server.stats().rejected()).isEqualTo(19);
            assertThat(host.attached).hasSize(1);
            assertThat(attached.closed()).as("the attached VM's connection").isNotDone();
            assertThat(attached.goodbye(Protocol.GOODBYE_DETACH, Duration.ofSeconds(5))).isZero();
        }
    }

    @Test
    void peerWithAUidNotInTheAllowList_isRejectedBeforeItsHelloIsRead() throws Exception {
        Path other = dir.resolve("strict.sock");
        try (HandOverServer strict = HandOverServer.start(HandOverServer.Config.of(other, Set.of(12345)), host);
             TestVmmMemory mem = new TestVmmMemory(SIZE)) {
            assertThatThrownBy(() -> HandOverClient.connect(other, mem.hello("vm-uid"), mem.uffd.fd(),
                    new int[] {mem.memfd.fd()}, Duration.ofSeconds(5), null))
                    .isInstanceOfSatisfying(HandOverRejectedException.class, e -> {
                        assertThat(e.code()).isEqualTo(RejectCode.UID_NOT_ALLOWED);
                        assertThat(e.retryable()).isFalse();
                    })
                    .hasMessageContaining("uid 0 (pid " + Libc.getpid() + ") is not allowed to hand over memory;"
                            + " allowed uids: [12345]");
            assertThat(host.attached).isEmpty();
        }
    }

    @Test
    void helloThatNeverCompletes_isRejectedAfterTheTimeout_andALiveSocketIsNotReplaced() throws Exception {
        Path other = dir.resolve("slow.sock");
        try (HandOverServer slow = HandOverServer.start(new HandOverServer.Config(other, Set.of(ROOT),
                Duration.ofMillis(300)), host)) {
            assertRejected(answerTo(other, new byte[] {0, 0, 1}), RejectCode.TIMEOUT, "no complete hello within PT0.3S"
                    + " (3 bytes received)");
            assertThatThrownBy(() -> HandOverServer.start(HandOverServer.Config.of(other, Set.of(ROOT)), host))
                    .hasMessageContaining("another process is listening on " + other);
        }
        assertThat(other).doesNotExist();
    }

    @Test
    void staleSocketFile_isReplaced_butARegularFileIsNot() throws Exception {
        Path stale = dir.resolve("stale.sock");
        UnixSocket.listen(stale, 1).close(); // a dead agent's leftover: the file stays, nobody accepts
        assertThat(stale).exists();
        try (HandOverServer s = HandOverServer.start(HandOverServer.Config.of(stale, Set.of(ROOT)), host)) {
            assertThat(s.socketPath()).exists();
        }
        Path file = Files.writeString(dir.resolve("not-a-socket"), "keep me");
        assertThatThrownBy(() -> HandOverServer.start(HandOverServer.Config.of(file, Set.of(ROOT)), host))
                .hasMessageContaining("exists and is not a socket");
        assertThat(Files.readString(file)).isEqualTo("keep me");
    }

    static void await(java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(20);
        }
    }
}
