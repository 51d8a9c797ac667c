package io.llmux.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestIdsTest {

    @Test
    void aValidClientIdIsKept() {
        assertThat(RequestIds.acceptOrCreate("abc.DEF_123:x-y")).isEqualTo("abc.DEF_123:x-y");
        String max = "a".repeat(128);
        assertThat(RequestIds.acceptOrCreate(max)).isEqualTo(max);
    }

    @Test
    void anInvalidClientIdIsReplaced() {
        for (String bad : new String[] {null, "", "a".repeat(129), "has space", "semi;colon", "new\nline", "ü"}) {
            String id = RequestIds.acceptOrCreate(bad);
            assertThat(id).isNotEqualTo(bad).startsWith("req_").hasSize(36);
            assertThat(RequestIds.valid(id)).isTrue();
        }
    }

    @Test
    void generatedIdsDiffer() {
        assertThat(RequestIds.create()).isNotEqualTo(RequestIds.create());
    }
}
