package io.flowkit.core;

/** The output formats of flowkit's log writers. */
public enum LogFormat {
    /**
     * Zeek's ASCII (TSV) format: {@code #separator}, {@code #fields} and {@code #types} header
     * lines, tab-separated values, {@code -} for unset and {@code (empty)} for empty fields.
     */
    ZEEK,
    /** One JSON object per line with Zeek's field names; unset fields are left out, as Zeek does. */
    JSON
}
