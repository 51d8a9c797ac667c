package io.llmux.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmux.pipeline.Endpoint;
import io.llmux.pipeline.Exchange;
import io.llmux.ratelimit.Limit.Kind;
import io.llmux.wire.Usage;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateLimitSettlementTest {
    private static final Limit TPM = new Limit("key 'a'", "k", Kind.TPM, 10_000);
    private static final Limit PARALLEL = new Limit("key 'a'", "k", Kind.PARALLEL, 1);

    private final LocalRateLimiter limiter = new LocalRateLimiter(Clock.systemUTC());
    private final RateLimitSettlement settlement = new RateLimitSettlement(limiter);

    private static Exchange exchange() {
        return new Exchange("req_1", Endpoint.CHAT, new byte[0], h -> null, 0);
    }

    @Test
    void theProvidersCountReplacesTheEstimateAndWithoutOneADeliveredAnswerKeepsIt() {
        Admission a = new Admission("id", List.of(TPM), 40, 0, List.of());
        assertThat(RateLimitSettlement.tokens(a, new Usage(30, 12, 0), 200)).isEqualTo(42);
        assertThat(RateLimitSettlement.tokens(a, Usage.NONE, 200)).isEqualTo(40);
        assertThat(RateLimitSettlement.tokens(a, Usage.NONE, 499)).isEqualTo(40);
        assertThat(RateLimitSettlement.tokens(a, Usage.NONE, 502)).isZero();
    }

    @Test
    void aParallelSlotIsFreedBeforeTheLastByteAndSettlingTwiceDoesNothing() throws Exception {
        Exchange ex = exchange();
        ex.rateAdmission(limiter.admit(List.of(PARALLEL), 0));
        settlement.beforeLastByte(ex, 200);
        assertThat(ex.rateAdmission()).isNull();
        Exchange next = exchange();
        next.rateAdmission(limiter.admit(List.of(PARALLEL), 0)); // the slot is free again
        settlement.settle(ex, 200); // already settled: must not free the new holder's slot
        assertThatThrownBy(() -> limiter.admit(List.of(PARALLEL), 0)).isInstanceOf(RateLimited.class);
    }

    @Test
    void withoutParallelSlotsSettlingWaitsUntilTheAnswerIsOut() throws Exception {
        Exchange ex = exchange();
        Admission a = limiter.admit(List.of(TPM), 9_000);
        ex.rateAdmission(a);
        settlement.beforeLastByte(ex, 200);
        assertThat(ex.rateAdmission()).isSameAs(a);
        ex.usage(new Usage(100, 50, 0));
        settlement.settle(ex, 200);
        assertThat(ex.rateAdmission()).isNull();
        // 150 of 10,000 tokens used now, so 9,000 more fit again
        assertThat(limiter.admit(List.of(TPM), 9_000).states().get(0).remaining())
                .isEqualTo(850);
    }
}
