package io.coldtier.handover;

import io.coldtier.linux.Mapping;
import io.coldtier.linux.Memfd;
import io.coldtier.linux.OwnedFd;
import io.coldtier.linux.UffdOpenMode;
import io.coldtier.linux.Userfaultfd;

import java.util.List;
import java.util.Set;

/**
 * Guest memory as a VMM would own it, in this JVM: one memfd mapped shared, and a uffd (UFFDIO_API done,
 * nothing registered). Hands out the descriptors as {@link OwnedFd}s the test keeps owning.
 */
final class TestVmmMemory implements AutoCloseable {
    final Memfd memfd;
    final Mapping mapping;
    final Userfaultfd uffd;
    final long size;

    TestVmmMemory(long size) {
        this.size = size;
        this.memfd = Memfd.create("handover-it", size);
        this.mapping = Mapping.shared(memfd.fd(), size, 0);
        this.uffd = Userfaultfd.open(UffdOpenMode.SYSCALL, 0, 0);
    }

    Message.RegionMapping region() {
        return new Message.RegionMapping(mapping.address(), size, 0, 0, 4096, 0);
    }

    Message.Hello hello(String vmId, List<Message.RegionMapping> regions) {
        return new Message.Hello(Protocol.VERSION, vmId, regions, false, Set.of());
    }

    Message.Hello hello(String vmId) {
        return hello(vmId, List.of(region()));
    }

    int[] fds() {
        return new int[] {uffd.fd(), memfd.fd()};
    }

    @Override
    public void close() {
        mapping.close();
        uffd.close();
        memfd.close();
    }
}
