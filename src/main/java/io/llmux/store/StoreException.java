package io.llmux.store;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;

/**
 * A database call that failed, with what kind of failure it was, because callers answer each kind differently: an
 * unreachable database is a 503 (and known keys keep working from the cache), a conflict is the caller's 400 (a
 * duplicate {@code key_alias}), anything else is a bug or a schema problem (500).
 */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why the call failed. */
    public enum Kind {
        /** The database could not be reached, or dropped the connection: retry later. */
        UNAVAILABLE,
        /** A uniqueness constraint refused the write: the caller's input clashes with a stored row. */
        CONFLICT,
        /** A value the schema cannot hold (too long, out of range): the caller's input, checked too late. */
        INVALID,
        /** Anything else. */
        FAILED
    }

    private final Kind kind;

    public StoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public boolean unavailable() {
        return kind == Kind.UNAVAILABLE;
    }

    public boolean conflict() {
        return kind == Kind.CONFLICT;
    }

    /** @param action what was being done, for the message: "insert key", "apply migration V1__init.sql" */
    static StoreException of(String action, SQLException e) {
        Kind kind = classify(e);
        String why = switch (kind) {
            case UNAVAILABLE -> "database unreachable";
            case CONFLICT -> "conflicts with a stored row";
            case INVALID -> "a value does not fit its column";
            case FAILED -> "database error";
        };
        return new StoreException(kind, action + ": " + why + " (" + e.getMessage() + ")", e);
    }

    static Kind classify(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // Hikari's "connection is not available" wraps the driver's reason for the last failed connect
            if (t instanceof SQLTransientConnectionException
                    || t instanceof SQLNonTransientConnectionException
                    || t instanceof SQLRecoverableException
                    || t instanceof java.net.ConnectException
                    || t instanceof java.net.UnknownHostException) {
                return Kind.UNAVAILABLE;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") // connection exception (both drivers)
                        || state.startsWith("57P") // PostgreSQL shutting down or not yet accepting connections
                        || state.equals("90067") // H2: connection broken
                        || state.equals("90098")) { // H2: database closed
                    return Kind.UNAVAILABLE;
                }
                if (state.startsWith("23")) {
                    return Kind.CONFLICT;
                }
                if (state.equals("22001") || state.equals("22003")) { // string too long, number out of range
                    return Kind.INVALID;
                }
            }
        }
        return Kind.FAILED;
    }
}
