package io.llmux.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one JSON configuration of the gateway. Numbers keep their exact written form (a client's {@code 0.70} goes
 * upstream as {@code 0.70}) because pass-through must not change a body; the mapper is configured once and never
 * changed, so sharing it is safe.
 */
public final class Json {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(200)
                    .maxStringLength(Integer.MAX_VALUE)
                    .build())
            // Jackson's default pool keeps buffers per thread, and a virtual thread lives for one request: every
            // parser and generator then allocated its ~12 KB of buffers afresh. A shared pool hands them on.
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
            .build();

    public static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    private Json() {}
}
