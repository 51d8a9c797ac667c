package io.llmux.admin;

import io.llmux.auth.KeyGenerator;
import io.llmux.auth.KeyInvalidation;
import io.llmux.budget.Ledger;
import io.llmux.store.Stores;
import java.time.Clock;

/**
 * What the management endpoints work with. Built only when a database is configured.
 *
 * @param invalidation told of every change to a key, user, team or organization, so the request path sees it at once
 * @param ledger live spend (settled and in flight), which {@code /key/info} adds to what is stored
 */
public record Management(
        Stores stores, KeyInvalidation invalidation, Ledger ledger, KeyGenerator keyGenerator, Clock clock) {}
