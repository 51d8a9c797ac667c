package io.llmux.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * OpenAI's {@code x-ratelimit-{limit,remaining,reset}-{requests,tokens}} headers for a limited key (SPEC §3). Where
 * several rpm (or tpm) limits apply, the headers describe the one with the least room left, the one the client will
 * meet first. Resets are written the way OpenAI writes them: {@code 17ms}, {@code 8.64s}, {@code 6m0s}.
 */
public final class RateLimitHeaders {

    private RateLimitHeaders() {}

    /** One unit's three header names, built once. */
    private record Names(String limit, String remaining, String reset) {
        static Names of(String unit) {
            return new Names("x-ratelimit-limit-" + unit, "x-ratelimit-remaining-" + unit, "x-ratelimit-reset-" + unit);
        }
    }

    private static final Names REQUESTS = Names.of("requests");
    private static final Names TOKENS = Names.of("tokens");

    /** The headers for an admitted request. */
    public static void of(Admission admission, BiConsumer<String, String> header) {
        write(tightest(admission.states(), Limit.Kind.RPM), REQUESTS, header);
        write(tightest(admission.states(), Limit.Kind.TPM), TOKENS, header);
    }

    /** The headers for a refused request: the limit it met, with what is left of it. */
    public static void of(RateLimited refusal, BiConsumer<String, String> header) {
        Limit limit = refusal.limit();
        Names names = switch (limit.kind()) {
            case RPM -> REQUESTS;
            case TPM -> TOKENS;
            case PARALLEL -> null;
        };
        if (names != null) {
            write(new Admission.State(limit, refusal.remaining(), refusal.reset()), names, header);
        }
    }

    private static Admission.State tightest(List<Admission.State> states, Limit.Kind kind) {
        Admission.State tightest = null;
        for (Admission.State s : states) {
            if (s.limit().kind() == kind && (tightest == null || s.remaining() < tightest.remaining())) {
                tightest = s;
            }
        }
        return tightest;
    }

    private static void write(Admission.State state, Names names, BiConsumer<String, String> header) {
        if (state == null) {
            return;
        }
        header.accept(names.limit(), Long.toString(state.limit().value()));
        header.accept(names.remaining(), Long.toString(Math.max(0, state.remaining())));
        header.accept(names.reset(), duration(state.reset()));
    }

    /** {@code 0s}, {@code 250ms}, {@code 1s}, {@code 8.64s}, {@code 1m0s}, {@code 6m30.5s}. */
    static String duration(Duration d) {
        long millis = Math.max(0, d.toMillis());
        if (millis == 0) {
            return "0s";
        }
        if (millis < 1000) {
            return millis + "ms";
        }
        long minutes = millis / 60_000;
        String seconds = seconds(millis % 60_000);
        return minutes > 0 ? minutes + "m" + seconds : seconds;
    }

    private static String seconds(long millis) {
        long whole = millis / 1000;
        long frac = millis % 1000;
        if (frac == 0) {
            return whole + "s";
        }
        String digits = Long.toString(1000 + frac).substring(1); // three digits, leading zeros kept
        int end = digits.length();
        while (digits.charAt(end - 1) == '0') {
            end--;
        }
        return whole + "." + digits.substring(0, end) + "s";
    }
}
