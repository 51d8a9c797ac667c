package io.llmux.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InferenceHandlerTest {

    @Test
    void serverTimingMillisHaveThreeDecimals() {
        assertThat(InferenceHandler.millis(0)).isEqualTo("0.000");
        assertThat(InferenceHandler.millis(1_234_567)).isEqualTo("1.234");
        assertThat(InferenceHandler.millis(50_000)).isEqualTo("0.050");
        assertThat(InferenceHandler.millis(7_000)).isEqualTo("0.007");
        assertThat(InferenceHandler.millis(12_345_678_901L)).isEqualTo("12345.678");
        assertThat(InferenceHandler.millis(-5)).isEqualTo("0.000");
    }
}
