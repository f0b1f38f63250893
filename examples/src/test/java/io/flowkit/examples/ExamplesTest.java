package io.flowkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ExamplesTest {

    @Test
    void examplesImportNoInternalPackage() throws IOException {
        List<Path> sources;
        try (Stream<Path> s = Files.walk(Path.of("src/main/java"))) {
            sources = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertThat(sources).isNotEmpty();
        for (Path p : sources) {
            assertThat(Files.readString(p)).as(p.toString()).doesNotContain(".internal.").doesNotContain(".internal;");
        }
    }

    @Test
    void customSourceExampleReportsOneCompleteConnection() throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            CustomSource.main(new String[0]);
        } finally {
            System.setOut(saved);
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).matches("C[0-9A-Za-z]+ 10\\.0\\.0\\.1:40000 -> 10\\.0\\.0\\.2:80 tcp SF ShADdFf orig_bytes=100 resp_bytes=1400");
    }

    @Test
    void tunedThresholdsExampleWritesConnLogAndReportsTheDemoScanners(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path log = dir.resolve("conn.log");
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            TunedThresholds.main(new String[] {"../demo/demo.pcap", log.toString()});
        } finally {
            System.setOut(saved);
        }
        String events = bytes.toString(StandardCharsets.UTF_8);
        assertThat(events).contains("203.0.113.66 ADDRESS_SCAN").contains("203.0.113.77 PORT_SCAN");
        assertThat(Files.readAllLines(log)).anySatisfy(l -> assertThat(l).startsWith("#fields\tts\tuid"))
                .filteredOn(l -> !l.startsWith("#")).isNotEmpty();
    }
}
