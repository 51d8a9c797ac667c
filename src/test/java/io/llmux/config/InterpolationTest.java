package io.llmux.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class InterpolationTest {
    private final Env env = Env.of(Map.of("HOST", "db.internal", "PORT", "5433", "EMPTY", ""));

    @Test
    void substitutesSetVariables() {
        Interpolation.Result r = Interpolation.apply("postgres://${HOST}:${PORT}/x", env);

        assertThat(r.value()).isEqualTo("postgres://db.internal:5433/x");
        assertThat(r.referenced()).containsExactly("HOST", "PORT");
        assertThat(r.unset()).isEmpty();
    }

    @Test
    void defaultAppliesWhenUnsetOrEmptyAndMayHoldColons() {
        assertThat(Interpolation.apply("${REDIS_ADDR:localhost:6379}", env).value())
                .isEqualTo("localhost:6379");
        assertThat(Interpolation.apply("${EMPTY:fallback}", env).value()).isEqualTo("fallback");
        assertThat(Interpolation.apply("${HOST:ignored}", env).value()).isEqualTo("db.internal");
        assertThat(Interpolation.apply("${NOPE:}", env).unset()).isEmpty();
    }

    @Test
    void unsetWithoutDefaultBecomesEmptyAndIsRemembered() {
        Interpolation.Result r = Interpolation.apply("Bearer ${TOKEN}", env);

        assertThat(r.value()).isEqualTo("Bearer ");
        assertThat(r.unset()).containsExactly("TOKEN");
    }

    @Test
    void doubleDollarEscapesALiteralReference() {
        assertThat(Interpolation.apply("$${HOST} costs $5", env).value()).isEqualTo("${HOST} costs $5");
    }

    @Test
    void malformedReferencesAreErrors() {
        assertThat(Interpolation.apply("${HOST", env).error())
                .isEqualTo("has a ${ without a closing } (use ${VAR} or ${VAR:default}; $${ for a literal ${)");
        assertThat(Interpolation.apply("${OPENAI API KEY}", env).error())
                .startsWith("\"${OPENAI API KEY}\" is not a variable reference");
    }
}
