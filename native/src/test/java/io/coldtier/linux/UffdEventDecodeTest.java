package io.coldtier.linux;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** uffd_msg records, as the kernel writes them, decode into the sealed event set. */
@Tag("unit")
@Timeout(10)
class UffdEventDecodeTest {
    /** Builds one 32-byte uffd_msg: event at 0, then the arg union's first three words at 8/16/24. */
    static byte[] msg(int event, long a, long b, long c) {
        ByteBuffer bb = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        bb.put(0, (byte) event);
        bb.putLong(8, a).putLong(16, b).putLong(24, c);
        return bb.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteBuffer bb = ByteBuffer.allocate(parts.length * 32);
        for (byte[] p : parts) {
            bb.put(p);
        }
        return bb.array();
    }

    @Test
    void batchOfMessages_decodesEveryEventKindWithItsFields() {
        byte[] raw = concat(
                msg(0x12, 0x3, 0x7f00_0000_1000L, 4242),           // WRITE|WP, ptid 4242
                msg(0x12, 0x0, 0x7f00_0000_2000L, 0),              // MISSING read
                msg(0x13, 17, 0, 0),                                // fork, new uffd 17
                msg(0x14, 0x1000, 0x9000, 0x2000),                 // remap
                msg(0x15, 0x4000, 0x6000, 0),                      // remove
                msg(0x16, 0x8000, 0xa000, 0));                     // unmap
        try (UffdEventBuffer buf = new UffdEventBuffer(8)) {
            buf.load(raw);
            assertThat(buf.size()).isEqualTo(6);
            assertThat(buf.decodeAll()).containsExactly(
                    new UffdEvent.Pagefault(0x7f00_0000_1000L, 0x3, 4242),
                    new UffdEvent.Pagefault(0x7f00_0000_2000L, 0x0, 0),
                    new UffdEvent.Fork(17),
                    new UffdEvent.Remap(0x1000, 0x9000, 0x2000),
                    new UffdEvent.Remove(0x4000, 0x6000),
                    new UffdEvent.Unmap(0x8000, 0xa000));
            assertThat(buf.event(0)).isEqualTo(UffdEvent.EVENT_PAGEFAULT);
            assertThat(buf.address(1)).isEqualTo(0x7f00_0000_2000L);
            assertThat(buf.flags(0)).isEqualTo(3);
        }
    }

    @Test
    void pagefaultFlags_decodeToAccessKind() {
        UffdEvent.Pagefault wpWrite = new UffdEvent.Pagefault(0x1234_5678L, 0x3, 0);
        assertThat(wpWrite.write()).isTrue();
        assertThat(wpWrite.wp()).isTrue();
        assertThat(wpWrite.missing()).isFalse();
        assertThat(wpWrite.page(4096)).isEqualTo(0x1234_5000L);
        UffdEvent.Pagefault rwpRead = new UffdEvent.Pagefault(0x2000, 0x8, 0);
        assertThat(rwpRead.rwp()).isTrue();
        assertThat(rwpRead.write()).isFalse();
        assertThat(new UffdEvent.Pagefault(0, 0x4, 0).minor()).isTrue();
        assertThat(new UffdEvent.Pagefault(0, 0x1, 0).missing()).isTrue();
        assertThat(wpWrite.toString()).contains("WRITE|WP");
    }

    @Test
    void unknownEventCode_isADecodingError() {
        try (UffdEventBuffer buf = new UffdEventBuffer(1)) {
            buf.load(msg(0x42, 0, 0, 0));
            assertThatThrownBy(() -> buf.decode(0)).hasMessageContaining("0x42");
        }
    }

    @Test
    void readingPastTheBatch_isAnIndexError() {
        try (UffdEventBuffer buf = new UffdEventBuffer(4)) {
            buf.load(msg(0x12, 0, 0x1000, 0));
            assertThatThrownBy(() -> buf.decode(1)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }
}
