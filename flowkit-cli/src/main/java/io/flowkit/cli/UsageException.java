package io.flowkit.cli;

/** Bad command-line usage: exit status 2 with a one-line message and the command's usage. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
