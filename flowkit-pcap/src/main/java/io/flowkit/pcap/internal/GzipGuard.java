package io.flowkit.pcap.internal;

import io.flowkit.CaptureFormatException;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.ZipException;

/**
 * Turns the decompressor's complaints about damaged gzip data into
 * {@link CaptureFormatException}s that name the file and the decompressed offset, so that a
 * damaged compressed capture fails like a damaged plain one. A gzip stream cut short is reported
 * the same way: the decompressor cannot tell a cut from damage.
 */
final class GzipGuard extends FilterInputStream {
    private final String name;
    private long offset;

    GzipGuard(InputStream in, String name) {
        super(in);
        this.name = name;
    }

    @Override
    public int read() throws IOException {
        try {
            int c = super.read();
            if (c >= 0) {
                offset++;
            }
            return c;
        } catch (ZipException | EOFException e) {
            throw damaged(e);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            int n = super.read(b, off, len);
            if (n > 0) {
                offset += n;
            }
            return n;
        } catch (ZipException | EOFException e) {
            throw damaged(e);
        }
    }

    @Override
    public long skip(long n) throws IOException {
        try {
            long skipped = super.skip(n);
            offset += skipped;
            return skipped;
        } catch (ZipException | EOFException e) {
            throw damaged(e);
        }
    }

    private CaptureFormatException damaged(IOException e) {
        return new CaptureFormatException(name, offset,
                "damaged gzip data (the offset counts decompressed bytes): " + e.getMessage());
    }
}
