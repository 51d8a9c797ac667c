package io.llmux.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Route lookup: exact paths first, then one-segment templates, then prefixes. */
class RoutesTest {
    private final Handler generate = r -> {};
    private final Handler regenerate = r -> {};
    private final Handler model = r -> {};

    private final Routes routes = new Routes()
            .add("POST", "/key/generate", generate)
            .add("POST", "/key/{key}/regenerate", regenerate)
            .addPrefix("GET", "/key/", model);

    @Test
    void aTemplateMatchesOneSegmentBetweenItsPrefixAndSuffix() {
        assertThat(routes.find("/key/sk-abc/regenerate")).containsEntry("POST", regenerate);
        assertThat(routes.find("/key/generate")).containsEntry("POST", generate);
        assertThat(routes.find("/key/a/b/regenerate"))
                .as("an id has no slash: the prefix route takes it")
                .containsOnlyKeys("GET");
        assertThat(routes.find("/key//regenerate")).containsOnlyKeys("GET");
    }

    @Test
    void theIdIsPercentDecodedAndAPlusStaysAPlus() {
        Routes.Template t = Routes.Template.of("/key/{key}/regenerate");

        assertThat(t.name()).isEqualTo("key");
        assertThat(t.id("/key/sk-a%2Fb+c/regenerate")).isEqualTo("sk-a/b+c");
        assertThat(t.id("/key/sk-abc/rotate")).isNull();
        assertThat(t.id("/key/sk-%zz/regenerate")).isNull();
        assertThat(Routes.Template.of("/key/regenerate")).isNull();
    }

    @Test
    void aTemplateSegmentIsAWholeSegment() {
        assertThatThrownBy(() -> Routes.Template.of("/key/x{key}/regenerate"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Routes.Template.of("/key/{}/regenerate")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Routes.Template.of("/{a}/{b}")).isInstanceOf(IllegalArgumentException.class);
    }
}
