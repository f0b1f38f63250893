package io.flowkit.pcap;

import io.flowkit.CaptureFormatException;
import io.flowkit.PacketSource;
import io.flowkit.pcap.internal.Formats;
import io.flowkit.pcap.internal.MappedInput;
import io.flowkit.pcap.internal.SequenceSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Opens capture files as {@link PacketSource}s: pcap, pcapng, and either of them compressed with
 * gzip. The format is recognised from the first bytes, never from the file name.
 *
 * <pre>{@code
 * try (PacketSource source = PcapFile.open(Path.of("trace.pcapng"))) {
 *     while (source.poll(tracker, 256) != PacketSource.END_OF_INPUT) {
 *     }
 *     System.out.println(source.stats());
 * }
 * }</pre>
 *
 * <h2>Formats</h2>
 * <ul>
 *   <li><b>pcap</b> in both byte orders, with microsecond ({@code a1b2c3d4}) or nanosecond
 *       ({@code a1b23c4d}) timestamps, and the old patched format ({@code a1b2cd34}). A record
 *       whose captured length is shorter than its original length is delivered with what is
 *       there and counted in {@link io.flowkit.SourceStats#truncated()}. Frames are what libpcap
 *       (and so Zeek and tcpdump) delivers, including its rule that a record longer than the
 *       file's snapshot length is cut to it.</li>
 *   <li><b>pcapng</b>: sections in either byte order, several per file; interfaces with their own
 *       link types, {@code if_tsresol} (powers of 10 and of 2) and {@code if_tsoffset}; enhanced,
 *       simple and obsolete packet blocks. A simple packet block has no timestamp and is given
 *       the previous frame's, so network time never runs backwards (libpcap gives it time 0).
 *       Other blocks are skipped. Unlike libpcap, which stops at the second of them, sections
 *       in different byte orders and interfaces with different link types or snapshot lengths
 *       are all read.</li>
 *   <li><b>gzip</b> ({@code 1f 8b}) around either of them, decompressed as a stream. Byte offsets
 *       in error messages then count decompressed bytes.</li>
 * </ul>
 *
 * <h2>Performance</h2>
 * A regular file is memory-mapped read-only in windows of 256 MiB (files larger than 2 GiB
 * work) and each frame is handed to the handler as a slice of the mapping: nothing is copied or
 * allocated per frame. Streams, paths that are not regular files (named pipes,
 * {@code /dev/stdin}) and gzip files go through one reusable buffer that grows only up
 * to the largest record accepted. Frames arrive in a big-endian buffer whatever the file's byte
 * order; the buffer's contents are valid only during {@code onFrame}.
 *
 * <h2>Damaged input</h2>
 * Every byte of a capture is treated as hostile. What happens, per case:
 * <table>
 *   <caption>Reaction to damaged input</caption>
 *   <tr><th>damage</th><th>reaction</th></tr>
 *   <tr><td>empty input, fewer than 4 bytes, unknown magic (not a capture, random bytes)</td>
 *       <td>{@link CaptureFormatException} at offset 0, from {@code open}</td></tr>
 *   <tr><td>pcap file header or first pcapng section header cut short</td>
 *       <td>{@link CaptureFormatException} from {@code open}</td></tr>
 *   <tr><td>last record or block cut short by the end of the file (header or body)</td>
 *       <td>counted in {@link io.flowkit.SourceStats#skippedRecords()}, reading ends cleanly
 *       (as with tcpdump, which also stops there)</td></tr>
 *   <tr><td>pcap record with a captured length above 262144 bytes (libpcap's limit)</td>
 *       <td>{@link CaptureFormatException} at the record: the next record cannot be found</td></tr>
 *   <tr><td>pcap record that captured more than the file header's snapshot length</td>
 *       <td>delivered cut to the snapshot length, as libpcap does</td></tr>
 *   <tr><td>pcap record whose original length is below its captured length</td>
 *       <td>delivered, with the original length raised to the captured length</td></tr>
 *   <tr><td>pcapng block length not a multiple of 4, below the minimum, or different from the
 *       trailing copy; bad byte-order magic or a major version other than 1</td>
 *       <td>{@link CaptureFormatException} at the block: the next block cannot be found</td></tr>
 *   <tr><td>pcapng packet block naming an unknown interface, with a captured length beyond the
 *       block or above 262144 bytes, or on an interface with an unusable {@code if_tsresol};
 *       packet or interface blocks above 320 KiB; more than 4096 interfaces in a section</td>
 *       <td>skipped and counted in {@link io.flowkit.SourceStats#skippedRecords()}</td></tr>
 *   <tr><td>malformed options of an interface description</td>
 *       <td>options after the damage are ignored; the interface is used</td></tr>
 *   <tr><td>damaged or cut gzip data</td>
 *       <td>{@link CaptureFormatException} at the decompressed offset</td></tr>
 * </table>
 * Frames delivered before an exception stay delivered. Memory use does not depend on the input.
 *
 * <h2>Threading</h2>
 * A source returned here is used by one thread at a time; handlers run on the polling thread.
 * After {@code close()}, {@code poll} returns {@link PacketSource#END_OF_INPUT}.
 */
public final class PcapFile {

    private PcapFile() {
    }

    /**
     * Opens one capture file.
     *
     * @param file a pcap, pcapng or gzip-compressed capture file, or a named pipe carrying one
     * @return a source positioned at the first frame; the caller closes it
     * @throws CaptureFormatException if the file is not a capture or its header is damaged
     * @throws IOException            if the file cannot be opened or read
     */
    public static PacketSource open(Path file) throws IOException {
        return Formats.open(Objects.requireNonNull(file, "file"), MappedInput.DEFAULT_WINDOW);
    }

    /**
     * Opens several capture files to be read as one timeline, one after another in the given
     * order (no merging by timestamp), as Zeek does with traces given to separate runs whose
     * output is appended. Formats may differ between files. Only the first file is opened here;
     * each later one is opened when it is reached, so its errors come from {@code poll}.
     * {@link PacketSource#name()} names the file being read, and {@link PacketSource#stats()}
     * sums over all files read so far.
     *
     * @param files one or more capture files
     * @return a source positioned at the first frame of the first file; the caller closes it
     * @throws IllegalArgumentException if {@code files} is empty
     * @throws CaptureFormatException   if the first file is not a capture
     * @throws IOException              if the first file cannot be opened or read
     */
    public static PacketSource open(List<Path> files) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no capture files given");
        }
        files.forEach(f -> Objects.requireNonNull(f, "files contains null"));
        return new SequenceSource(files, MappedInput.DEFAULT_WINDOW);
    }

    /**
     * Opens a capture arriving on a stream, such as standard input. The stream may be
     * gzip-compressed. It is read sequentially through a reusable buffer and closed with the
     * source. A {@link java.io.FileInputStream} (for standard input,
     * {@code new FileInputStream(FileDescriptor.in)} rather than the buffered {@code System.in})
     * is read through its channel, one copy instead of two; interrupting the reading thread then
     * closes it, as with any interruptible channel.
     *
     * @param in   the stream, positioned at the capture's first byte
     * @param name a name for messages, such as {@code "-"} or {@code "stdin"}
     * @return a source positioned at the first frame; the caller closes it
     * @throws CaptureFormatException if the stream is not a capture or its header is damaged
     * @throws IOException            if reading fails
     */
    public static PacketSource open(InputStream in, String name) throws IOException {
        return Formats.open(Objects.requireNonNull(in, "in"), Objects.requireNonNull(name, "name"));
    }
}
