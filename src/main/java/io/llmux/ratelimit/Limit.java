package io.llmux.ratelimit;

/**
 * One limit that applies to a request (SPEC §9).
 *
 * @param scope who is limited, for the message: {@code key 'alice'}, {@code team 'eng'},
 *     {@code key 'alice' on model 'gpt-4o'}
 * @param id names the counter; two limits with the same id and kind share one. Per request, each counter at most once.
 * @param value requests per minute, tokens per minute or requests in flight; positive
 */
public record Limit(String scope, String id, Kind kind, long value) {

    public enum Kind {
        RPM("rpm", "requests per minute"),
        TPM("tpm", "tokens per minute"),
        PARALLEL("parallel", "parallel requests");

        private final String wire;
        private final String unit;

        Kind(String wire, String unit) {
            this.wire = wire;
            this.unit = unit;
        }

        /** The short name in messages and counter keys: rpm, tpm, parallel. */
        public String wire() {
            return wire;
        }

        public String unit() {
            return unit;
        }
    }

    public Limit {
        if (value <= 0) {
            throw new IllegalArgumentException(scope + ": a " + kind.wire() + " limit must be positive, got " + value);
        }
    }
}
