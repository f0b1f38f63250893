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
}
