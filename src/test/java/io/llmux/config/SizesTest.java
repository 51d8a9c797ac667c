package io.llmux.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SizesTest {

    @Test
    void unitsAreBinary() {
        assertThat(Sizes.parse("512KB")).isEqualTo(512L * 1024);
        assertThat(Sizes.parse("10MB")).isEqualTo(10L * 1024 * 1024);
        assertThat(Sizes.parse("1GB")).isEqualTo(1024L * 1024 * 1024);
        assertThat(Sizes.parse("100B")).isEqualTo(100);
    }

    @Test
    void unitsAreCaseInsensitive() {
        assertThat(Sizes.parse("10mb")).isEqualTo(10L * 1024 * 1024);
        assertThat(Sizes.parse("1Kb")).isEqualTo(1024);
        assertThat(Sizes.parse("2MiB")).isEqualTo(2L * 1024 * 1024);
        assertThat(Sizes.parse("1 MB")).isEqualTo(1024 * 1024);
    }

    @Test
    void plainIntegersAreBytesAsTheOriginalWroteThem() {
        assertThat(Sizes.parse("1048576")).isEqualTo(1024 * 1024);
        assertThat(Sizes.parse("0")).isZero();
    }

    @Test
    void wholeByteFractionsAreRead() {
        assertThat(Sizes.parse("1.5KB")).isEqualTo(1536);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10XB", "", "-1MB", "MB", "1.5B", "0.3KB", "10 M B", "99999999999TB"})
    void rejectsGarbage(String text) {
        assertThatThrownBy(() -> Sizes.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("\"" + text + "\" is not a size (use e.g. 512KB, 10MB, 1GB)");
    }

    @Test
    void formatsTheShortestExactSpelling() {
        assertThat(Sizes.format(10L * 1024 * 1024)).isEqualTo("10MB");
        assertThat(Sizes.format(1536 * 1024)).isEqualTo("1536KB");
        assertThat(Sizes.format(100)).isEqualTo("100B");
    }
}
