package io.flowkit;

/**
 * What a {@link PacketSource} has read so far: a snapshot, immutable.
 *
 * @param frames         frames delivered to the handler
 * @param bytes          captured bytes of those frames
 * @param truncated      delivered frames whose capture length was shorter than their wire length
 * @param skippedRecords records the source could not deliver (bad lengths, unknown interfaces,
 *                       undecodable blocks) and skipped
 * @param kernelDrops    frames the capture mechanism reported as dropped (live capture only)
 * @param filtered       frames read but not delivered because a capture filter rejected them;
 *                       they are not counted in {@code frames}, {@code bytes} or {@code truncated}
 */
public record SourceStats(long frames, long bytes, long truncated, long skippedRecords, long kernelDrops,
                          long filtered) {

    /** All counters zero. */
    public static final SourceStats EMPTY = new SourceStats(0, 0, 0, 0, 0, 0);

    /**
     * Creates a snapshot for a source that filters nothing: {@code filtered} is zero.
     *
     * @param frames         frames delivered to the handler
     * @param bytes          captured bytes of those frames
     * @param truncated      delivered frames whose capture length was shorter than their wire
     *                       length
     * @param skippedRecords records skipped as unreadable
     * @param kernelDrops    frames the capture mechanism reported as dropped
     */
    public SourceStats(long frames, long bytes, long truncated, long skippedRecords, long kernelDrops) {
        this(frames, bytes, truncated, skippedRecords, kernelDrops, 0);
    }

    /**
     * Returns the sum of this and {@code other}, for runs over several sources.
     *
     * @param other counters to add
     * @return a new snapshot with each counter added
     */
    public SourceStats plus(SourceStats other) {
        return new SourceStats(frames + other.frames, bytes + other.bytes, truncated + other.truncated,
                skippedRecords + other.skippedRecords, kernelDrops + other.kernelDrops, filtered + other.filtered);
    }
}
