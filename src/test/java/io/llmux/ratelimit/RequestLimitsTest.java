package io.llmux.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmux.auth.Principal;
import io.llmux.config.RateLimitConfig;
import io.llmux.ratelimit.Limit.Kind;
import io.llmux.store.KeyRow;
import io.llmux.store.Limits;
import io.llmux.store.OrganizationRow;
import io.llmux.store.TeamRow;
import io.llmux.store.UserRow;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestLimitsTest {
    private static final RateLimitConfig NO_DEFAULTS = new RateLimitConfig(true, 0, 0);

    static KeyRow key(Limits limits, Map<String, Long> modelRpm, Map<String, Long> modelTpm) {
        return new KeyRow(
                "hash1",
                "sk-...abcd",
                "alice",
                List.of(),
                null,
                null,
                limits,
                modelRpm,
                modelTpm,
                Map.of(),
                Map.of(),
                null,
                null,
                null,
                Map.of(),
                List.of(),
                null,
                null,
                false,
                null,
                null);
    }

    static Principal principal(KeyRow key) {
        return new Principal(key, null, null, null);
    }

    @Test
    void aKeysOwnLimitsApplyUnderItsAliasWithTheCounterNamedByItsHash() {
        List<Limit> limits = RequestLimits.of(
                principal(key(new Limits(1000L, 10L, 2), Map.of(), Map.of())), null, "gpt", "gpt", NO_DEFAULTS);
        assertThat(limits)
                .containsExactly(
                        new Limit("key 'alice'", "key:hash1", Kind.RPM, 10),
                        new Limit("key 'alice'", "key:hash1", Kind.TPM, 1000),
                        new Limit("key 'alice'", "key:hash1", Kind.PARALLEL, 2));
    }

    @Test
    void theDefaultsApplyToAKeyWithoutItsOwnAndNeverOverrideThem() {
        RateLimitConfig defaults = new RateLimitConfig(true, 60, 5000);
        assertThat(RequestLimits.of(principal(key(Limits.NONE, Map.of(), Map.of())), null, "m", "m", defaults))
                .containsExactly(
                        new Limit("key 'alice'", "key:hash1", Kind.RPM, 60),
                        new Limit("key 'alice'", "key:hash1", Kind.TPM, 5000));
        assertThat(RequestLimits.of(
                        principal(key(new Limits(null, 5L, null), Map.of(), Map.of())), null, "m", "m", defaults))
                .containsExactly(
                        new Limit("key 'alice'", "key:hash1", Kind.RPM, 5),
                        new Limit("key 'alice'", "key:hash1", Kind.TPM, 5000));
    }

    @Test
    void zeroOrMissingLimitsDoNotLimit() {
        assertThat(RequestLimits.of(
                        principal(key(new Limits(0L, 0L, 0), Map.of(), Map.of())), null, "m", "m", NO_DEFAULTS))
                .isEmpty();
    }

    @Test
    void modelLimitsMatchTheModelAsAskedOrItsGroupAndCountPerKeyAndGroup() {
        KeyRow k = key(Limits.NONE, Map.of("gpt-4o", 3L), Map.of("fast", 900L));
        assertThat(RequestLimits.of(principal(k), null, "gpt-4o", "gpt-4o", NO_DEFAULTS))
                .containsExactly(new Limit("key 'alice' on model 'gpt-4o'", "key:hash1:model:gpt-4o", Kind.RPM, 3));
        // "fast" is an alias of the group "mini": the limit was set on the alias, the counter is the group's
        assertThat(RequestLimits.of(principal(k), null, "fast", "mini", NO_DEFAULTS))
                .containsExactly(new Limit("key 'alice' on model 'mini'", "key:hash1:model:mini", Kind.TPM, 900));
        assertThat(RequestLimits.of(principal(k), null, "other", "other", NO_DEFAULTS))
                .isEmpty();
    }

    @Test
    void theUsersTeamsAndOrganizationsLimitsApplyToo() {
        UserRow user = new UserRow("u1", null, null, List.of(), null, new Limits(null, 7L, 1), Map.of(), null, null);
        TeamRow team = new TeamRow(
                "t1", "eng", null, List.of(), null, new Limits(100L, null, null), Map.of(), false, null, null);
        OrganizationRow org =
                new OrganizationRow("o1", null, List.of(), null, new Limits(null, 70L, null), Map.of(), null, null);
        Principal p = new Principal(key(Limits.NONE, Map.of(), Map.of()), user, team, org);
        assertThat(RequestLimits.of(p, null, "m", "m", NO_DEFAULTS))
                .containsExactly(
                        new Limit("user 'u1'", "user:u1", Kind.RPM, 7),
                        new Limit("user 'u1'", "user:u1", Kind.PARALLEL, 1),
                        new Limit("team 'eng'", "team:t1", Kind.TPM, 100),
                        new Limit("organization 'o1'", "org:o1", Kind.RPM, 70));
    }

    @Test
    void withoutAKeyTheDefaultsApplyPerClientAndTheMasterKeyIsNeverLimited() {
        RateLimitConfig defaults = new RateLimitConfig(true, 60, 0);
        assertThat(RequestLimits.of(null, "10.0.0.7", "m", "m", defaults))
                .containsExactly(new Limit("client 10.0.0.7", "client:10.0.0.7", Kind.RPM, 60));
        assertThat(RequestLimits.of(null, null, "m", "m", defaults)).isEmpty();
    }

    @Test
    void disabledMeansNoLimitsAtAll() {
        RateLimitConfig off = new RateLimitConfig(false, 60, 60);
        assertThat(RequestLimits.of(
                        principal(key(new Limits(1L, 1L, 1), Map.of(), Map.of())), "10.0.0.7", "m", "m", off))
                .isEmpty();
    }
}
