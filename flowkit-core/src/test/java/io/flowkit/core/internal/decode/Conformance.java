package io.flowkit.core.internal.decode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Locates the shared Zeek conformance corpus ({@code ../shared/conformance/zeek} from the repository root). */
final class Conformance {
    private Conformance() {
    }

    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared/conformance/zeek");
            if (Files.isRegularFile(candidate.resolve("manifest.tsv"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("Zeek conformance corpus not found above " + dir
                + " (expected ../shared/conformance/zeek next to the repository)");
    }

    /** Manifest rows as column arrays, header excluded. */
    static List<String[]> manifest() {
        try {
            List<String> lines = Files.readAllLines(root().resolve("manifest.tsv"));
            List<String[]> rows = new ArrayList<>();
            for (String l : lines.subList(1, lines.size())) {
                if (!l.isBlank()) {
                    rows.add(l.split("\t", -1));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every classic-pcap trace of the corpus. */
    static List<Path> classicTraces() {
        try (var s = Files.list(root().resolve("traces"))) {
            List<Path> out = new ArrayList<>();
            for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                if (ClassicPcap.isClassic(p)) {
                    out.add(p);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
