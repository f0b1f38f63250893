package io.flowkit.cli;

import java.io.IOException;
import java.io.OutputStream;

/** Lets the log writer close its stream without closing standard output. */
final class NonClosingOutputStream extends OutputStream {
    private final OutputStream delegate;

    NonClosingOutputStream(OutputStream delegate) {
        this.delegate = delegate;
    }

    @Override
    public void write(int b) throws IOException {
        delegate.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        delegate.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
        delegate.flush();
    }

    @Override
    public void close() throws IOException {
        delegate.flush();
    }
}
