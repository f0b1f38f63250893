package io.flowkit;

import java.io.IOException;

/**
 * Thrown by a {@link PacketSource} when its input is damaged so that reading cannot go on: a
 * file that is not a capture, a header that lies about its length, a record that runs past the
 * end of the file. The message names the source and the byte offset of the damage.
 */
public class CaptureFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The name of the source that failed. */
    private final String source;
    /** Byte offset of the damage, or -1. */
    private final long offset;

    /**
     * Creates the exception.
     *
     * @param source the source's name, usually the file path
     * @param offset byte offset of the damaged structure in the source, or -1 if unknown
     * @param reason what is wrong, without the source and offset
     */
    public CaptureFormatException(String source, long offset, String reason) {
        super(offset >= 0 ? source + ": at byte " + offset + ": " + reason : source + ": " + reason);
        this.source = source;
        this.offset = offset;
    }

    /**
     * Returns the name of the source that failed.
     *
     * @return the source's name
     */
    public String source() {
        return source;
    }

    /**
     * Returns the byte offset of the damaged structure.
     *
     * @return the offset, or -1 if unknown
     */
    public long offset() {
        return offset;
    }
}
