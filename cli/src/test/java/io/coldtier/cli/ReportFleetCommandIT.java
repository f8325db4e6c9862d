package io.coldtier.cli;

import io.coldtier.bus.EmbeddedKafka;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.schemas.Bitmaps;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.RegionInfo;
import io.coldtier.schemas.avro.ScanResult;
import io.coldtier.schemas.avro.VmRegistration;
import io.coldtier.schemas.avro.VmState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code coldtier report fleet} against a real (embedded) broker: two VMs' registrations and 20 scans each, produced
 * as the agent would, are read back and reported (the numbers themselves are checked in fleet's unit tests and
 * demo's FleetDemoIT).
 */
@Tag("kafka")
@Timeout(120)
class ReportFleetCommandIT {
    @Test
    void reportFleet_readsTheTopics_andWritesHtmlJsonAndCsv(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            KafkaSettings settings = KafkaSettings.of(kafka.bootstrapServers(), "report-fleet-it");
            try (TopicAdmin admin = new TopicAdmin(settings)) {
                admin.ensureTopics(Topics.newTopics(3, (short) 1));
            }
            Instant t0 = Instant.parse("2026-11-27T00:00:00Z");
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(settings.producerProps("it"))) {
                for (String vm : List.of("vm-a", "vm-b")) {
                    send(p, Topics.VMS, vm, Codec.encode(VmRegistration.newBuilder().setVmId(vm).setAgentId("agent-h")
                            .setHost("host-h").setPid(1).setBackend("zap").setState(VmState.ACTIVE)
                            .setRegisteredAt(t0).setRegions(List.of(RegionInfo.newBuilder().setIndex(0)
                                    .setGuestPhysBase(0).setSize(1024 * 4096).setPageSize(4096).build())).build()));
                    for (int c = 0; c < 20; c++) {
                        RoaringBitmap b = c == 0 ? RoaringBitmap.bitmapOfRange(0, 1024)
                                : RoaringBitmap.bitmapOfRange(0, vm.equals("vm-a") ? 100 : 500);
                        send(p, Topics.SCANS, vm, Codec.encode(ScanResult.newBuilder().setVmId(vm).setRegion(0)
                                .setCycle(c).setArmedAt(t0.plusSeconds(c)).setScannedAt(t0.plusSeconds(c + 1))
                                .setPageSize(4096).setPages(1024).setAccessedCount(b.getLongCardinality())
                                .setResidentCount(1024).setEvictedCount(0).setAccessed(Bitmaps.toBytes(b)).build()));
                    }
                }
                p.flush();
            }
            StringWriter out = new StringWriter();
            CommandLine cl = new CommandLine(new Main());
            cl.setOut(new PrintWriter(out, true));
            int exit = cl.execute("report", "fleet", "--bootstrap-servers", kafka.bootstrapServers(), "--output",
                    dir.resolve("fleet").toString(), "--reclaim-age", "10s");
            assertThat(exit).as(out.toString()).isZero();
            assertThat(out.toString()).contains("2 VMs on 1 host(s) from 40 scans");
            assertThat(dir.resolve("fleet/report.html")).exists();
            List<String> vms = Files.readAllLines(dir.resolve("fleet/vms.csv"), StandardCharsets.UTF_8);
            assertThat(vms).hasSize(3);
            // vm-a: 924 of 1024 pages idle 19 s at the end → first by reclaimable memory.
            assertThat(vms.get(1)).startsWith("vm-a,host-h,agent-h,ACTIVE,zap,1024,").contains(",0.9023,");
            assertThat(vms.get(2)).startsWith("vm-b,");
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> p, String topic, String key, byte[] value)
            throws Exception {
        p.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
    }
}
