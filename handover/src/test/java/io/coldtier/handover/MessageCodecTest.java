package io.coldtier.handover;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MessageCodecTest {
    static final String REGION = "{\"host_base\":140000000000000,\"size\":1048576,\"memfd_index\":0,"
            + "\"memfd_offset\":0,\"page_size\":4096,\"guest_phys_addr\":0}";

    static String hello(String regions, String extra) {
        return "{\"type\":\"hello\",\"protocol\":1,\"vm_id\":\"vm-1\",\"regions\":[" + regions + "],"
                + "\"uffd_registered\":true,\"capabilities\":[\"zap\"]" + extra + "}";
    }

    static Message decode(String json) {
        return MessageCodec.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyMessage_roundTrips() {
        List<Message> all = List.of(
                new Message.Hello(1, "vm-ä", List.of(new Message.RegionMapping(0x7f00_0000_0000L, 1 << 20, 0, 4096, 4096,
                        1L << 32)), false, Set.of("zap", "future-thing")),
                new Message.Accepted("vm-1", "agent-h1", 42, "vmm"),
                new Message.Rejected("fd_count", "got 1 descriptor"),
                new Message.ZapRequest(7, List.of(new Message.Range(4096, 8192))),
                new Message.ZapDone(7, false, "EINVAL"),
                new Message.Goodbye(Protocol.GOODBYE_DETACH),
                new Message.Detached(3));
        for (Message m : all) {
            assertThat(MessageCodec.decode(MessageCodec.encode(m))).as(m.type()).isEqualTo(m);
        }
    }

    @Test
    void hello_decodesEveryField() {
        Message.Hello h = (Message.Hello) decode(hello(REGION, ""));
        assertThat(h.vmId()).isEqualTo("vm-1");
        assertThat(h.regions()).containsExactly(new Message.RegionMapping(140000000000000L, 1048576, 0, 0, 4096, 0));
        assertThat(h.uffdRegistered()).isTrue();
        assertThat(h.capabilities()).containsExactly("zap");
        assertThat(h.memfdCount()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "not JSON                  | {\"type\":\"hello\",                        | not valid JSON",
        "trailing garbage          | {\"type\":\"goodbye\",\"reason\":\"detach\"} x | not valid JSON",
        "duplicate key             | {\"type\":\"goodbye\",\"type\":\"goodbye\",\"reason\":\"detach\"} | not valid JSON",
        "array                     | [1,2]                                     | must be a JSON object, got an array",
        "no type                   | {\"reason\":\"detach\"}                    | missing field 'type'",
        "unknown type              | {\"type\":\"hullo\"}                       | unknown message type 'hullo'",
        "bad goodbye reason        | {\"type\":\"goodbye\",\"reason\":\"bye\"}  | goodbye.reason must be",
    })
    void malformedInput_isRejectedWithTheReason(String name, String json, String reason) {
        assertThatThrownBy(() -> decode(json)).isInstanceOfSatisfying(HandOverException.class,
                e -> assertThat(e.code()).isEqualTo(RejectCode.MALFORMED)).hasMessageContaining(reason);
    }

    @Test
    void hello_unknownField_namesIt() {
        assertThatThrownBy(() -> decode(hello(REGION, ",\"vcpus\":2"))).hasMessageContaining(
                "hello: unknown field 'vcpus'");
        String region = REGION.replace("}", ",\"slot\":3}");
        assertThatThrownBy(() -> decode(hello(region, ""))).hasMessageContaining(
                "hello.regions[0]: unknown field 'slot'");
    }

    @Test
    void hello_missingField_namesIt() {
        assertThatThrownBy(() -> decode(hello(REGION.replace("\"page_size\":4096,", ""), "")))
                .hasMessageContaining("hello.regions[0]: missing field 'page_size'");
        assertThatThrownBy(() -> decode(hello(REGION, "").replace(",\"uffd_registered\":true", "")))
                .hasMessageContaining("hello: missing field 'uffd_registered'");
    }

    @Test
    void hello_wrongTypes_areNamed() {
        assertThatThrownBy(() -> decode(hello(REGION.replace("\"size\":1048576", "\"size\":\"1M\""), "")))
                .hasMessageContaining("hello.regions[0].size must be an integer, got the string \"1M\"");
        assertThatThrownBy(() -> decode(hello(REGION.replace("\"size\":1048576", "\"size\":1048576.5"), "")))
                .hasMessageContaining("hello.regions[0].size must be an integer");
        assertThatThrownBy(() -> decode(hello(REGION.replace("\"size\":1048576", "\"size\":-4096"), "")))
                .hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> decode(hello(REGION.replace("\"size\":1048576", "\"size\":99999999999999999999"), "")))
                .hasMessageContaining("does not fit in 63 bits");
        assertThatThrownBy(() -> decode(hello(REGION, "").replace("\"uffd_registered\":true", "\"uffd_registered\":1")))
                .hasMessageContaining("hello.uffd_registered must be true or false");
    }

    @Test
    void hello_limits() {
        assertThatThrownBy(() -> decode(hello("", ""))).hasMessageContaining("hello.regions has 0 entries; allowed 1..64");
        assertThatThrownBy(() -> decode(hello(REGION, "").replace("\"vm-1\"", "\"a/b\"")))
                .hasMessageContaining("hello.vm_id 'a/b' must be 1..128 UTF-8 bytes without '/'");
        assertThatThrownBy(() -> decode(hello(REGION.replace("\"memfd_index\":0", "\"memfd_index\":40"), "")))
                .hasMessageContaining("memfd_index 40 exceeds the limit of 32 memfds");
        assertThatThrownBy(() -> decode(hello(REGION, "").replace("\"protocol\":1", "\"protocol\":2")))
                .isInstanceOfSatisfying(HandOverException.class,
                        e -> assertThat(e.code()).isEqualTo(RejectCode.UNSUPPORTED_VERSION))
                .hasMessageContaining("this agent speaks protocol 1");
        byte[] big = new byte[Protocol.MAX_MESSAGE_BYTES + 1];
        assertThatThrownBy(() -> MessageCodec.decode(big)).isInstanceOfSatisfying(HandOverException.class,
                e -> assertThat(e.code()).isEqualTo(RejectCode.TOO_LARGE));
    }

    @Test
    void rejectCodes_haveStableWireNames() {
        assertThat(RejectCode.UID_NOT_ALLOWED.wire()).isEqualTo("uid_not_allowed");
        assertThat(RejectCode.fromWire("region_exceeds_memfd")).isEqualTo(RejectCode.REGION_EXCEEDS_MEMFD);
        assertThat(RejectCode.fromWire("from_the_future")).isNull();
        assertThat(RejectCode.VM_BUSY.retryable()).isTrue();
        assertThat(RejectCode.NOT_MEMFD.retryable()).isFalse();
    }
}
