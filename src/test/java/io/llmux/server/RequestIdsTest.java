package io.llmux.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
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
        assertThat(RequestIds.create()).matches("req_[0-9a-f]{32}");
    }

    @Test
    void generatedIdsSortByTime() {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        String earlier = RequestIds.create(1_795_700_000_000L, rnd);
        String later = RequestIds.create(1_795_700_000_001L, rnd);
        assertThat(earlier).startsWith("req_" + String.format("%012x", 1_795_700_000_000L));
        assertThat(earlier.compareTo(later)).isNegative();
        List<String> ids = new ArrayList<>();
        for (long t = 1_795_700_000_000L; t < 1_795_700_000_000L + 2_000; t += 7) {
            ids.add(RequestIds.create(t, rnd));
        }
        assertThat(ids).isSorted();
    }
}
