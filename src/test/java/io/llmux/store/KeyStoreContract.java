package io.llmux.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link KeyStore} on a real database. */
abstract class KeyStoreContract extends DatabaseContract {

    static KeyRow fullKey(String name) {
        return new KeyRow(
                hash(name),
                "sk-...wxyz",
                name + "-alias",
                List.of("gpt-4o", "claude-3-5-sonnet"),
                new BudgetFields(10.5, "30d", T0.plus(Duration.ofDays(30)), 1.25),
                8.0,
                new Limits(100_000L, 60L, 4),
                Map.of("gpt-4o", 10L),
                Map.of("gpt-4o", 5_000L),
                Map.of("gpt-4o", 2.5),
                Map.of("gpt-4o", 0.75),
                "user-1",
                "team-1",
                "org-1",
                nestedMetadata(),
                List.of("prod", "batch"),
                "management",
                T0.plus(Duration.ofDays(7)),
                true,
                null,
                null);
    }

    @Test
    void insertedKeyReadsBackWithEveryField() {
        KeyRow stored = keys.insert(fullKey("k1"));

        assertThat(stored.createdAt()).isEqualTo(T0.truncatedTo(java.time.temporal.ChronoUnit.MICROS));
        assertThat(stored.updatedAt()).isEqualTo(stored.createdAt());
        assertThat(keys.findByHash(hash("k1"))).contains(stored);
        assertThat(keys.findByAlias("k1-alias")).contains(stored);
    }

    @Test
    void aKeyWithoutOptionalFieldsGetsTheSchemaDefaults() {
        keys.insert(key("bare", null, null));

        KeyRow read = keys.findByHash(hash("bare")).orElseThrow();
        assertThat(read.keyType()).isEqualTo("default");
        assertThat(read.models()).isEmpty();
        assertThat(read.metadata()).isEmpty();
        assertThat(read.budget()).isEqualTo(BudgetFields.NONE);
        assertThat(read.limits()).isEqualTo(Limits.NONE);
        assertThat(read.expires()).isNull();
        assertThat(read.expiredAt(T0.plus(Duration.ofDays(10_000)))).isFalse();
    }

    @Test
    void unknownHashOrAliasFindsNothing() {
        assertThat(keys.findByHash(hash("nobody"))).isEmpty();
        assertThat(keys.findByAlias("nobody")).isEmpty();
    }

    @Test
    void aDuplicateAliasIsAConflictNamingTheAlias() {
        keys.insert(fullKey("k1"));
        KeyRow other = withAlias(key("k2", null, null), "k1-alias");

        assertThatThrownBy(() -> keys.insert(other))
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.conflict()).isTrue())
                .hasMessageContaining("key_alias \"k1-alias\" is already used");
        assertThat(keys.findByHash(hash("k2"))).isEmpty();
    }

    @Test
    void aDuplicateHashIsAConflict() {
        keys.insert(key("k1", null, null));

        assertThatThrownBy(() -> keys.insert(key("k1", "someone", null)))
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.CONFLICT))
                .hasMessageContaining("a key with this hash already exists");
    }

    @Test
    void updateReplacesTheMutableFieldsAndKeepsSpendNameAndCreation() {
        KeyRow original = keys.insert(fullKey("k1"));
        clock.advance(Duration.ofMinutes(5));
        KeyRow changed = new KeyRow(
                original.token(),
                "sk-...ignored",
                "renamed",
                List.of("gpt-4o-mini"),
                new BudgetFields(null, null, null, 0), // spend 0 must not wipe the stored 1.25
                null,
                new Limits(null, 10L, null),
                Map.of(),
                Map.of("gpt-4o-mini", 1L),
                Map.of(),
                Map.of(),
                "user-2",
                null,
                null,
                Map.of("note", "x"),
                List.of(),
                "read_only",
                null,
                false,
                T0.minus(Duration.ofDays(1)),
                null);

        KeyRow updated = keys.update(changed).orElseThrow();

        assertThat(updated.keyAlias()).isEqualTo("renamed");
        assertThat(updated.models()).containsExactly("gpt-4o-mini");
        assertThat(updated.budget()).isEqualTo(new BudgetFields(null, null, null, 1.25));
        assertThat(updated.limits()).isEqualTo(new Limits(null, 10L, null));
        assertThat(updated.modelTpmLimit()).isEqualTo(Map.of("gpt-4o-mini", 1L));
        assertThat(updated.modelSpend()).isEqualTo(original.modelSpend());
        assertThat(updated.userId()).isEqualTo("user-2");
        assertThat(updated.teamId()).isNull();
        assertThat(updated.metadata()).isEqualTo(Map.of("note", "x"));
        assertThat(updated.keyType()).isEqualTo("read_only");
        assertThat(updated.blocked()).isFalse();
        assertThat(updated.keyName()).isEqualTo("sk-...wxyz");
        assertThat(updated.createdAt()).isEqualTo(original.createdAt());
        assertThat(updated.updatedAt()).isEqualTo(clock.instant());
        assertThat(keys.findByHash(original.token())).contains(updated);
    }

    @Test
    void updatingAnUnknownKeyChangesNothing() {
        assertThat(keys.update(key("ghost", null, null))).isEmpty();
        assertThat(keys.findByHash(hash("ghost"))).isEmpty();
    }

    @Test
    void updatingToAnotherKeysAliasIsAConflict() {
        keys.insert(fullKey("k1"));
        keys.insert(key("k2", null, null));

        assertThatThrownBy(() -> keys.update(withAlias(key("k2", null, null), "k1-alias")))
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.conflict()).isTrue())
                .hasMessageContaining("k1-alias");
    }

    @Test
    void blockAndUnblockFlipOnlyTheFlag() {
        KeyRow original = keys.insert(key("k1", "u", null));
        clock.advance(Duration.ofSeconds(1));

        KeyRow blocked = keys.setBlocked(hash("k1"), true).orElseThrow();
        assertThat(blocked.blocked()).isTrue();
        assertThat(blocked.updatedAt()).isEqualTo(clock.instant());
        assertThat(blocked.userId()).isEqualTo("u");

        assertThat(keys.setBlocked(hash("k1"), false).orElseThrow().blocked()).isFalse();
        assertThat(keys.findByHash(hash("k1")).orElseThrow().createdAt()).isEqualTo(original.createdAt());
        assertThat(keys.setBlocked(hash("ghost"), true)).isEmpty();
    }

    @Test
    void regenerateMovesTheKeyToItsNewHashKeepingEverythingElse() {
        KeyRow original = keys.insert(fullKey("old"));

        KeyRow regenerated =
                keys.regenerate(hash("old"), hash("new"), "sk-...new1").orElseThrow();

        assertThat(keys.findByHash(hash("old"))).isEmpty();
        assertThat(keys.findByHash(hash("new"))).contains(regenerated);
        assertThat(regenerated.keyName()).isEqualTo("sk-...new1");
        assertThat(regenerated.keyAlias()).isEqualTo(original.keyAlias());
        assertThat(regenerated.budget()).isEqualTo(original.budget());
        assertThat(regenerated.modelSpend()).isEqualTo(original.modelSpend());
        assertThat(regenerated.createdAt()).isEqualTo(original.createdAt());
        assertThat(keys.regenerate(hash("old"), hash("newer"), "sk-...x")).isEmpty();
    }

    @Test
    void regeneratingOntoAnExistingHashIsAConflictAndKeepsBothKeys() {
        keys.insert(key("a", null, null));
        keys.insert(key("b", null, null));

        assertThatThrownBy(() -> keys.regenerate(hash("a"), hash("b"), "sk-...b"))
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.conflict()).isTrue());
        assertThat(keys.findByHash(hash("a"))).isPresent();
        assertThat(keys.findByHash(hash("b"))).isPresent();
    }

    @Test
    void deleteByHashesReturnsTheKeysThatExisted() {
        KeyRow a = keys.insert(key("a", null, null));
        keys.insert(key("b", null, null));

        List<KeyRow> deleted = keys.deleteByHashes(List.of(hash("a"), hash("ghost")));

        assertThat(deleted).containsExactly(a);
        assertThat(keys.findByHash(hash("a"))).isEmpty();
        assertThat(keys.findByHash(hash("b"))).isPresent();
        assertThat(keys.deleteByHashes(List.of(hash("a")))).isEmpty();
        assertThat(keys.deleteByHashes(List.of())).isEmpty();
    }

    @Test
    void deleteByAliasesReturnsTheKeysThatExisted() {
        KeyRow a = keys.insert(withAlias(key("a", null, null), "alpha"));
        keys.insert(withAlias(key("b", null, null), "beta"));

        assertThat(keys.deleteByAliases(List.of("alpha", "gamma"))).containsExactly(a);
        assertThat(keys.findByAlias("beta")).isPresent();
    }

    @Test
    void deleteByTeamsAndUsersRemovesTheirKeysOnly() {
        keys.insert(key("t1", null, "team-1"));
        keys.insert(key("t2", null, "team-2"));
        keys.insert(key("u1", "user-1", null));

        assertThat(keys.deleteByTeams(List.of("team-1")))
                .extracting(KeyRow::token)
                .containsExactly(hash("t1"));
        assertThat(keys.deleteByUsers(List.of("user-1")))
                .extracting(KeyRow::token)
                .containsExactly(hash("u1"));
        assertThat(keys.list(null, null, 1, 10).rows())
                .extracting(KeyRow::token)
                .containsExactly(hash("t2"));
    }

    @Test
    void deleteByOrganizationsRemovesOnlyKeysIssuedToThoseOrganizations() {
        KeyRow plain = key("o1", null, "team-1");
        keys.insert(new KeyRow(
                plain.token(),
                plain.keyName(),
                null,
                List.of(),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                "team-1",
                "org-1",
                null,
                null,
                null,
                null,
                false,
                null,
                null));
        keys.insert(key("other", null, "team-1"));

        assertThat(keys.deleteByOrganizations(List.of("org-1", "org-ghost")))
                .extracting(KeyRow::token)
                .containsExactly(hash("o1"));
        assertThat(keys.list(null, null, 1, 10).rows())
                .extracting(KeyRow::token)
                .containsExactly(hash("other"));
        assertThat(keys.deleteByOrganizations(List.of())).isEmpty();
    }

    @Test
    void listPagesInCreationOrderWithTheTotal() {
        for (int i = 1; i <= 5; i++) {
            keys.insert(key("k" + i, i % 2 == 0 ? "even" : "odd", "team-" + (i <= 3 ? "a" : "b")));
            clock.advance(Duration.ofSeconds(1));
        }

        Page<KeyRow> first = keys.list(null, null, 1, 2);
        assertThat(first.rows()).extracting(KeyRow::token).containsExactly(hash("k1"), hash("k2"));
        assertThat(first.total()).isEqualTo(5);
        assertThat(first.totalPages()).isEqualTo(3);
        assertThat(keys.list(null, null, 3, 2).rows()).extracting(KeyRow::token).containsExactly(hash("k5"));
        assertThat(keys.list(null, null, 4, 2).rows()).isEmpty();

        Page<KeyRow> odd = keys.list("odd", null, 1, 10);
        assertThat(odd.rows()).extracting(KeyRow::token).containsExactly(hash("k1"), hash("k3"), hash("k5"));
        assertThat(odd.total()).isEqualTo(3);
        Page<KeyRow> oddInB = keys.list("odd", "team-b", 1, 10);
        assertThat(oddInB.rows()).extracting(KeyRow::token).containsExactly(hash("k5"));
        assertThat(oddInB.total()).isEqualTo(1);
    }

    @Test
    void aPageBelowOneIsRefusedBeforeAnySql() {
        assertThatThrownBy(() -> keys.list(null, null, 0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> keys.list(null, null, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void expiryIsAnInstantComparison() {
        KeyRow k = keys.insert(fullKey("k1"));
        Instant expires = k.expires();

        assertThat(k.expiredAt(expires.minusNanos(1000))).isFalse();
        assertThat(k.expiredAt(expires)).isTrue();
    }

    static KeyRow withAlias(KeyRow k, String alias) {
        return new KeyRow(
                k.token(),
                k.keyName(),
                alias,
                k.models(),
                k.budget(),
                k.softBudget(),
                k.limits(),
                k.modelRpmLimit(),
                k.modelTpmLimit(),
                k.modelMaxBudget(),
                k.modelSpend(),
                k.userId(),
                k.teamId(),
                k.organizationId(),
                k.metadata(),
                k.tags(),
                k.keyType(),
                k.expires(),
                k.blocked(),
                k.createdAt(),
                k.updatedAt());
    }
}
