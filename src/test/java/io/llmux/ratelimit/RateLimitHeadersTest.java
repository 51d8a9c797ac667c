package io.llmux.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.ratelimit.Limit.Kind;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {

    @Test
    void durationsAreWrittenTheWayOpenAiWritesThem() {
        assertThat(RateLimitHeaders.duration(Duration.ZERO)).isEqualTo("0s");
        assertThat(RateLimitHeaders.duration(Duration.ofMillis(17))).isEqualTo("17ms");
        assertThat(RateLimitHeaders.duration(Duration.ofMillis(1000))).isEqualTo("1s");
        assertThat(RateLimitHeaders.duration(Duration.ofMillis(8640))).isEqualTo("8.64s");
        assertThat(RateLimitHeaders.duration(Duration.ofMillis(8005))).isEqualTo("8.005s");
        assertThat(RateLimitHeaders.duration(Duration.ofSeconds(60))).isEqualTo("1m0s");
        assertThat(RateLimitHeaders.duration(Duration.ofMillis(390_500))).isEqualTo("6m30.5s");
        assertThat(RateLimitHeaders.duration(Duration.ofMillis(-5))).isEqualTo("0s");
    }

    @Test
    void anAdmissionShowsTheRpmAndTpmLimitWithTheLeastRoomLeft() {
        Limit keyRpm = new Limit("key 'a'", "k", Kind.RPM, 100);
        Limit teamRpm = new Limit("team 't'", "t", Kind.RPM, 10);
        Limit keyTpm = new Limit("key 'a'", "k", Kind.TPM, 5000);
        Limit parallel = new Limit("key 'a'", "k", Kind.PARALLEL, 2);
        Admission a = new Admission(
                "id",
                List.of(keyRpm, teamRpm, keyTpm, parallel),
                20,
                0,
                List.of(
                        new Admission.State(keyRpm, 99, Duration.ofSeconds(60)),
                        new Admission.State(teamRpm, 3, Duration.ofMillis(42_250)),
                        new Admission.State(keyTpm, 4980, Duration.ofSeconds(59)),
                        new Admission.State(parallel, 1, Duration.ZERO)));
        Map<String, String> headers = new LinkedHashMap<>();
        RateLimitHeaders.of(a, headers::put);
        assertThat(headers)
                .containsExactly(
                        Map.entry("x-ratelimit-limit-requests", "10"),
                        Map.entry("x-ratelimit-remaining-requests", "3"),
                        Map.entry("x-ratelimit-reset-requests", "42.25s"),
                        Map.entry("x-ratelimit-limit-tokens", "5000"),
                        Map.entry("x-ratelimit-remaining-tokens", "4980"),
                        Map.entry("x-ratelimit-reset-tokens", "59s"));
    }

    @Test
    void aRefusalShowsTheLimitItMetAndAParallelRefusalHasNoHeaderOfItsOwn() {
        Map<String, String> headers = new LinkedHashMap<>();
        RateLimitHeaders.of(
                new RateLimited(
                        new Limit("key 'a'", "k", Kind.TPM, 100), Duration.ofSeconds(3), 12, Duration.ofSeconds(50)),
                headers::put);
        assertThat(headers)
                .containsExactly(
                        Map.entry("x-ratelimit-limit-tokens", "100"),
                        Map.entry("x-ratelimit-remaining-tokens", "12"),
                        Map.entry("x-ratelimit-reset-tokens", "50s"));
        headers.clear();
        RateLimitHeaders.of(
                new RateLimited(new Limit("key 'a'", "k", Kind.PARALLEL, 1), Duration.ofSeconds(1), 0, Duration.ZERO),
                headers::put);
        assertThat(headers).isEmpty();
    }
}
