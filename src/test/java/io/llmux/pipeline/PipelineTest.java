package io.llmux.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmux.GatewayException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PipelineTest {

    private static Exchange exchange() {
        return new Exchange("r", Endpoint.CHAT, new byte[0], h -> null, 0);
    }

    /** A stage's behaviour, so tests can write stages as lambdas. */
    @FunctionalInterface
    private interface Body {
        Reply handle(Exchange ex, Chain next) throws GatewayException;
    }

    private static Stage stage(String name, Body body) {
        return new Stage() {
            @Override
            public Reply handle(Exchange ex, Chain next) throws GatewayException {
                return body.handle(ex, next);
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    @Test
    void stagesRunInOrderAndTheAnswerComesBack() throws Exception {
        List<String> seen = new ArrayList<>();
        Reply answer = new Reply.Json(200, new byte[] {'{', '}'});
        Pipeline p = new Pipeline(List.of(
                stage("a", (ex, next) -> {
                    seen.add("a");
                    return next.proceed(ex);
                }),
                stage("b", (ex, next) -> {
                    seen.add("b");
                    return answer;
                })));
        assertThat(p.handle(exchange())).isSameAs(answer);
        assertThat(seen).containsExactly("a", "b");
        assertThat(p.stageNames()).containsExactly("a", "b");
    }

    @Test
    void aStageMayAnswerWithoutCallingTheRest() throws Exception {
        Reply hit = new Reply.Json(200, new byte[0]);
        Pipeline p = new Pipeline(List.of(stage("cache", (ex, next) -> hit), stage("router", (ex, next) -> {
            throw new AssertionError("not reached");
        })));
        assertThat(p.handle(exchange())).isSameAs(hit);
    }

    @Test
    void callingTheChainTwiceIsRefusedNamingTheStage() {
        Pipeline p = new Pipeline(List.of(
                stage("greedy", (ex, next) -> {
                    next.proceed(ex);
                    return next.proceed(ex);
                }),
                stage("router", (ex, next) -> new Reply.Json(200, new byte[0]))));
        assertThatThrownBy(() -> p.handle(exchange()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("greedy");
    }

    @Test
    void aNullReplyIsRefusedNamingTheStage() {
        Pipeline p = new Pipeline(List.of(stage("lazy", (ex, next) -> null)));
        assertThatThrownBy(() -> p.handle(exchange())).hasMessageContaining("lazy");
    }

    @Test
    void theLastStageMayNotCallOn() {
        Pipeline p = new Pipeline(List.of(stage("router", (ex, next) -> next.proceed(ex))));
        assertThatThrownBy(() -> p.handle(exchange())).hasMessageContaining("router");
    }

    @Test
    void errorsPassThroughUnchanged() {
        GatewayException denied = GatewayException.authentication("no");
        Pipeline p = new Pipeline(List.of(stage("auth", (ex, next) -> {
            throw denied;
        })));
        assertThatThrownBy(() -> p.handle(exchange())).isSameAs(denied);
    }
}
