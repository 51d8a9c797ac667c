package io.llmux.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

/** How a database failure is classified decides the client's answer: 503, a 400 conflict or a 400 bad value. */
class StoreExceptionTest {

    @Test
    void aValueTooLongOrOutOfRangeIsTheCallersInput() {
        assertThat(StoreException.classify(new SQLException("value too long", "22001")))
                .isEqualTo(StoreException.Kind.INVALID);
        assertThat(StoreException.classify(new SQLException("numeric field overflow", "22003")))
                .isEqualTo(StoreException.Kind.INVALID);
    }

    @Test
    void aUniqueViolationIsAConflictAndAConnectionFailureIsUnavailable() {
        assertThat(StoreException.classify(new SQLException("duplicate key", "23505")))
                .isEqualTo(StoreException.Kind.CONFLICT);
        assertThat(StoreException.classify(new SQLTransientConnectionException("pool timeout")))
                .isEqualTo(StoreException.Kind.UNAVAILABLE);
        assertThat(StoreException.classify(new SQLException("connection refused", "08001")))
                .isEqualTo(StoreException.Kind.UNAVAILABLE);
        assertThat(StoreException.classify(new SQLException("syntax error", "42601")))
                .isEqualTo(StoreException.Kind.FAILED);
    }
}
