package io.llmux.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {
    private static final String VIRTUAL_KEY = "sk-" + "Q2xhdWRlIHdhcyBoZXJlIGFuZCB0aGlzIGlzIGZpbmU";

    private final Redactor redactor = new Redactor(List.of("mk-master-secret-1", "hunter2hunter2", "short"));

    @Test
    void configuredSecretsAreMaskedWherever_theyAppear() {
        assertThat(redactor.scrub("auth failed for mk-master-secret-1 and (hunter2hunter2)"))
                .isEqualTo("auth failed for [REDACTED] and ([REDACTED])");
    }

    @Test
    void secretsShorterThanEightCharactersAreNotMatchedLiterally() {
        assertThat(redactor.scrub("a short story")).isEqualTo("a short story");
    }

    @Test
    void textWithoutSecretsIsReturnedAsIs() {
        String line = "request to openai/gpt-4o-mini took 12ms: task-runner-with-a-very-long-name-indeed";
        assertThat(redactor.scrub(line)).isSameAs(line);
        assertThat(Redactor.scrubPatterns(line)).isSameAs(line);
    }

    @Test
    void skKeysOfTwentyOrMoreCharactersAreMaskedButMaskedFormsStay() {
        assertThat(Redactor.scrubPatterns("Incorrect API key provided: " + VIRTUAL_KEY + "."))
                .isEqualTo("Incorrect API key provided: sk-[REDACTED].");
        assertThat(Redactor.scrubPatterns("key sk-...abcd, sk-short")).isEqualTo("key sk-...abcd, sk-short");
        assertThat(Redactor.scrubPatterns("sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123"))
                .isEqualTo("sk-[REDACTED]");
    }

    @Test
    void bearerTokensAreMasked() {
        assertThat(Redactor.scrubPatterns("Authorization: Bearer abc.def-ghi, next"))
                .isEqualTo("Authorization: Bearer [REDACTED], next");
        assertThat(Redactor.scrubPatterns("send it as 'Authorization: Bearer <key>'"))
                .isEqualTo("send it as 'Authorization: Bearer <key>'");
    }

    @Test
    void headerAndFieldValuesNamedLikeCredentialsAreMasked() {
        assertThat(Redactor.scrubPatterns("x-api-key: AIzaSyA1b2c3 sent")).isEqualTo("x-api-key: [REDACTED] sent");
        assertThat(Redactor.scrubPatterns("{\"x-goog-api-key\":\"AIzaSyA1b2c3\"}"))
                .isEqualTo("{\"x-goog-api-key\":\"[REDACTED]\"}");
        assertThat(Redactor.scrubPatterns("api-key=abc123; other")).isEqualTo("api-key=[REDACTED]; other");
        assertThat(Redactor.scrubPatterns("password=s3cret")).isEqualTo("password=[REDACTED]");
        assertThat(Redactor.scrubPatterns("FATAL: password authentication failed for user \"llmux\""))
                .isEqualTo("FATAL: password authentication failed for user \"llmux\"");
    }

    @Test
    void secretQueryParametersAreMasked() {
        assertThat(
                        Redactor.scrubPatterns(
                                "POST https://generativelanguage.googleapis.com/v1beta/models/g:generateContent?key=AIzaSy12&alt=sse"))
                .isEqualTo(
                        "POST https://generativelanguage.googleapis.com/v1beta/models/g:generateContent?key=[REDACTED]&alt=sse");
        assertThat(Redactor.scrubPatterns("jdbc:postgresql://db/llmux?user=u&password=pw1 failed"))
                .isEqualTo("jdbc:postgresql://db/llmux?user=u&password=[REDACTED] failed");
        assertThat(Redactor.scrubPatterns("/v1/models?monkey=1&keyboard=2"))
                .isEqualTo("/v1/models?monkey=1&keyboard=2");
    }

    @Test
    void passwordsInUrlsAreMasked() {
        assertThat(Redactor.scrubPatterns("cannot reach redis://:pw-123@127.0.0.1:6390/0"))
                .isEqualTo("cannot reach redis://:[REDACTED]@127.0.0.1:6390/0");
        assertThat(Redactor.scrubPatterns("postgresql://llmux:pa:ss@db:5432/llmux"))
                .isEqualTo("postgresql://llmux:[REDACTED]@db:5432/llmux");
        assertThat(Redactor.scrubPatterns("see http://host:8080/path at 12:03:10"))
                .isEqualTo("see http://host:8080/path at 12:03:10");
    }

    @Test
    void aReloadAddsSecretsAndKeepsTheOldOnes() {
        redactor.remember(List.of("new-provider-key-42"));
        assertThat(redactor.scrub("new-provider-key-42 / mk-master-secret-1")).isEqualTo("[REDACTED] / [REDACTED]");
    }

    @Test
    void aSecretContainingAnotherIsMaskedWhole() {
        Redactor r = new Redactor(List.of("abcdefgh", "abcdefgh-ijkl"));
        assertThat(r.scrub("x abcdefgh-ijkl y")).isEqualTo("x [REDACTED] y");
    }
}
