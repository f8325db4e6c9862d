package io.coldtier.handover;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Strict JSON codec of {@link Message}s. Decoding accepts exactly the documented shape: an object with a known
 * {@code type}, every field of that type present, no other field, no duplicate key, no trailing data, integers
 * where integers are due (no fractions, no exponent-only doubles, within range). Each failure is a
 * {@link HandOverException} with {@link RejectCode#MALFORMED} (or {@link RejectCode#UNSUPPORTED_VERSION} /
 * {@link RejectCode#TOO_LARGE}) naming the message type and field, e.g. {@code "hello.regions[1]: missing field
 * 'page_size'"}.
 */
public final class MessageCodec {
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private MessageCodec() {}

    // ------------------------------------------------------------------------------------------------ encode

    /** The JSON body (UTF-8) of {@code m}, without the length prefix. */
    public static byte[] encode(Message m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("type", m.type());
        switch (m) {
            case Message.Hello h -> {
                o.put("protocol", h.protocol());
                o.put("vm_id", h.vmId());
                ArrayNode rs = o.putArray("regions");
                for (Message.RegionMapping r : h.regions()) {
                    ObjectNode ro = rs.addObject();
                    ro.put("host_base", r.hostBase());
                    ro.put("size", r.size());
                    ro.put("memfd_index", r.memfdIndex());
                    ro.put("memfd_offset", r.memfdOffset());
                    ro.put("page_size", r.pageSize());
                    ro.put("guest_phys_addr", r.guestPhysAddr());
                }
                o.put("uffd_registered", h.uffdRegistered());
                ArrayNode caps = o.putArray("capabilities");
                h.capabilities().stream().sorted().forEach(caps::add);
            }
            case Message.Accepted a -> {
                o.put("vm_id", a.vmId());
                o.put("agent_id", a.agentId());
                o.put("recovered_pages", a.recoveredPages());
                o.put("zap", a.zap());
            }
            case Message.Rejected r -> {
                o.put("code", r.code());
                o.put("message", r.message());
            }
            case Message.ZapRequest z -> {
                o.put("id", z.id());
                ArrayNode rs = o.putArray("ranges");
                for (Message.Range r : z.ranges()) {
                    rs.addObject().put("start", r.start()).put("len", r.len());
                }
            }
            case Message.ZapDone d -> {
                o.put("id", d.id());
                o.put("ok", d.ok());
                o.put("message", d.message());
            }
            case Message.Goodbye g -> o.put("reason", g.reason());
            case Message.Detached d -> o.put("restored_pages", d.restoredPages());
        }
        byte[] body = JSON.writeValueAsBytes(o);
        if (body.length > Protocol.MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException(m.type() + " encodes to " + body.length + " bytes, over the "
                    + Protocol.MAX_MESSAGE_BYTES + "-byte limit");
        }
        return body;
    }

    // ------------------------------------------------------------------------------------------------ decode

    /**
     * Decodes one JSON body.
     *
     * @throws HandOverException MALFORMED / UNSUPPORTED_VERSION / TOO_LARGE with the precise reason
     */
    public static Message decode(byte[] body) {
        if (body.length > Protocol.MAX_MESSAGE_BYTES) {
            throw new HandOverException(RejectCode.TOO_LARGE, "message of " + body.length + " bytes exceeds the "
                    + Protocol.MAX_MESSAGE_BYTES + "-byte limit");
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException e) {
            // Jackson appends a source-location parenthesis that says nothing here (the source is our buffer).
            String why = e.getOriginalMessage().replaceAll("\\s*\\(start marker at \\[Source:.*$", "").strip();
            var at = e.getLocation();
            throw malformed("not valid JSON" + (at == null ? "" : " (line " + at.getLineNr() + ", column "
                    + at.getColumnNr() + ")") + ": " + why);
        }
        if (root == null || !root.isObject()) {
            throw malformed("a message must be a JSON object, got " + describe(root));
        }
        JsonNode type = root.get("type");
        if (type == null) {
            throw malformed("missing field 'type'");
        }
        if (!type.isString()) {
            throw malformed("field 'type' must be a string, got " + describe(type));
        }
        Fields f = new Fields(type.stringValue(), root);
        return switch (type.stringValue()) {
            case "hello" -> hello(f);
            case "accepted" -> {
                f.only("type", "vm_id", "agent_id", "recovered_pages", "zap");
                yield new Message.Accepted(f.string("vm_id"), f.string("agent_id"), f.unsigned("recovered_pages"),
                        f.string("zap"));
            }
            case "rejected" -> {
                f.only("type", "code", "message");
                yield new Message.Rejected(f.string("code"), f.string("message"));
            }
            case "zap" -> {
                f.only("type", "id", "ranges");
                List<Message.Range> ranges = new ArrayList<>();
                List<Fields> items = f.objects("ranges", 0, Integer.MAX_VALUE);
                for (Fields r : items) {
                    r.only("start", "len");
                    ranges.add(new Message.Range(r.unsigned("start"), r.unsigned("len")));
                }
                yield new Message.ZapRequest(f.unsigned("id"), ranges);
            }
            case "zap_done" -> {
                f.only("type", "id", "ok", "message");
                yield new Message.ZapDone(f.unsigned("id"), f.bool("ok"), f.string("message"));
            }
            case "goodbye" -> {
                f.only("type", "reason");
                String reason = f.string("reason");
                if (!reason.equals(Protocol.GOODBYE_DETACH) && !reason.equals(Protocol.GOODBYE_EXITING)) {
                    throw malformed("goodbye.reason must be '" + Protocol.GOODBYE_DETACH + "' or '"
                            + Protocol.GOODBYE_EXITING + "', got '" + reason + "'");
                }
                yield new Message.Goodbye(reason);
            }
            case "detached" -> {
                f.only("type", "restored_pages");
                yield new Message.Detached(f.unsigned("restored_pages"));
            }
            default -> throw malformed("unknown message type '" + type.stringValue()
                    + "' (known: hello, accepted, rejected, zap, zap_done, goodbye, detached)");
        };
    }

    private static Message.Hello hello(Fields f) {
        f.only("type", "protocol", "vm_id", "regions", "uffd_registered", "capabilities");
        long protocol = f.unsigned("protocol");
        if (protocol != Protocol.VERSION) {
            throw new HandOverException(RejectCode.UNSUPPORTED_VERSION, "hello.protocol is " + protocol
                    + "; this agent speaks protocol " + Protocol.VERSION);
        }
        String vmId = f.string("vm_id");
        int vmIdBytes = vmId.getBytes(StandardCharsets.UTF_8).length;
        if (vmIdBytes == 0 || vmIdBytes > Protocol.MAX_VM_ID_BYTES || vmId.indexOf('/') >= 0
                || vmId.chars().anyMatch(Character::isISOControl)) {
            throw malformed("hello.vm_id '" + vmId + "' must be 1.." + Protocol.MAX_VM_ID_BYTES
                    + " UTF-8 bytes without '/' or control characters");
        }
        List<Message.RegionMapping> regions = new ArrayList<>();
        for (Fields r : f.objects("regions", 1, Protocol.MAX_REGIONS)) {
            r.only("host_base", "size", "memfd_index", "memfd_offset", "page_size", "guest_phys_addr");
            long index = r.unsigned("memfd_index");
            if (index >= Protocol.MAX_MEMFDS) {
                throw malformed(r.where + ".memfd_index " + index + " exceeds the limit of " + Protocol.MAX_MEMFDS
                        + " memfds");
            }
            regions.add(new Message.RegionMapping(r.unsigned("host_base"), r.unsigned("size"), (int) index,
                    r.unsigned("memfd_offset"), r.unsigned("page_size"), r.unsigned("guest_phys_addr")));
        }
        boolean registered = f.bool("uffd_registered");
        Set<String> caps = new LinkedHashSet<>();
        JsonNode c = f.require("capabilities");
        if (!c.isArray()) {
            throw malformed("hello.capabilities must be an array of strings, got " + describe(c));
        }
        for (int i = 0; i < c.size(); i++) {
            if (!c.get(i).isString()) {
                throw malformed("hello.capabilities[" + i + "] must be a string, got " + describe(c.get(i)));
            }
            caps.add(c.get(i).stringValue());
        }
        return new Message.Hello((int) protocol, vmId, regions, registered, caps);
    }

    private static HandOverException malformed(String why) {
        return new HandOverException(RejectCode.MALFORMED, why);
    }

    private static String describe(JsonNode n) {
        if (n == null || n.isNull()) {
            return "null";
        }
        if (n.isObject()) {
            return "an object";
        }
        if (n.isArray()) {
            return "an array";
        }
        if (n.isString()) {
            return "the string \"" + n.stringValue() + "\"";
        }
        if (n.isBoolean()) {
            return "the boolean " + n.booleanValue();
        }
        return "the number " + n;
    }

    /** The fields of one JSON object, with its path for messages ({@code hello.regions[2]}). */
    private static final class Fields {
        final String where;
        final JsonNode node;

        Fields(String where, JsonNode node) {
            this.where = where;
            this.node = node;
        }

        void only(String... allowed) {
            Set<String> ok = Set.of(allowed);
            for (String name : node.propertyNames()) {
                if (!ok.contains(name)) {
                    throw malformed(where + ": unknown field '" + name + "' (allowed: " + String.join(", ", allowed)
                            + ")");
                }
            }
        }

        JsonNode require(String name) {
            JsonNode v = node.get(name);
            if (v == null) {
                throw malformed(where + ": missing field '" + name + "'");
            }
            return v;
        }

        String string(String name) {
            JsonNode v = require(name);
            if (!v.isString()) {
                throw malformed(where + "." + name + " must be a string, got " + describe(v));
            }
            return v.stringValue();
        }

        boolean bool(String name) {
            JsonNode v = require(name);
            if (!v.isBoolean()) {
                throw malformed(where + "." + name + " must be true or false, got " + describe(v));
            }
            return v.booleanValue();
        }

        /** A JSON integer in [0, 2^63). */
        long unsigned(String name) {
            JsonNode v = require(name);
            if (!v.isIntegralNumber()) {
                throw malformed(where + "." + name + " must be an integer, got " + describe(v));
            }
            if (!v.canConvertToLong()) {
                throw malformed(where + "." + name + " = " + v + " does not fit in 63 bits");
            }
            long l = v.longValue();
            if (l < 0) {
                throw malformed(where + "." + name + " must not be negative, got " + l);
            }
            return l;
        }

        List<Fields> objects(String name, int min, int max) {
            JsonNode v = require(name);
            if (!v.isArray()) {
                throw malformed(where + "." + name + " must be an array, got " + describe(v));
            }
            if (v.size() < min || v.size() > max) {
                throw malformed(where + "." + name + " has " + v.size() + " entries; allowed " + min + ".."
                        + (max == Integer.MAX_VALUE ? "any" : String.valueOf(max)));
            }
            List<Fields> out = new ArrayList<>(v.size());
            for (int i = 0; i < v.size(); i++) {
                JsonNode e = v.get(i);
                String at = where + "." + name + "[" + i + "]";
                if (!e.isObject()) {
                    throw malformed(at + " must be an object, got " + describe(e));
                }
                out.add(new Fields(at, e));
            }
            return out;
        }
    }
}
