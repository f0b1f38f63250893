package io.flowkit.cli;

/** Input that cannot be read (missing file, not a capture): exit status 1 with a one-line message. */
final class InputException extends Exception {
    private static final long serialVersionUID = 1L;

    InputException(String message, Throwable cause) {
        super(message, cause);
    }
}
